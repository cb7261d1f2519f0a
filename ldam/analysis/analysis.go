// Package analysis measures what a trained run says, reading its network in evaluation mode:
// its features and logits on either split, its class margins (Eq. 1–2) beside the n_j^{-1/4}
// of Eq. 9, a linear probe of its features (Fig. 6), and every second stage of ldam/stage2
// applied to it. It reopens finished runs with experiment.Open and writes nothing.
package analysis

import (
	"fmt"
	"math"
	"path/filepath"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/probe"
	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/stage2"
	"github.com/ldamlab/ldamlab/ldam/theory"
)

// Features returns the penultimate features of a run's training (test = false) or test split
// in evaluation mode, row-major [n][d], with their labels: what the classifier sees (Fig. 5's
// sphere, Fig. 6's linear probe).
func Features(run *experiment.Run, test bool) (feats []float64, d int, labels []int, err error) {
	return run.SplitOutputs(test, run.Features)
}

// Logits returns the logits of a run's training (test = false) or test split in evaluation
// mode, row-major [n][classes], with their labels.
func Logits(run *experiment.Run, test bool) (logits []float64, k int, labels []int, err error) {
	return run.SplitOutputs(test, run.Predict)
}

// SphereFeatures returns the L2-normalized 3-d features (the sphere CNN's penultimate output)
// and labels of a run's training (test = false) or test split, in evaluation mode.
func SphereFeatures(run *experiment.Run, test bool) ([][3]float64, []int, error) {
	f, d, labels, err := Features(run, test)
	if err != nil {
		return nil, nil, err
	}
	if d != 3 {
		return nil, nil, fmt.Errorf("analysis: features of dimension %d, want 3: the network is not the 3-d sphere CNN", d)
	}
	feats := make([][3]float64, 0, len(labels))
	for i := 0; i+2 < len(f); i += 3 {
		x, y, z := f[i], f[i+1], f[i+2]
		n := max(math.Sqrt(x*x+y*y+z*z), 1e-12)
		feats = append(feats, [3]float64{x / n, y / n, z / n})
	}
	return feats, labels, nil
}

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

// SecondStages applies every second stage of stage2.PostTraining to a cross-entropy run's linear
// head, fitted on the frozen features of its (un-augmented) training images and scored on its
// test set; lambda is the L2 penalty of cRT's classifier.
func SecondStages(run *experiment.Run, lambda float64) ([]stage2.Stage, error) {
	c, err := run.LinearHead()
	if err != nil {
		return nil, err
	}
	var split [2]stage2.Features
	for i, test := range []bool{false, true} {
		f := &split[i]
		if f.X, f.D, f.Labels, err = Features(run, test); err != nil {
			return nil, err
		}
	}
	cfg := run.Result.Config
	return stage2.PostTraining(c, split[0], split[1], stage2.Run{Dataset: cfg.Dataset, ImbFactor: cfg.ImbFactor, Seed: cfg.Seed, Counts: run.Result.Data.TrainCounts}, lambda)
}

// SeedStages are the second stages of one seed's run.
type SeedStages struct {
	Seed    uint64
	Backend string
	Stages  []stage2.Stage
}

