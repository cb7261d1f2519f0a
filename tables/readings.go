package tables

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"gonum.org/v1/gonum/stat"

	"github.com/ldamlab/ldamlab/ldam/analysis"
	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/registry"
	"github.com/ldamlab/ldamlab/ldam/theory"
)

// Readings: the prose under a notebook's table or figure, generated from the runs it shows so
// that no number in it can go stale. Each says its preset, seed and data in one line, the
// numbers, how they compare with the paper's, and what the scale of the runs allows.

// Metric picks the error a reading reports.
type Metric int

const (
	// Balanced is the mean of the per-class errors: the paper's metric on balanced test sets.
	Balanced Metric = iota
	// OnTestSet is the plain error over the test set's images: Table 6's metric on imbalanced
	// test sets.
	OnTestSet
)

func (m Metric) of(r *record.Result) float64 {
	if m == OnTestSet {
		return r.Final.OverallError
	}
	return r.Final.Top1Error
}

func (m Metric) String() string {
	if m == OnTestSet {
		return "error on the imbalanced test set"
	}
	return "balanced test error"
}

// nearChance is how close to chance (1 − 1/K) every run of a reading must be for the reading to
// say the runs show the pipeline rather than the paper's result: 15 points.
const nearChance = 0.15

// allNearChance reports whether every balanced error lies within nearChance of chance with k
// classes, and chance itself.
func allNearChance(errs []float64, k int) (bool, float64) {
	chance := 1 - 1/float64(k)
	for _, e := range errs {
		if k < 1 || e <= chance-nearChance {
			return false, chance
		}
	}
	return len(errs) > 0, chance
}

// balancedErrors are the runs' final balanced errors.
func balancedErrors(runs []registry.Finished) []float64 {
	var out []float64
	for _, c := range runs {
		out = append(out, c.Result.Final.Top1Error)
	}
	return out
}

// scale says the runs' schedule in one line: preset, epochs, SGD steps on how many training
// images (the rarest class's count), seed, the backends that trained them and the data.
func scale(runs []registry.Finished) string {
	r := runs[0].Result
	var backends []string
	for _, c := range runs {
		if !slices.Contains(backends, c.Result.Backend) {
			backends = append(backends, c.Result.Backend)
		}
	}
	n := 0
	for _, c := range r.Data.TrainCounts {
		n += c
	}
	steps := ""
	if b := r.Preset.BatchSize; b > 0 && n > 0 {
		steps = fmt.Sprintf(", about %d SGD steps on %d training images (the rarest class %d)", r.Preset.Epochs*((n+b-1)/b), n, slices.Min(r.Data.TrainCounts))
	}
	return fmt.Sprintf("%s preset, %d epochs%s; seed %d, %s, %s", r.Preset.Name, r.Preset.Epochs, steps, r.Config.Seed, strings.Join(backends, " and "), strings.TrimSpace(r.Data.Name))
}

// RunsReading is the reading of one seed's runs of a figure or a table: each run's error under
// metric (with the few-shot error, or the per-class errors when there are at most three
// classes), the paper's order of the methods against ours when the paper has their numbers,
// and what the runs' scale allows — runs whose balanced error is within 15 points of chance show
// how the comparison is made, not the paper's result. Errors that agree to a tenth of a point
// are a tie ("A = B").
func RunsReading(runs []registry.Finished, metric Metric) (string, error) {
	if len(runs) == 0 {
		return "", fmt.Errorf("tables: no run to read")
	}
	for _, c := range runs {
		if c.Result == nil || c.Result.Final == nil {
			return "", fmt.Errorf("tables: %s has no finished evaluation to read", c.Method)
		}
	}
	first := runs[0].Result
	var b strings.Builder
	fmt.Fprintf(&b, "%s. ", capitalize(scale(runs)))
	var parts []string
	for _, c := range runs {
		f := c.Result.Final
		s := fmt.Sprintf("%s %.1f %%", c.Method, 100*metric.of(c.Result))
		switch {
		case len(f.PerClassError) <= 3:
			var pc []string
			for j, e := range f.PerClassError {
				name := fmt.Sprint(j)
				if j < len(c.Result.Data.Classes) {
					name = c.Result.Data.Classes[j]
				}
				pc = append(pc, fmt.Sprintf("%s %.0f %%", name, 100*e))
			}
			s += " (" + strings.Join(pc, ", ") + ")"
		case f.FewShotError != nil:
			s += fmt.Sprintf(" (few-shot %.0f %%)", 100**f.FewShotError)
		}
		parts = append(parts, s)
	}
	fmt.Fprintf(&b, "The %s: %s. ", metric, strings.Join(parts, ", "))
	order := orderSentence(runs, metric)
	if order != "" {
		b.WriteString(order + " ")
	}
	k := len(first.Final.PerClassError)
	if near, chance := allNearChance(balancedErrors(runs), k); near {
		fmt.Fprintf(&b, "Every run's balanced error is within %.0f points of chance (%.0f %% with %d classes): at this scale the runs show how the comparison is made, not the paper's result.", 100*nearChance, 100*chance, k)
	} else if order != "" {
		fmt.Fprintf(&b, "One seed at %d epochs, not the paper's schedule: compare the order with the paper's, not the absolute errors.", first.Preset.Epochs)
	} else {
		fmt.Fprintf(&b, "One seed at %d epochs, not the paper's schedule: compare the methods with each other, not the errors with the paper's.", first.Preset.Epochs)
	}
	return b.String(), nil
}

