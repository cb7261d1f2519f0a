package tables

import (
	"fmt"
	"math"

	"github.com/ldamlab/ldamlab/ldam/analysis"
	"github.com/ldamlab/ldamlab/ldam/losses"
	"github.com/ldamlab/ldamlab/ldam/theory"
)

// Tables of sections 3.1–3.3 and appendix C.5: margins and bounds, Theorem 3's experiment,
// Menon et al.'s toy, the linear probe of Fig. 6.

// Theorem3 is the Theorem 3 experiment ([theory.RunTheorem3]) as a table: method, mean ± std of the balanced test error (%) over
// draws, and the paired difference from α = 1/4 (mean ± standard error over the same draws).
func Theorem3(r *theory.Theorem3Result) Table {
	t := Table{Header: []string{"margins", "balanced test error (%), mean ± std", "minus α = 1/4, paired (mean ± s.e.)", "draws"}}
	ref, ok := r.Row(0.25)
	for _, row := range r.Rows {
		diff := "–"
		if ok {
			d := row.Minus(ref)
			diff = fmt.Sprintf("%+.2f ± %.2f", 100*d.Mean(), 100*d.StdErr())
		}
		t.Rows = append(t.Rows, []string{row.Name, fmt.Sprintf("%.2f ± %.2f", 100*row.Mean(), 100*row.Std()), diff, fmt.Sprint(len(row.Errors))})
	}
	return t
}

// MarginReport lists a trained model's margins and bound terms per class.
func MarginReport(r *analysis.MarginReport) Table {
	t := Table{Header: []string{"class", "n_j", "γ_j measured (Eq. 2)", "γ_j ∝ n_j^-1/4, same sum (Eq. 9)", "(1/γ_j)·√(1/n_j)", "log(n)/√n_j"}}
	for j := range r.Counts {
		t.Rows = append(t.Rows, []string{fmt.Sprint(j), fmt.Sprint(r.Counts[j]), fmt.Sprintf("%.3f", r.Margins[j]), fmt.Sprintf("%.3f", r.Predicted[j]),
			fmt.Sprintf("%.3f", r.MarginTerm[j]), fmt.Sprintf("%.3f", r.LogTerm[j])})
	}
	return t
}

