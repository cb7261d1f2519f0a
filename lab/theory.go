package lab

import (
	"fmt"
	"math"

	"github.com/ldamlab/ldamlab/ldam/analysis"
	"github.com/ldamlab/ldamlab/ldam/theory"
)

// Section 3.1 of the paper (02-margin-theory.ipynb): the Theorem 3 experiment's table, and the
// class margins of a trained model (analysis.TrainedMargins).

// Theorem3Table is the Theorem 3 experiment ([theory.RunTheorem3]) as a table: method, mean ± std of the balanced test error (%) over
// draws, and the paired difference from α = 1/4 (mean ± standard error over the same draws).
func Theorem3Table(r *theory.Theorem3Result) Table {
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

// MarginReportTable lists a trained model's margins and bound terms per class.
func MarginReportTable(r *analysis.MarginReport) Table {
	t := Table{Header: []string{"class", "n_j", "γ_j measured (Eq. 2)", "γ_j ∝ n_j^-1/4, same sum (Eq. 9)", "(1/γ_j)·√(1/n_j)", "log(n)/√n_j"}}
	for j := range r.Counts {
		t.Rows = append(t.Rows, []string{fmt.Sprint(j), fmt.Sprint(r.Counts[j]), fmt.Sprintf("%.3f", r.Margins[j]), fmt.Sprintf("%.3f", r.Predicted[j]),
			fmt.Sprintf("%.3f", r.MarginTerm[j]), fmt.Sprintf("%.3f", r.LogTerm[j])})
	}
	return t
}

// MarginRatiosTable compares, for trained models, each class's margin relative to the most
// frequent class's, γ_j/γ_0, with the ratio Eq. 9 predicts, (n_0/n_j)^{1/4}.
func MarginRatiosTable(names []string, reports []*analysis.MarginReport) Table {
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