// orderSentence compares the methods' order with the paper's; empty when the paper lacks a
// number of one of them.
func orderSentence(runs []registry.Finished, metric Metric) string {
	if len(runs) < 2 {
		return ""
	}
	for _, c := range runs {
		if !(c.Paper > 0) {
			return ""
		}
	}
	ours := slices.Clone(runs)
	sort.SliceStable(ours, func(i, j int) bool { return metric.of(ours[i].Result) < metric.of(ours[j].Result) })
	theirs := slices.Clone(runs)
	sort.SliceStable(theirs, func(i, j int) bool { return theirs[i].Paper < theirs[j].Paper })
	// Methods whose errors agree to the tenth of a point are tied: "A = B < C".
	names := func(rs []registry.Finished, value func(registry.Finished) float64) string {
		var b strings.Builder
		for i, c := range rs {
			if i > 0 {
				if math.Round(10*value(rs[i-1])) == math.Round(10*value(c)) {
					b.WriteString(" = ")
				} else {
					b.WriteString(" < ")
				}
			}
			b.WriteString(c.Method)
		}
		return b.String()
	}
	ourValue := func(c registry.Finished) float64 { return 100 * metric.of(c.Result) }
	paperValue := func(c registry.Finished) float64 { return c.Paper }
	a, b := names(ours, ourValue), names(theirs, paperValue)
	if a == b {
		return fmt.Sprintf("The order is the paper's (%s).", b)
	}
	return fmt.Sprintf("The paper orders them %s; here %s.", b, a)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// CurvesReading is the reading of learning curves with a deferred switch (Fig. 3): for each
// run, the balanced test error just before T0, one epoch after it and at the end, and how much
// the switch itself moved it against the run without one (the first run without re-balancing
// in runs, when there is one).
func CurvesReading(runs []registry.Finished) (string, error) {
	if len(runs) == 0 {
		return "", fmt.Errorf("tables: no run to read")
	}
	first := runs[0].Result
	t0 := first.Preset.DeferEpoch
	var b strings.Builder
	fmt.Fprintf(&b, "%s; T0 = %d. ", capitalize(scale(runs)), t0)
	var parts []string
	for _, c := range runs {
		h := c.Result.History
		if t0 < 1 || len(h) <= t0 || c.Result.Final == nil {
			return "", fmt.Errorf("tables: %s has %d epochs; the reading needs the epochs around T0 = %d and the end", c.Method, len(h), t0)
		}
		parts = append(parts, fmt.Sprintf("%s %.1f → %.1f → %.1f %%", c.Method, 100*h[t0-1].Test.Top1Error, 100*h[t0].Test.Top1Error, 100*c.Result.Final.Top1Error))
	}
	fmt.Fprintf(&b, "Balanced test error at epoch %d (before the switch), %d (after it) and at the end: %s. ", t0, t0+1, strings.Join(parts, "; "))
	// Against the run without re-balancing: the annealing alone.
	var plain *registry.Finished
	for i, c := range runs {
		if c.Result.Config.TrainRule == "None" && c.Result.Config.LossType == "CE" {
			plain = &runs[i]
			break
		}
	}
	if plain != nil {
		drop := func(r *record.Result) float64 {
			return 100 * (r.History[t0-1].Test.Top1Error - r.History[t0].Test.Top1Error)
		}
		base := drop(plain.Result)
		var more []string
		for _, c := range runs {
			if c.Method != plain.Method {
				more = append(more, fmt.Sprintf("%s %.1f", c.Method, drop(c.Result)))
			}
		}
		fmt.Fprintf(&b, "In the epoch after T0 the learning rate's drop alone takes %s down %.1f points; the re-balanced runs drop %s points. ", plain.Method, base, strings.Join(more, ", "))
	}
	if near, chance := allNearChance(balancedErrors(runs), len(first.Final.PerClassError)); near {
		fmt.Fprintf(&b, "Every run ends within %.0f points of chance (%.0f %%): the curves show how the figure is made, not the paper's.", 100*nearChance, 100*chance)
	} else {
		fmt.Fprintf(&b, "One seed at %d epochs, not the paper's 200: the shape of the switch, not its size, is what compares.", first.Preset.Epochs)
	}
	return b.String(), nil
}

// ProbeReading is the reading of Fig. 6's linear probes: each backbone's own balanced error at
// T0 and its probe's mean error on the held-out test images (with the standard error of that
// mean), whether re-weighting's features support a worse probe than ERM's and re-sampling's
// (the paper's claim), and whether the difference exceeds twice its standard error.
func ProbeReading(results []*analysis.ProbeResult) (string, error) {
	if len(results) == 0 {
		return "", fmt.Errorf("tables: no probe to read")
	}
	r0 := results[0]
	var b strings.Builder
	fmt.Fprintf(&b, "%s preset, seed %d, backbones at T0 = %d; each probe fitted on %d test images and scored on the other %d. ", capitalize(r0.Preset), r0.Seed, r0.Epoch, r0.Fit, r0.Held)
	var parts []string
	se := map[string]float64{}
	mean := map[string]float64{}
	for _, r := range results {
		// The held-out mean error's standard error, as a proportion over r.Held images.
		s := math.Sqrt(r.MeanError * (1 - r.MeanError) / float64(r.Held))
		se[r.Method], mean[r.Method] = s, r.MeanError
		parts = append(parts, fmt.Sprintf("%s backbone %.1f %%, probe %.1f ± %.1f %%", r.Method, 100*r.Backbone, 100*r.MeanError, 100*s))
	}
	fmt.Fprintf(&b, "%s. ", strings.Join(parts, "; "))
	rw, okRW := mean["CB RW"]
	if okRW {
		var cmp []string
		for _, m := range []string{"ERM", "CB RS"} {
			v, ok := mean[m]
			if !ok {
				continue
			}
			d := rw - v
			s := math.Hypot(se["CB RW"], se[m])
			verdict := "within twice its standard error"
			if math.Abs(d) > 2*s {
				verdict = "beyond twice its standard error"
			}
			cmp = append(cmp, fmt.Sprintf("%+.1f points against %s (%s, ± %.1f)", 100*d, m, verdict, 100*s))
		}
		fmt.Fprintf(&b, "The paper finds re-weighting's features worse for a probe; here CB RW's probe is %s. ", strings.Join(cmp, ", "))
	}
	var backbones []float64
	for _, r := range results {
		backbones = append(backbones, r.Backbone)
	}
	if near, _ := allNearChance(backbones, len(r0.Errors)); near {
		fmt.Fprintf(&b, "The backbones themselves are within %.0f points of chance at T0: a hint, not evidence of the paper's claim.", 100*nearChance)
	}
	return b.String(), nil
}

// MenonReading is the reading of Menon et al.'s two-Gaussian toy: each loss's balanced test
// error against the Bayes-optimal one, ordered, and which losses come within two standard errors
// of the mean (over the trials) of the Bayes error — the consistency Menon et al. prove for the
// logit-adjusted loss and disprove for LDAM's adaptive margin on overlapping classes.
func MenonReading(rs []theory.ToyResult) (string, error) {
	if len(rs) == 0 {
		return "", fmt.Errorf("tables: no toy result to read")
	}
	sorted := slices.Clone(rs)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Mean < sorted[j].Mean })
	r0 := rs[0]
	var parts, near, far []string
	for _, r := range sorted {
		parts = append(parts, fmt.Sprintf("%s %.2f ± %.2f %%", r.Loss, 100*r.Mean, 100*r.Std))
		if se := r.Std / math.Sqrt(float64(r.Trials)); r.Mean-r.Bayes <= 2*se {
			near = append(near, r.Loss)
		} else {
			far = append(far, fmt.Sprintf("%s, %.2f points above", r.Loss, 100*(r.Mean-r.Bayes)))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d trials of %d training and %d test points; balanced test error, mean ± std over the trials: Bayes-optimal %.2f %%; %s. ",
		r0.Trials, r0.Train, r0.Test, 100*r0.Bayes, strings.Join(parts, ", "))
	if len(near) > 0 {
		fmt.Fprintf(&b, "Within two standard errors of the Bayes error: %s. ", strings.Join(near, ", "))
	} else {
		b.WriteString("No loss comes within two standard errors of the Bayes error. ")
	}
	if len(far) > 0 {
		fmt.Fprintf(&b, "Not: %s.", strings.Join(far, "; "))
	}
	return strings.TrimSpace(b.String()), nil
}

