// Package record is a run as it lies on disk, without GoMLX: its configuration ([Config]), the
// schema of its results.json ([Result]), the files of a run directory, and the lock that keeps
// two processes from writing one. The registry, sweeps and `ldam table` read runs through it
// without linking an engine; package experiment trains them.
package record

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/ldamlab/ldamlab/datasets/catalog"
	"github.com/ldamlab/ldamlab/datasets/fetch"
	"github.com/ldamlab/ldamlab/ldam/metrics"
	"github.com/ldamlab/ldamlab/ldam/schedule"
)

// Files written in Config.Out.
const (
	ResultsFile    = "results.json"
	CheckpointFile = "checkpoint.ckpt"
	// Stage1File is the checkpoint after the first stage (epochs before T0, the preset's
	// DeferEpoch): runs that differ only from T0 on (ERM and ERM-DRW, LDAM and LDAM-DRW) branch
	// from it.
	Stage1File = "stage1.ckpt"
	// TrainedFile is the network as trained, before Config.Stage2 re-fitted its classifier
	// (runs with a second stage only): the second stage can be inspected or redone from it.
	TrainedFile = "trained.ckpt"
)

// Stage2MiSLAS is Config.Stage2 for MiSLAS's second stage.
const Stage2MiSLAS = "MiSLAS"

// Stage2WB is Config.Stage2 for weight balancing's second stage (Alshammari et al. 2022).
const Stage2WB = "WB"

// Data is a data set given to a run in memory instead of by name (Config.Data);
// *experiment.Data implements it.
type Data interface {
	// DataName names the data as the run's results record it.
	DataName() string
}