// SecondStagesOfRuns applies SecondStages to finished runs, one per directory, each restored
// from its final checkpoint (nothing is trained). The stages are stored in the run's
// record.DerivedFile and read from there while the checkpoint and lambda stay the same. A
// directory without a finished run is an error that names it.
func SecondStagesOfRuns(dirs []string, lambda float64) ([]SeedStages, error) {
	var out []SeedStages
	for _, dir := range dirs {
		r, err := record.ReadResult(filepath.Join(dir, record.ResultsFile))
		if err != nil {
			return nil, err
		}
		if !r.Done {
			return nil, fmt.Errorf("analysis: the run in %s has not finished; finish it (ldam sweep resumes it) or leave its seed out", dir)
		}
		stages, err := record.Derive(dir, "second-stages", record.CheckpointFile, derivedParams{Version: 1, Lambda: lambda}, func() ([]stage2.Stage, error) {
			run, _, err := experiment.Open(dir, nil)
			if err != nil {
				return nil, err
			}
			return SecondStages(run, lambda)
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", dir, err)
		}
		out = append(out, SeedStages{Seed: r.Config.Seed, Backend: r.Backend, Stages: stages})
	}
	return out, nil
}

// derivedParams is what a measurement stored in a run's record.DerivedFile depends on besides
// the checkpoint: the version of its computation (raise it when the computation changes) and
// its parameters.
type derivedParams struct {
	Version  int
	Method   string  `json:",omitempty"`
	Seed     uint64  `json:",omitempty"`
	Lambda   float64 `json:",omitempty"`
	Quantile float64 `json:",omitempty"`
	Fraction float64 `json:",omitempty"`
}

// MarginsOfRun measures the margins of the finished run in dir (MarginsOf, from its final
// checkpoint), stored in its record.DerivedFile and read from there while the checkpoint stays
// the same.
func MarginsOfRun(name, dir string) (*NetworkMargins, error) {
	return record.Derive(dir, "margins", record.CheckpointFile, derivedParams{Version: 1, Method: name, Quantile: MarginQuantile}, func() (*NetworkMargins, error) {
		run, _, err := experiment.Open(dir, nil) // the final checkpoint; Fit is not called
		if err != nil {
			return nil, err
		}
		return MarginsOf(name, run)
	})
}

// LinearProbeOfStage1 is LinearProbe of the first stage of the run in dir (its
// record.Stage1File, reopened with open), stored in the run's record.DerivedFile and read from
// there while that checkpoint stays the same.
func LinearProbeOfStage1(method, dir string, seed uint64, open func() (*experiment.Run, error)) (*ProbeResult, error) {
	return record.Derive(dir, "probe-stage1", record.Stage1File, derivedParams{Version: 1, Method: method, Seed: seed, Lambda: ProbeL2, Fraction: ProbeFraction}, func() (*ProbeResult, error) {
		run, err := open()
		if err != nil {
			return nil, err
		}
		return LinearProbe(method, run, seed)
	})
}

// ProbeFraction is the part of each class of the balanced test set the probe is fitted on;
// its error is measured on the rest (the paper: "a subset of the balanced validation set").
const ProbeFraction = 0.5

// ProbeL2 is the probe's L2 penalty on standardized features (fixed, not tuned on the result).
const ProbeL2 = 1e-3

// ProbeResult is the linear probe of one backbone: per-class error of a softmax classifier
// fitted on frozen first-stage features (Fig. 6), beside the backbone's own error then.
type ProbeResult struct {
	Method, Preset string
	Seed           uint64
	// Epoch is T0, the epoch the first stage ends (the backbone is taken before the LR anneals).
	Epoch      int
	Classes    []string
	Counts     []int // training images per class
	Fit, Held  int   // test images the probe was fitted on and evaluated on
	Errors     []float64
	MeanError  float64
	Backbone   float64 // the backbone's own balanced test error at T0
	FeatureDim int
}

// LinearProbe fits the probe on a run's frozen features of part of the balanced test set
// (ProbeFraction of each class, split by seed) and measures its per-class error on the rest.
func LinearProbe(method string, run *experiment.Run, seed uint64) (*ProbeResult, error) {
	x, d, labels, err := Features(run, true)
	if err != nil {
		return nil, err
	}
	k := len(run.Data.Classes)
	fit, held, err := probe.SplitPerClass(labels, k, ProbeFraction, seed)
	if err != nil {
		return nil, err
	}
	xf, yf := probe.Rows(x, d, labels, fit)
	xh, yh := probe.Rows(x, d, labels, held)
	m, err := probe.Fit(xf, d, yf, k, ProbeL2)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	pred, err := m.Predict(xh)
	if err != nil {
		return nil, err
	}
	errs, err := probe.PerClassError(pred, yh, k)
	if err != nil {
		return nil, err
	}
	res := run.Result
	r := &ProbeResult{Method: method, Preset: res.Preset.Name, Seed: res.Config.Seed, Epoch: res.Preset.DeferEpoch,
		Classes: run.Data.Classes, Counts: res.Data.TrainCounts, Fit: len(fit), Held: len(held), Errors: errs, FeatureDim: d}
	for _, e := range errs {
		r.MeanError += e / float64(k)
	}
	if t0 := res.Preset.DeferEpoch; len(res.History) >= t0 && t0 > 0 {
		r.Backbone = res.History[t0-1].Test.Top1Error
	}
	return r, nil
}