// SecondStagesReading is the reading of second stages applied to the same trained networks,
// one per seed: the networks' own error, then every stage's mean ± std with its change against
// the network as trained and in how many seeds it lowers the error (the comparison is paired:
// one network per seed), ordered from the lowest error.
func SecondStagesReading(runs []analysis.SeedStages) (string, error) {
	if len(runs) == 0 || len(runs[0].Stages) < 2 {
		return "", fmt.Errorf("tables: the reading needs the network as trained and at least one second stage, for at least one seed")
	}
	n := len(runs)
	// errorsOf are stage i's balanced errors over the seeds, in percent.
	errorsOf := func(i int) []float64 {
		var v []float64
		for _, r := range runs {
			v = append(v, 100*r.Stages[i].Result.Top1Error)
		}
		return v
	}
	for _, r := range runs {
		if len(r.Stages) != len(runs[0].Stages) {
			return "", fmt.Errorf("tables: seed %d has %d second stages, seed %d %d", r.Seed, len(r.Stages), runs[0].Seed, len(runs[0].Stages))
		}
	}
	var seeds []string
	for _, r := range runs {
		seeds = append(seeds, fmt.Sprint(r.Seed))
	}
	base := errorsOf(0)
	var b strings.Builder
	fmt.Fprintf(&b, "Seeds %s, one network each. %s: %s %%", strings.Join(seeds, ", "), capitalize(runs[0].Stages[0].Method), registry.MeanStd(base, 1))
	if runs[0].Stages[0].Result.MediumShotError != nil {
		var med []float64
		for _, r := range runs {
			if v := r.Stages[0].Result.MediumShotError; v != nil {
				med = append(med, 100**v)
			}
		}
		fmt.Fprintf(&b, " (medium-shot %s %%)", registry.MeanStd(med, 1))
	}
	b.WriteString(". ")
	type stage struct {
		name  string
		mean  float64
		text  string
		lower int
	}
	var stages []stage
	spread := 0.0
	for i := 1; i < len(runs[0].Stages); i++ {
		v := errorsOf(i)
		lower := 0
		for s := range v {
			if v[s] < base[s] {
				lower++
			}
		}
		spread = max(spread, slices.Max(v)-slices.Min(v))
		mean := stat.Mean(v, nil)
		stages = append(stages, stage{name: runs[0].Stages[i].Method, mean: mean, lower: lower,
			text: fmt.Sprintf("%s %s %% (%+.1f, lower in %d of %d)", runs[0].Stages[i].Method, registry.MeanStd(v, 1), mean-stat.Mean(base, nil), lower, n)})
	}
	sort.SliceStable(stages, func(i, j int) bool { return stages[i].mean < stages[j].mean })
	var parts, always []string
	for _, s := range stages {
		parts = append(parts, s.text)
		if s.lower == n {
			always = append(always, s.name)
		}
	}
	fmt.Fprintf(&b, "The second stages, from the lowest error: %s. ", strings.Join(parts, "; "))
	if len(always) > 0 {
		fmt.Fprintf(&b, "Lower than the network as trained in every seed: %s. ", strings.Join(always, ", "))
	}
	fmt.Fprintf(&b, "One stage's seeds differ by up to %.1f points: closer stages are not ordered by %d seeds.", spread, n)
	return b.String(), nil
}