// Config is one training run. Zero values take the preset's or the paper's defaults.
type Config struct {
	// Dataset is one of datasets.Names, or "synthetic" with Data set.
	Dataset string
	// ImbType is "exp" (long-tailed) or "step"; ImbFactor = 1/ρ ∈ (0, 1] (1 = balanced);
	// StepMu is the fraction of minority classes of the step profile (0.5).
	ImbType   string
	ImbFactor float64
	StepMu    float64
	// DataSeed picks the imbalanced subset (the official rand_number).
	DataSeed uint64
	// TestImbSeed ≥ 1 makes the test set imbalanced as in Table 6 and Fig. 7 (appendix C.5):
	// the balanced test split is subsampled to the training profile and ratio, the counts
	// randomly permuted over the classes with this seed (datasets.PermutedTestCounts), and LDAM
	// uses the margins of Eq. 15, Δ_i ∝ (n'_i/n_i)^{1/4}. The error to report is then
	// metrics.Result.OverallError (the plain error on that test set). 0: the balanced test set.
	TestImbSeed uint64 `json:",omitempty"`

	LossType  string
	TrainRule string
	// Beta selects the re-balancing weights: 0.9999 (official code, default) or 1 (inverse
	// frequency, Algorithm 1).
	Beta float64
	// Gamma is the focal loss γ (1 as in the official code).
	Gamma float64
	// MaxMargin is Δ_max (0.5; 0.3 for iNaturalist), Scale is s (30), and UniformMargin the
	// margin of the M and HG baselines (default MaxMargin).
	MaxMargin, Scale, UniformMargin float64
	// Tau is the τ of the logit-adjusted and VS losses (1); VSGamma the VS loss's γ (0.3, as
	// the authors' code).
	Tau, VSGamma float64
	// SAMRho > 0 trains with sharpness-aware minimization of that radius around SGD
	// (optim.SAM; Rangwani et al. 2022 use 0.8 with LDAM-DRW on CIFAR); 0 is plain SGD.
	SAMRho float64
	// Mixup > 0 trains on mixup batches with α = Mixup (datasets.LoaderConfig.Mixup): the loss
	// is λ·ℓ(y) + (1 − λ)·ℓ(y[π]) with one λ ~ Beta(α, α) per batch; MiSLAS's first stage uses
	// α = 1. Images and points only; 0 is none.
	Mixup float64 `json:",omitempty"`
	// Stage2 is a second stage applied after the last epoch: "MiSLAS" fine-tunes the linear
	// classifier and a per-class scale on the frozen features of the training images with
	// class-aware sampling and label-aware smoothing from SmoothHead (the largest class) to
	// SmoothTail (the smallest) (see Run.misLAS), writes it into the network, and reports the
	// evaluation after it as Result.Final (the first stage's is Result.Stage1). Both smoothings
	// 0 take the authors' values (stage2.MiSLASSettings). "WB" is weight balancing's classifier stage
	// (see Run.weightBalancing). Both need a loss with a linear head; the network before the
	// stage is kept in TrainedFile.
	Stage2                 string  `json:",omitempty"`
	SmoothHead, SmoothTail float64 `json:",omitempty"`

	// Preset is "quick" (default), "lite" or "paper"; Epochs, BatchSize, LR, WeightDecay and
	// Optimizer override it.
	Preset string
	// Optimizer is "sgd" or "adam" (default: the dataset's recipe: Adam for IMDB, else SGD).
	Optimizer   string `json:",omitempty"`
	Epochs      int
	BatchSize   int
	LR          float64
	WeightDecay float64
	// MaxPerClass and TestPerClass override the preset's data caps (−1: no cap).
	MaxPerClass, TestPerClass int
	// Arch overrides the dataset's network; Width scales ResNet-32; CheckpointBlocks recomputes
	// residual blocks in the backward pass (less memory, more compute; the numbers do not change).
	Arch             string
	Width            float64
	CheckpointBlocks bool
	// MicroBatches splits every batch into that many micro-batches whose gradients are
	// accumulated before one update (optim.Accumulate): the memory of a micro-batch, the update
	// of the batch; batch norm sees micro-batches, so the numbers change. 0 is the default: 4
	// for ResNet-18 on a CPU backend (Tiny ImageNet at batch 128 within memory), else 1.
	MicroBatches int `json:",omitempty"`

	Seed    uint64
	Backend string
	// MemoryLimit is the resident memory in GB the run may use before it stops with an error
	// that says what to change (0: 90 % of the memory available when it starts); see guardMemory.
	MemoryLimit float64 `json:"-"`
	// DataDir is where downloads are cached; like Out it says where a run happens, not what it
	// computes, so results.json leaves both out (committed results hold no machine paths).
	DataDir string `json:"-"`
	// Out is the run directory (results.json, checkpoint.ckpt); empty writes nothing.
	Out    string `json:"-"`
	Resume bool
	// BranchFrom is the run directory of a run that differs from this one only from T0 on (ERM
	// for ERM-DRW or ERM-DRS, LDAM for LDAM-DRW): when Out holds no checkpoint yet, training
	// starts from that run's first-stage checkpoint (Stage1File) instead of from scratch, with
	// the same result as an unbranched run. Like Out it is not part of the run's identity.
	BranchFrom string `json:"-"`
	// NCHW runs the ResNets in ONNX Runtime's NCHW formulation on any backend (ONNX Runtime
	// always uses it): on the pure-Go backend the same network with other float32 rounding, to
	// compare the formulations. Like the memory options it is not part of the run's identity.
	NCHW bool `json:"-"`
	// EarlierSelection chooses the imbalanced subsets as builds did before the selection was the
	// official code's (datasets.SelectPerClassEarlier: other images of the same counts), so that
	// a run made then reopens on its own data; [Open] sets it from the run's results. New runs
	// leave it false. Which images a run used is recorded in its results (DataSummary.Selection).
	EarlierSelection bool `json:"-"`
	// StopAfter ends the run after this many epochs of this call (0 = run to the end); with
	// Resume it lets a run be split, as an interruption would.
	StopAfter int
	// Progress attaches GoMLX's progress bar; Log receives one line per epoch (nil: none).
	Progress bool
	Log      io.Writer `json:"-"`
	// OnEpoch, if set, is called after every epoch with the result so far (live plots).
	OnEpoch func(*Result) `json:"-"`
	// OnOutOfMemory, if set, is called (from the memory guard's goroutine, at once) when the run
	// passes its memory budget; the run itself stops with that error at the end of the current
	// step. A command-line program that must not wait for the step — a step that keeps growing
	// would meet the kernel's out-of-memory killer — exits here (ldam train does).
	OnOutOfMemory func(error) `json:"-"`

	// Data, if set, is used instead of loading Dataset (notebooks and tests): an
	// *experiment.Data, data held in memory.
	Data Data `json:"-"`
}

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
	// WallSeconds is the time of all the run's epochs, training and evaluation, summed over
	// the calls that trained it (a branched run counts its first stage's epochs too); runs
	// trained before it was recorded lack it (their epochs' Seconds add up to it).
	WallSeconds float64 `json:"wall_seconds,omitempty"`
	// BranchedFrom is the run whose first stage this one continued (Config.BranchFrom), as a
	// path relative to the run's directory; empty for a run trained from scratch.
	BranchedFrom string `json:"branched_from,omitempty"`
}

// DataSummary describes the data of a run.
type DataSummary struct {
	Name        string   `json:"name"`
	Source      string   `json:"source"`
	Classes     []string `json:"classes"`
	TrainCounts []int    `json:"train_counts"`
	TestCounts  []int    `json:"test_counts"`
	// Selection is how the imbalanced subsets were chosen (catalog.Selection: the official
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

// StaleSelection reports whether a run's images were chosen otherwise than new runs choose them:
// before the selection was the official code's (its results record no selection). Such a run
// reopens with Config.EarlierSelection (experiment.Open sets it); a sweep trains the cell again.
// Runs on data used as they are (iNaturalist's natural imbalance, data given in Config.Data) are
// never stale.
func StaleSelection(r *Result) bool {
	return selectedDatasets[r.Data.Name] && r.Data.Selection != catalog.Selection
}

// selectedDatasets are the datasets whose training (and capped test) subsets a run selects.
var selectedDatasets = map[string]bool{"cifar10": true, "cifar100": true, "tinyimagenet": true, "imdb": true, "mnist": true, "fashion-mnist": true}
