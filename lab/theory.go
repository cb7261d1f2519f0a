package lab

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/theory"
)

// Section 3.1 of the paper (02-margin-theory.ipynb): the Theorem 3 experiment's table, and the
// class margins of a trained model.

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

// MarginReport is a trained model's class margins (Eq. 2) on its training set beside the
// terms of the per-class bound (Eq. 4, with the unknown complexity C(F) set to 1).
type MarginReport struct {
	Counts  []int
	Margins []float64
	// Predicted are margins ∝ n_j^{−1/4} with the same sum as Margins (Eq. 9).
	Predicted []float64
	// MarginTerm is (1/γ_j)·sqrt(1/n_j), LogTerm log(n)/sqrt(n_j); Bound their class average
	// (Eq. 5 without constants).
	MarginTerm, LogTerm []float64
	Bound               float64
	TrainError          float64
}

// TrainedMargins trains the MLP (two hidden layers of 64) with the given loss on an imbalanced
// 3-class Gaussian mixture in 2-d (means on a ring of radius 3, σ = 0.5: separable) and
// measures its class margins on the training set.
func TrainedMargins(loss string, counts []int, epochs int, seed uint64) (*MarginReport, error) {
	train, err := datasets.GaussianMixture(datasets.RingMeans(len(counts), 2, 3), 0.5, counts, seed)
	if err != nil {
		return nil, err
	}
	test, err := datasets.GaussianMixture(datasets.RingMeans(len(counts), 2, 3), 0.5, []int{100, 100, 100}[:len(counts)], seed+1)
	if err != nil {
		return nil, err
	}
	run, err := experiment.Prepare(experiment.Config{Data: &experiment.Data{Name: "mixture", Classes: train.Classes, TrainPoints: train, TestPoints: test},
		Arch: "mlp", LossType: loss, Epochs: epochs, BatchSize: 32, Preset: "paper", Seed: seed})
	if err != nil {
		return nil, err
	}
	if err := run.Fit(); err != nil {
		return nil, err
	}
	out, err := run.Predict(tensors.FromFlatDataAndDimensions(train.X, train.Len(), train.Dim))
	if err != nil {
		return nil, err
	}
	logits32 := tensors.MustCopyFlatData[float32](out)
	out.MustFinalizeAll()
	logits := make([]float64, len(logits32))
	for i, v := range logits32 {
		logits[i] = float64(v)
	}
	k := len(counts)
	margins, err := theory.ClassMargins(logits, train.Labels, k)
	if err != nil {
		return nil, err
	}
	sum := 0.0
	for _, g := range margins {
		sum += g
	}
	r := &MarginReport{Counts: counts, Margins: margins, Predicted: theory.OptimalMargins(counts, sum),
		TrainError: run.Result.History[len(run.Result.History)-1].TrainError}
	n := 0
	for _, c := range counts {
		n += c
	}
	for j, g := range margins {
		nj := float64(counts[j])
		r.MarginTerm = append(r.MarginTerm, math.Sqrt(1/nj)/g)
		r.LogTerm = append(r.LogTerm, math.Log(float64(n))/math.Sqrt(nj))
	}
	r.Bound = theory.Bound(margins, counts, 1)
	return r, nil
}

// Table lists the margins and bound terms per class.
func (r *MarginReport) Table() Table {
	t := Table{Header: []string{"class", "n_j", "γ_j measured (Eq. 2)", "γ_j ∝ n_j^-1/4, same sum (Eq. 9)", "(1/γ_j)·√(1/n_j)", "log(n)/√n_j"}}
	for j := range r.Counts {
		t.Rows = append(t.Rows, []string{fmt.Sprint(j), fmt.Sprint(r.Counts[j]), fmt.Sprintf("%.3f", r.Margins[j]), fmt.Sprintf("%.3f", r.Predicted[j]),
			fmt.Sprintf("%.3f", r.MarginTerm[j]), fmt.Sprintf("%.3f", r.LogTerm[j])})
	}
	return t
}

// MarginRatiosTable compares, for trained models, each class's margin relative to the most
// frequent class's, γ_j/γ_0, with the ratio Eq. 9 predicts, (n_0/n_j)^{1/4}.
func MarginRatiosTable(names []string, reports []*MarginReport) Table {
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