// SeedsReading is the reading of a table's rows (methods of one column, every committed seed
// under root's results/<preset>/): each method's mean ± std (n), from the lowest, and against
// baseline the difference of means and in how many shared seeds the method is lower. Methods
// with no finished run are named as such.
func SeedsReading(root, preset, table, column string, methods []string, baseline string) (string, error) {
	read := map[string]registry.Seeds{}
	for _, m := range append([]string{baseline}, methods...) {
		cell, err := registry.Cell(table, m, column)
		if err != nil {
			return "", err
		}
		if read[m], err = cell.Read(root, preset); err != nil {
			return "", err
		}
	}
	base := read[baseline]
	if len(base.Values) == 0 {
		return "", fmt.Errorf("tables: no finished %s run of %s %q in results/%s; train it with ldam sweep --table %s --preset %s", baseline, table, column, preset, table, preset)
	}
	type row struct {
		mean float64
		text string
	}
	var rows []row
	var missing []string
	spread := 0.0
	for _, m := range methods {
		s := read[m]
		if len(s.Values) == 0 {
			missing = append(missing, m)
			continue
		}
		spread = max(spread, slices.Max(s.Values)-slices.Min(s.Values))
		t := fmt.Sprintf("%s %s %% (n = %d", m, registry.MeanStd(s.Values, 1), len(s.Values))
		if m != baseline {
			lower, shared := 0, 0
			for i, sd := range s.Seeds {
				if j := slices.Index(base.Seeds, sd); j >= 0 {
					shared++
					if s.Values[i] < base.Values[j] {
						lower++
					}
				}
			}
			t += fmt.Sprintf("; %+.1f against %s, lower in %d of %d shared seeds", s.Mean()-base.Mean(), baseline, lower, shared)
		}
		rows = append(rows, row{s.Mean(), t + ")"})
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].mean < rows[j].mean })
	var parts []string
	for _, r := range rows {
		parts = append(parts, r.text)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Balanced test error, %s preset, %s, every committed seed, from the lowest: %s. ", preset, column, strings.Join(parts, "; "))
	if len(missing) > 0 {
		fmt.Fprintf(&b, "Not run yet: %s. ", strings.Join(missing, ", "))
	}
	fmt.Fprintf(&b, "A row's seeds differ by up to %.1f points: smaller gaps between rows are within seed noise.", spread)
	return b.String(), nil
}

