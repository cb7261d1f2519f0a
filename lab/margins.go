package lab

import (
	"fmt"
	"math"
	"path/filepath"

	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/registry"
	"github.com/ldamlab/ldamlab/ldam/theory"
)

// Section 3.2 of the paper (03-ldam-loss.ipynb): the class margins of trained networks against
// the n_j^{-1/4} that Eq. 9 asks for.

// MarginQuantile is the quantile of a class's example margins that NetworkMargins compares
// across classes: a deep network misfits a few training examples, so the minimum of Eq. 2 is
// negative for most classes; the 10th percentile is the margin of the bulk of the class.
const MarginQuantile = 0.1

// NetworkMargins is a trained network's margins (Eq. 1) on its training set (no augmentation,
// evaluation mode), class by class.
type NetworkMargins struct {
	Name, Preset, Backend string
	Seed                  uint64
	Counts                []int
	// Min is Eq. 2 (the smallest example margin); Low the MarginQuantile-quantile; Median the
	// median; TrainError the fraction of the class's training images misclassified.
	Min, Low, Median, TrainError []float64
}

// MarginsOf measures a run's margins on its training set.
func MarginsOf(name string, run *experiment.Run) (*NetworkMargins, error) {
	logits, k, labels, err := Logits(run, false)
	if err != nil {
		return nil, err
	}
	m := &NetworkMargins{Name: name, Preset: run.Result.Preset.Name, Backend: run.Result.Backend, Seed: run.Result.Config.Seed,
		Counts: run.Result.Data.TrainCounts, TrainError: make([]float64, k)}
	for _, q := range []struct {
		q   float64
		dst *[]float64
	}{{0, &m.Min}, {MarginQuantile, &m.Low}, {0.5, &m.Median}} {
		if *q.dst, err = theory.ClassMarginQuantiles(logits, labels, k, q.q); err != nil {
			return nil, err
		}
	}
	n := make([]float64, k)
	for i, y := range labels {
		n[y]++
		if theory.ExampleMargin(logits[i*k:(i+1)*k], y) <= 0 {
			m.TrainError[y]++
		}
	}
	for j := range n {
		m.TrainError[j] /= max(1, n[j])
	}
	return m, nil
}

// CommittedMargins measures the margins of a committed finished run of Table 2 (its final
// checkpoint, results/<preset>/table2/…), for example the lite ERM and LDAM runs on
// CIFAR-10-LT ρ = 100.
func CommittedMargins(preset, method, column string, seed uint64) (*NetworkMargins, error) {
	root, err := Root()
	if err != nil {
		return nil, err
	}
	cell, err := registry.Cell("table2", method, column)
	if err != nil {
		return nil, err
	}
	dir := cell.Dir(root, preset, seed)
	r, err := experiment.ReadResult(filepath.Join(dir, experiment.ResultsFile))
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
	return MarginsOf(method, run)
}

// MarginsTable lists, class by class, the networks' training margins beside the ratio Eq. 9
// asks of γ_j/γ_0, (n_0/n_j)^{1/4}: per network the median and the MarginQuantile-quantile of
// the class's example margins and the class's training error. Ratios of measured margins are
// left out on purpose: they mean nothing once a class's margins are negative (the training set
// is not separated). (Logit units differ between a linear and a cosine head.)
func MarginsTable(ms []*NetworkMargins) Table {
	t := Table{Header: []string{"class", "n_j", "Eq. 9: (n_0/n_j)^1/4"}}
	for _, m := range ms {
		t.Header = append(t.Header, m.Name+": median γ", fmt.Sprintf("%s: %g-quantile", m.Name, MarginQuantile), m.Name+": train err")
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