// MarginRatios compares, for trained models, each class's margin relative to the most
// frequent class's, γ_j/γ_0, with the ratio Eq. 9 predicts, (n_0/n_j)^{1/4}.
func MarginRatios(names []string, reports []*analysis.MarginReport) Table {
	t := Table{Header: []string{"class", "n_j", "predicted (n_0/n_j)^1/4"}}
	for _, n := range names {
		t.Header = append(t.Header, n+": γ_j/γ_0")
	}
	counts := reports[0].Counts
	for j := range counts {
		row := []string{fmt.Sprint(j), fmt.Sprint(counts[j]), fmt.Sprintf("%.2f", math.Pow(float64(counts[0])/float64(counts[j]), 0.25))}
		for _, r := range reports {
			row = append(row, fmt.Sprintf("%.2f", r.Margins[j]/r.Margins[0]))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// MenonToy lists the losses of Menon et al.'s toy ([theory.MenonToy])' balanced test errors beside the Bayes error.
func MenonToy(rs []theory.ToyResult) Table {
	t := Table{Header: []string{"loss (Menon et al. Eq. 11)", "balanced test error (%), mean ± std", "Bayes-optimal balanced error (%)", "trials, train / test size"}}
	for _, r := range rs {
		t.Rows = append(t.Rows, []string{r.Loss, fmt.Sprintf("%.2f ± %.2f", 100*r.Mean, 100*r.Std), fmt.Sprintf("%.2f", 100*r.Bayes),
			fmt.Sprintf("%d, %d / %d", r.Trials, r.Train, r.Test)})
	}
	return t
}

// Margins lists, class by class, the networks' training margins beside the ratio Eq. 9
// asks of γ_j/γ_0, (n_0/n_j)^{1/4}: per network the median and the analysis.MarginQuantile-quantile of
// the class's example margins and the class's training error. Ratios of measured margins are
// left out on purpose: they mean nothing once a class's margins are negative (the training set
// is not separated). (Logit units differ between a linear and a cosine head.)
func Margins(ms []*analysis.NetworkMargins) Table {
	t := Table{Header: []string{"class", "n_j", "Eq. 9: (n_0/n_j)^1/4"}}
	for _, m := range ms {
		t.Header = append(t.Header, m.Name+": median γ", fmt.Sprintf("%s: %g-quantile", m.Name, analysis.MarginQuantile), m.Name+": train err")
	}
	if len(ms) == 0 {
		return t
	}
	counts := ms[0].Counts
	for j := range counts {
		row := []string{fmt.Sprint(j), fmt.Sprint(counts[j]), fmt.Sprintf("%.2f", math.Pow(float64(counts[0])/float64(counts[j]), 0.25))}
		for _, m := range ms {
			row = append(row, fmt.Sprintf("%.3f", m.Median[j]), fmt.Sprintf("%.3f", m.Low[j]), fmt.Sprintf("%.1f %%", 100*m.TrainError[j]))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// Eq15 compares, class by class, LDAM's margins for a balanced test set (Eq. 13,
// Δ_j ∝ n_j^{-1/4}) with those for a known test distribution n' (Eq. 15, Δ_j ∝ (n'_j/n_j)^{1/4}),
// both scaled to the largest margin maxMargin.
func Eq15(trainCounts, testCounts []int, maxMargin float64) (Table, error) {
	eq13, err := losses.LDAMMargins(trainCounts, maxMargin)
	if err != nil {
		return Table{}, err
	}
	eq15, err := losses.TestAwareMargins(trainCounts, testCounts, maxMargin)
	if err != nil {
		return Table{}, err
	}
	t := Table{Header: []string{"class", "training n_j", "test n'_j", "Δ_j, Eq. 13 (balanced test)", "Δ_j, Eq. 15 (this test set)"}}
	for j := range trainCounts {
		t.Rows = append(t.Rows, []string{fmt.Sprint(j), fmt.Sprint(trainCounts[j]), fmt.Sprint(testCounts[j]), fmt.Sprintf("%.3f", eq13[j]), fmt.Sprintf("%.3f", eq15[j])})
	}
	return t, nil
}

// Probe lists, per backbone, the probe's error on frequent and minority classes, its
// mean, and the backbone's own balanced error at T0.
func Probe(results []*analysis.ProbeResult) Table {
	t := Table{Header: []string{"backbone (stage 1)", "preset, seed", "T0", "probe fit / held-out", "probe error: frequent", "minority", "mean", "backbone's own error at T0"}}
	for _, r := range results {
		top := 0
		for _, n := range r.Counts {
			top = max(top, n)
		}
		var f, m float64
		var nf, nm int
		for j, e := range r.Errors {
			if 2*r.Counts[j] < top {
				m, nm = m+e, nm+1
			} else {
				f, nf = f+e, nf+1
			}
		}
		t.Rows = append(t.Rows, []string{r.Method, fmt.Sprintf("%s, %d", r.Preset, r.Seed), fmt.Sprint(r.Epoch),
			fmt.Sprintf("%d / %d", r.Fit, r.Held), fmt.Sprintf("%.1f %%", 100*f/float64(max(1, nf))),
			fmt.Sprintf("%.1f %%", 100*m/float64(max(1, nm))), fmt.Sprintf("%.1f %%", 100*r.MeanError), fmt.Sprintf("%.1f %%", 100*r.Backbone)})
	}
	return t
}

// MarginTerms lists, class by class, normalized training margins γ_j (Eq. 2) beside the margins
// Eq. 9 would give with the same sum (γ_j ∝ n_j^{-1/4}), and the two terms of Eq. 4 with the
// complexity C(F) = 1 (the scale of unit class vectors on unit inputs): (1/γ_j)·√(1/n_j) and
// log(n)/√n_j.
func MarginTerms(gamma []float64, counts []int) Table {
	t := Table{Header: []string{"class", "n_j", "γ_j measured (Eq. 2)", "γ_j ∝ n_j^-1/4, same sum (Eq. 9)", "(1/γ_j)·√(1/n_j)", "log(n)/√n_j"}}
	n, sum := 0, 0.0
	for j, c := range counts {
		n += c
		sum += gamma[j]
	}
	eq9 := theory.OptimalMargins(counts, sum)
	for j, c := range counts {
		term := "∞"
		if gamma[j] > 0 {
			term = fmt.Sprintf("%.3f", 1/gamma[j]/math.Sqrt(float64(c)))
		}
		t.Rows = append(t.Rows, []string{fmt.Sprint(j), fmt.Sprint(c), fmt.Sprintf("%.3f", gamma[j]), fmt.Sprintf("%.3f", eq9[j]), term,
			fmt.Sprintf("%.3f", math.Log(float64(n))/math.Sqrt(float64(c)))})
	}
	return t
}