// MarginRatiosReading is the reading of MarginRatios: for each model, the rarest class's
// margin relative to the most frequent class's against the ratio Eq. 9 asks for, and whether it
// points the way Eq. 9 does (above 1) or the other way.
func MarginRatiosReading(names []string, reports []*analysis.MarginReport) (string, error) {
	if len(reports) == 0 || len(names) != len(reports) {
		return "", fmt.Errorf("tables: %d names for %d margin reports", len(names), len(reports))
	}
	var parts []string
	for i, r := range reports {
		k := len(r.Counts) - 1
		if k < 1 || len(r.Margins) != len(r.Counts) || r.Margins[0] == 0 {
			return "", fmt.Errorf("tables: %s has margins %v for counts %v", names[i], r.Margins, r.Counts)
		}
		ratio := r.Margins[k] / r.Margins[0]
		want := math.Pow(float64(r.Counts[0])/float64(r.Counts[k]), 0.25)
		dir := "the direction of Eq. 9"
		switch {
		case ratio < 1:
			dir = "the opposite of Eq. 9"
		case ratio >= want:
			dir = "at or beyond Eq. 9's ratio"
		}
		parts = append(parts, fmt.Sprintf("%s %.2f (%s; training error %.1f %%)", names[i], ratio, dir, 100*r.TrainError))
	}
	r0 := reports[0]
	k := len(r0.Counts) - 1
	return fmt.Sprintf("The rarest class's margin relative to the most frequent class's (%d against %d training points), where Eq. 9 asks for %.2f: %s.",
		r0.Counts[k], r0.Counts[0], math.Pow(float64(r0.Counts[0])/float64(r0.Counts[k]), 0.25), strings.Join(parts, "; ")), nil
}

