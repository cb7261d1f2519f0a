package lab

import (
	"fmt"

	"github.com/ldamlab/ldamlab/ldam/losses"
)

// Appendix C.5 (09-imbalanced-test.ipynb): Table 6, imbalanced training and permuted
// imbalanced test sets.

// Table6Table shows runs on an imbalanced test set: the plain error on that test set (Table
// 6's metric), the balanced error for contrast, and the paper's number.
func Table6Table(runs []CommittedRun) Table {
	t := Table{Header: []string{"method", "ours: error on the imbalanced test set (%)", "ours: balanced error (%)", "paper (%)", "test images", "ours: preset, epochs, seed, backend, data"}}
	for _, c := range runs {
		f := c.Result.Final
		p := "–"
		if c.Paper > 0 {
			p = fmt.Sprintf("%.2f", c.Paper)
		}
		n := 0
		for _, k := range c.Result.Data.TestCounts {
			n += k
		}
		t.Rows = append(t.Rows, []string{c.Method, fmt.Sprintf("%.2f", 100*f.OverallError), fmt.Sprintf("%.2f", 100*f.Top1Error), p, fmt.Sprint(n), provenance(c.Result)})
	}
	return t
}

// Eq15Table compares, class by class, LDAM's margins for a balanced test set (Eq. 13,
// Δ_j ∝ n_j^{-1/4}) with those for a known test distribution n' (Eq. 15, Δ_j ∝ (n'_j/n_j)^{1/4}),
// both scaled to the largest margin maxMargin.
func Eq15Table(trainCounts, testCounts []int, maxMargin float64) (Table, error) {
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
