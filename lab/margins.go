package lab

import (
	"fmt"
	"math"
	"path/filepath"

	"github.com/ldamlab/ldamlab/ldam/analysis"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/registry"
)

// Section 3.2 of the paper (03-ldam-loss.ipynb): the class margins of trained networks against
// the n_j^{-1/4} that Eq. 9 asks for.

// CommittedMargins measures the margins of a committed finished run of Table 2 (its final
// checkpoint, results/<preset>/table2/…), for example the lite ERM and LDAM runs on
// CIFAR-10-LT ρ = 100.
func CommittedMargins(preset, method, column string, seed uint64) (*analysis.NetworkMargins, error) {
	root, err := Root()
	if err != nil {
		return nil, err
	}
	cell, err := registry.Cell("table2", method, column)
	if err != nil {
		return nil, err
	}
	dir := cell.Dir(root, preset, seed)
	r, err := record.ReadResult(filepath.Join(dir, record.ResultsFile))
	if err != nil {
		return nil, fmt.Errorf("lab: no committed %s run of %s %q: %w", preset, method, column, err)
	}
	if !r.Done {
		return nil, fmt.Errorf("lab: the committed %s run of %s %q is not finished (%d epochs); resume it with ldam sweep", preset, method, column, len(r.History))
	}
	run, _, err := experiment.Open(dir, nil) // the final checkpoint; Fit is not called, nothing is written
	if err != nil {
		return nil, err
	}
	return analysis.MarginsOf(method, run)
}

// MarginsTable lists, class by class, the networks' training margins beside the ratio Eq. 9
// asks of γ_j/γ_0, (n_0/n_j)^{1/4}: per network the median and the analysis.MarginQuantile-quantile of
// the class's example margins and the class's training error. Ratios of measured margins are
// left out on purpose: they mean nothing once a class's margins are negative (the training set
// is not separated). (Logit units differ between a linear and a cosine head.)
func MarginsTable(ms []*analysis.NetworkMargins) Table {
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