// MarginsReading is the reading of Margins (trained networks on their own training sets): how
// many classes each network misfits so badly that their median margin is negative, its
// training error on the most frequent and the rarest class, and whether the median margin falls
// or rises from the most frequent class to the rarest — Eq. 9 asks it to rise as n_j^{-1/4}.
func MarginsReading(ms []*analysis.NetworkMargins) (string, error) {
	if len(ms) == 0 {
		return "", fmt.Errorf("tables: no network to read")
	}
	m0 := ms[0]
	var b strings.Builder
	fmt.Fprintf(&b, "%s preset, seed %d, %s. ", capitalize(m0.Preset), m0.Seed, m0.Backend)
	var parts []string
	for _, m := range ms {
		k := len(m.Median) - 1
		if k < 1 || len(m.TrainError) != len(m.Median) {
			return "", fmt.Errorf("tables: %s has %d class margins", m.Name, len(m.Median))
		}
		negative := 0
		for _, v := range m.Median {
			if v < 0 {
				negative++
			}
		}
		dir := "falls"
		if m.Median[k] > m.Median[0] {
			dir = "rises"
		}
		parts = append(parts, fmt.Sprintf("%s: median margin %.3f → %.3f from class 0 to class %d (%s), negative for %d of %d classes; training error %.0f %% on class 0, %.0f %% on class %d",
			m.Name, m.Median[0], m.Median[k], k, dir, negative, k+1, 100*m.TrainError[0], 100*m.TrainError[k], k))
	}
	fmt.Fprintf(&b, "%s. ", strings.Join(parts, "; "))
	b.WriteString("Eq. 9 asks the margin to rise toward the rare classes; a network that misfits a class's training images has no margin there to compare.")
	return b.String(), nil
}

// ReconciliationReading is the reading of our runs against the official recipe's PyTorch
// reference under the same protocol (Table 2's column in one preset): for each method, the
// difference of means with its standard error over our runs on the official image selection
// and the reference's, and whether it lies within 2 points or 2 standard errors, whichever is
// larger. Rows not yet run on both sides say so.
func ReconciliationReading(root, preset, column string, methods []string) (string, error) {
	var parts, beyond, missing []string
	for _, m := range methods {
		cell, err := registry.Cell("table2", m, column)
		if err != nil {
			return "", err
		}
		all, err := cell.Read(root, preset)
		if err != nil {
			return "", err
		}
		// Ours on the official selection only: a run on the earlier selection saw other images.
		var ours []float64
		for i, v := range all.Values {
			if !all.EarlierSelection[i] {
				ours = append(ours, v)
			}
		}
		official, err := cell.Reference().Read(root, preset)
		if err != nil {
			return "", err
		}
		d, se, ok := registry.DiffOfMeans(ours, official.Values)
		if !ok {
			missing = append(missing, fmt.Sprintf("%s (ours %d, official %d)", m, len(ours), len(official.Values)))
			continue
		}
		tol := math.Max(2, 2*se)
		verdict := "within"
		if math.Abs(d) > tol {
			verdict = "beyond"
			beyond = append(beyond, m)
		}
		parts = append(parts, fmt.Sprintf("%s %+.2f ± %.2f points (n = %d / %d, %s %.1f)", m, d, se, len(ours), len(official.Values), verdict, tol))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Ours minus the official recipe under the same protocol (%s preset, %s; our runs on the official image selection only), with the standard error of the difference and the tolerance max(2 points, 2 s.e.): ", preset, column)
	if len(parts) > 0 {
		b.WriteString(strings.Join(parts, "; ") + ". ")
	} else {
		b.WriteString("no row has two seeds on both sides yet. ")
	}
	if len(missing) > 0 {
		fmt.Fprintf(&b, "Not comparable yet (fewer than two finished seeds on a side): %s. ", strings.Join(missing, ", "))
	}
	switch {
	case len(beyond) > 0:
		fmt.Fprintf(&b, "Beyond the tolerance: %s — a difference between the implementations to locate before reading these rows as the recipe's.", strings.Join(beyond, ", "))
	case len(parts) > 0 && len(missing) == 0:
		b.WriteString("Every row is within the tolerance: at this scale the two implementations of the recipe agree.")
	}
	return strings.TrimSpace(b.String()), nil
}
