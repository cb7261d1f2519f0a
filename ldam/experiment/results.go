package experiment

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/gomlx/compute"

	"github.com/ldamlab/ldamlab/datasets/fetch"
	"github.com/ldamlab/ldamlab/ldam/metrics"
	"github.com/ldamlab/ldamlab/ldam/models"
	"github.com/ldamlab/ldamlab/ldam/schedule"
)

// Result is what a run writes to results.json: the effective configuration, the data, the
// per-epoch history, and the final and best evaluations. Notebooks and figures read it.
type Result struct {
	Config  Config          `json:"config"`
	Preset  schedule.Preset `json:"preset"`
	Backend string          `json:"backend"`
	// Engine describes the backend and the ResNets' layout that trained the run (see [Engine]);
	// runs trained before it was recorded lack it (GoMLX v0.28.8 on compute v0.1.6, framed
	// convolutions on the pure-Go backend).
	Engine string      `json:"engine,omitempty"`
	Data   DataSummary `json:"data"`
	// Margins are the LDAM/uniform margins Δ_j of the run (nil for CE and Focal).
	Margins []float64 `json:"margins,omitempty"`
	// Params is the number of trainable parameters.
	Params  int     `json:"params"`
	History []Epoch `json:"history"`
	// Final is the evaluation after the last epoch; Best the one with the lowest balanced top-1
	// error (the official code's "Best Prec@1", a mild test-set selection — report Final).
	Final *metrics.Result `json:"final,omitempty"`
	// Stage1 is the evaluation after the last epoch, before Config.Stage2 (nil without one).
	Stage1    *metrics.Result `json:"stage1,omitempty"`
	Best      *metrics.Result `json:"best,omitempty"`
	BestEpoch int             `json:"best_epoch"`
	// Done is false while the run is incomplete (interrupted or stopped early).
	Done bool `json:"done"`
}

// Engine describes a backend as results record it: its description (on the pure-Go backend
// the active SIMD kernels) and the ResNets' layout on it (nchw: Config.NCHW).
func Engine(b compute.Backend, nchw bool) string {
	return fmt.Sprintf("%s; ResNets %s", b.Description(), models.LayoutName(b, nchw))
}

// DataSummary describes the data of a run.
type DataSummary struct {
	Name        string   `json:"name"`
	Source      string   `json:"source"`
	Classes     []string `json:"classes"`
	TrainCounts []int    `json:"train_counts"`
	TestCounts  []int    `json:"test_counts"`
	// Selection is how the imbalanced subsets were chosen (datasets.Selection: the official
	// code's numpy selection); absent in runs made before the selection was the official one,
	// which chose other images of the same counts.
	Selection string `json:"selection,omitempty"`
}

// Epoch is one line of the history.
type Epoch struct {
	Epoch int     `json:"epoch"`
	LR    float64 `json:"lr"`
	// Reweighted and Resampled say whether the DRW/DRS (or RW/RS) re-balancing was on.
	Reweighted bool    `json:"reweighted"`
	Resampled  bool    `json:"resampled"`
	TrainLoss  float64 `json:"train_loss"`
	// TrainError is the error on the (imbalanced, augmented) training batches of the epoch.
	TrainError float64 `json:"train_error"`
	// Test holds the balanced test evaluation (confusion matrix omitted from the history).
	Test    metrics.Result `json:"test"`
	Seconds float64        `json:"seconds"`
	// ImagesPerSecond is the training throughput of the epoch (examples per second).
	ImagesPerSecond float64 `json:"images_per_second"`
}

// WriteJSON writes v as indented JSON to file atomically.
func WriteJSON(file string, v any) error {
	return fetch.WriteAtomic(file, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

// ReadResult reads a results.json.
func ReadResult(file string) (*Result, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s is unreadable (truncated or corrupt: %v); delete it to retrain the run, or restore it from git", file, err)
	}
	return &r, nil
}
