// Package experiment is the one entry point that trains and evaluates a model of the paper —
// used by the ldam command and by the notebooks: [Train] takes a [Config] (the official code's
// flags), loads and imbalances the data, builds the model and loss, runs GoMLX's train.Loop with
// the preset's schedule and the DRW/DRS plan, evaluates every epoch, and writes results.json
// and an atomic checkpoint to Config.Out; with Resume it continues from that checkpoint.
package experiment

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/ldam/backend"
	"github.com/ldamlab/ldamlab/ldam/backend/spec"
	"github.com/ldamlab/ldamlab/ldam/balance"
	"github.com/ldamlab/ldamlab/ldam/losses"
	"github.com/ldamlab/ldamlab/ldam/models"
	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/schedule"
	"github.com/ldamlab/ldamlab/ldam/stage2"
)

// LossType is --loss_type.
type LossType string

// The losses of Table 2.
const (
	CE      LossType = "CE"      // cross-entropy (ERM)
	Focal   LossType = "Focal"   // focal loss, γ = Config.Gamma
	LDAM    LossType = "LDAM"    // LDAM softmax loss, Eq. 12–13
	LDAMHG  LossType = "LDAM-HG" // LDAM hinge loss, Eq. 10–11
	Uniform LossType = "M"       // constant-margin softmax (M-DRW baseline)
	HG      LossType = "HG"      // constant-margin hinge (HG-DRS baseline)

	// Follow-ups (facts file §6.2), each with a linear head.
	LA     LossType = "LA"              // logit-adjusted loss, Menon et al. 2021 (τ = Config.Tau)
	LAAM   LossType = "LA-AM"           // LA + adaptive margin δ_y = π_y^{-1/4}, Menon et al. §6
	BS     LossType = "BalancedSoftmax" // Balanced Softmax, Ren et al. 2020
	VSLoss LossType = "VS"              // vector-scaling loss, Kini et al. 2021 (γ = Config.VSGamma, τ = Config.Tau)
)

// LossTypes lists every loss.
var LossTypes = []LossType{CE, Focal, LDAM, LDAMHG, Uniform, HG, LA, LAAM, BS, VSLoss}

// ParseLossType parses --loss_type (case-insensitive).
func ParseLossType(s string) (LossType, error) {
	for _, l := range LossTypes {
		if strings.EqualFold(s, string(l)) {
			return l, nil
		}
	}
	names := make([]string, len(LossTypes))
	for i, l := range LossTypes {
		names[i] = string(l)
	}
	return "", fmt.Errorf("unknown loss type %q; use one of %s", s, strings.Join(names, ", "))
}

// cosine reports whether the loss uses the cosine (NormedLinear) head with margins and scale.
func (l LossType) cosine() bool { return l == LDAM || l == LDAMHG || l == Uniform || l == HG }

// Config is one training run (record.Config: the configuration a run records in its results).
// Zero values take the preset's or the paper's defaults.
type Config = record.Config

// Data is a pre-loaded train/test pair: images (in memory or read lazily), points or texts.
// Exactly one pair must be set.
type Data struct {
	Name                    string
	Classes                 []string
	TrainImages, TestImages datasets.ImageSource
	TrainPoints, TestPoints *datasets.Points
	TrainText, TestText     *datasets.Text
	Info                    datasets.Info
	Source                  datasets.Source
	// Selection names how the imbalanced subsets were chosen (catalog.Selection), "" when the
	// data came as they are (a dataset's natural imbalance, or data given in Config.Data).
	Selection string
}

// DataName names the data in the run's results (record.Data).
func (d *Data) DataName() string { return d.Name }

// labels returns the labels of the train (test=false) or test split.
func (d *Data) labels(test bool) []int {
	switch {
	case d.TrainImages != nil:
		src := d.TrainImages
		if test {
			src = d.TestImages
		}
		ys := make([]int, src.Len())
		for i := range ys {
			ys[i] = src.Label(i)
		}
		return ys
	case d.TrainPoints != nil:
		if test {
			return d.TestPoints.Labels
		}
		return d.TrainPoints.Labels
	case d.TrainText != nil:
		if test {
			return d.TestText.Labels
		}
		return d.TrainText.Labels
	}
	return nil
}

func (d *Data) validate() error {
	n := 0
	for _, ok := range []bool{d.TrainImages != nil && d.TestImages != nil, d.TrainPoints != nil && d.TestPoints != nil, d.TrainText != nil && d.TestText != nil} {
		if ok {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("experiment: Data must hold exactly one train/test pair (images, points or texts)")
	}
	if len(d.Classes) < 2 {
		return fmt.Errorf("experiment: Data has %d class names; a classifier needs at least 2", len(d.Classes))
	}
	for _, test := range []bool{false, true} {
		for i, y := range d.labels(test) {
			if y < 0 || y >= len(d.Classes) {
				return fmt.Errorf("experiment: example %d has label %d but there are %d classes; class counts do not match the class list", i, y, len(d.Classes))
			}
		}
	}
	return nil
}

// resolved is a validated Config with every default filled in.
type resolved struct {
	Config
	preset schedule.Preset
	loss   LossType
	rule   balance.Rule
	prof   datasets.Profile
	arch   models.Arch
}

// Effective returns the config with every default filled in, as results.json records it.
func Effective(c Config) (Config, error) {
	r, err := resolve(c)
	return r.Config, err
}

// SameRun reports whether two configs describe the same run once defaults are filled in,
// ignoring where and how it runs (Out, Resume, StopAfter, Progress, Backend).
func SameRun(a, b Config) bool {
	norm := func(c Config) string {
		if e, err := Effective(c); err == nil {
			c = e
		}
		c.Out, c.Resume, c.Progress, c.StopAfter, c.Backend = "", false, false, 0, ""
		// Memory options do not change the numbers (TestMemoryOptionsTrainTheSame).
		c.CheckpointBlocks = false
		js, _ := json.Marshal(c)
		return string(js)
	}
	return norm(a) == norm(b)
}

// resolve fills defaults and validates everything that does not need the data, one concern
// after another (each step may read what the steps before it filled in).
func resolve(c Config) (resolved, error) {
	r := resolved{Config: c}
	for _, step := range []func(*resolved) error{
		(*resolved).resolveSchedule,
		(*resolved).resolveLoss,
		(*resolved).resolveImbalance,
		(*resolved).resolveLossParameters,
		(*resolved).resolveStage2,
		(*resolved).resolveDataset,
		(*resolved).resolveEngine,
		(*resolved).resolveRun,
	} {
		if err := step(&r); err != nil {
			return r, err
		}
	}
	return r, nil
}

// resolveSchedule picks the preset, adapts it to the dataset (schedule.ForDataset: the
// recipes of Appendix B) and applies the config's overrides of epochs, batch, learning rate,
// weight decay, optimizer, caps per class and width.
func (r *resolved) resolveSchedule() error {
	if r.Preset == "" {
		r.Preset = "quick"
	}
	p, err := schedule.Lookup(r.Preset)
	if err != nil {
		return err
	}
	if r.Epochs < 0 || r.BatchSize < 0 || r.LR < 0 || r.WeightDecay < 0 {
		return fmt.Errorf("epochs, batch size, learning rate and weight decay must not be negative")
	}
	dataset := r.Dataset
	if dataset == "" && r.Data != nil {
		dataset = r.Data.DataName()
	}
	p = p.ForDataset(dataset)
	if r.Epochs > 0 {
		p = p.Scaled(r.Epochs)
	}
	if r.BatchSize > 0 {
		p.BatchSize = r.BatchSize
	}
	if r.LR > 0 {
		p.BaseLR = r.LR
	}
	if r.WeightDecay > 0 {
		p.WeightDecay = r.WeightDecay
	}
	switch r.Optimizer {
	case "":
	case schedule.SGD, schedule.Adam:
		p.Optimizer = r.Optimizer
	default:
		return fmt.Errorf("--optimizer %q: use sgd or adam", r.Optimizer)
	}
	if p.Optimizer == "" {
		p.Optimizer = schedule.SGD
	}
	if r.MaxPerClass != 0 {
		p.MaxPerClass = max(0, r.MaxPerClass)
	}
	if r.TestPerClass != 0 {
		p.TestPerClass = max(0, r.TestPerClass)
	}
	if r.Width > 0 {
		p.Width = r.Width
	}
	r.preset = p
	return nil
}

// resolveLoss parses the loss and the re-balancing rule into their canonical spellings.
func (r *resolved) resolveLoss() error {
	var err error
	if r.LossType == "" {
		r.LossType = string(CE)
	}
	if r.loss, err = ParseLossType(r.LossType); err != nil {
		return err
	}
	r.LossType = string(r.loss) // canonical spelling in results.json
	if r.TrainRule == "" {
		r.TrainRule = string(balance.None)
	}
	if r.rule, err = balance.ParseRule(r.TrainRule); err != nil {
		return err
	}
	r.TrainRule = string(r.rule)
	return nil
}

// resolveImbalance fills the imbalance profile, its factor 1/ρ (the dataset's recipe), the step
// profile's μ and the class-balanced weights' β.
func (r *resolved) resolveImbalance() error {
	var err error
	if r.ImbType == "" {
		r.ImbType = "exp"
	}
	if r.prof, err = datasets.ParseProfile(r.ImbType); err != nil {
		return err
	}
	r.ImbType = string(r.prof)
	if r.ImbFactor == 0 {
		r.ImbFactor = recipeOf(r.Dataset).imbFactor
	}
	if !(r.ImbFactor > 0 && r.ImbFactor <= 1) {
		return fmt.Errorf("--imb_factor %g is outside (0, 1]: it is 1/ρ, e.g. 0.01 for ρ = 100 or 1 for balanced data", r.ImbFactor)
	}
	if r.StepMu == 0 {
		r.StepMu = 0.5
	}
	if r.Beta == 0 {
		r.Beta = balance.DefaultBeta
	}
	return nil
}

// resolveLossParameters fills and checks the losses' and the optimizer's parameters: focal γ,
// LDAM's largest margin (the dataset's recipe) and scale, the uniform margin, τ, VS's γ, SAM's ρ
// and mixup's α.
func (r *resolved) resolveLossParameters() error {
	if r.Gamma == 0 {
		r.Gamma = 1
	}
	if r.MaxMargin == 0 {
		r.MaxMargin = recipeOf(r.Dataset).maxMargin
	}
	if r.MaxMargin < 0 {
		return fmt.Errorf("--max_m %g is negative", r.MaxMargin)
	}
	if r.Scale == 0 {
		r.Scale = losses.DefaultScale
	}
	if r.UniformMargin == 0 {
		r.UniformMargin = r.MaxMargin
	}
	if r.Tau == 0 {
		r.Tau = 1
	}
	if r.VSGamma == 0 {
		r.VSGamma = 0.3
	}
	if r.SAMRho > 0 && r.preset.Optimizer != schedule.SGD {
		return fmt.Errorf("--rho %g: SAM runs around SGD, and this run uses %s; add --optimizer sgd or drop --rho", r.SAMRho, r.preset.Optimizer)
	}
	if r.SAMRho < 0 {
		return fmt.Errorf("--rho %g must be ≥ 0 (0: plain SGD)", r.SAMRho)
	}
	if r.Tau < 0 || r.VSGamma < 0 {
		return fmt.Errorf("--tau %g and --vs_gamma %g must be ≥ 0", r.Tau, r.VSGamma)
	}
	if !(r.Mixup >= 0) || math.IsInf(r.Mixup, 0) {
		return fmt.Errorf("--mixup %g: mixup's α must be a finite number ≥ 0 (1 as MiSLAS; 0: no mixup)", r.Mixup)
	}
	return nil
}

// resolveStage2 checks the second stage (ldam/stage2) against the loss's head and fills
// MiSLAS's label-aware smoothing with its authors' settings.
func (r *resolved) resolveStage2() error {
	switch {
	case r.Stage2 == "":
		if r.SmoothHead != 0 || r.SmoothTail != 0 {
			return fmt.Errorf("--smooth_head %g, --smooth_tail %g: label-aware smoothing belongs to --stage2 MiSLAS; add it or drop them", r.SmoothHead, r.SmoothTail)
		}
	case strings.EqualFold(r.Stage2, record.Stage2MiSLAS):
		r.Stage2 = record.Stage2MiSLAS
		if r.loss.cosine() {
			return fmt.Errorf("--stage2 MiSLAS re-fits a linear classifier, and --loss_type %s has the cosine head; use CE (MiSLAS's first stage) or another loss with a linear head", r.loss)
		}
		if r.SmoothHead == 0 && r.SmoothTail == 0 {
			r.SmoothHead, r.SmoothTail, _ = stage2.MiSLASSettings(r.Dataset, r.ImbFactor)
		}
		for _, e := range []float64{r.SmoothHead, r.SmoothTail} {
			if !(e >= 0 && e <= 1) {
				return fmt.Errorf("--smooth_head %g and --smooth_tail %g must lie in [0, 1]", r.SmoothHead, r.SmoothTail)
			}
		}
	case strings.EqualFold(r.Stage2, record.Stage2WB):
		r.Stage2 = record.Stage2WB
		if r.loss.cosine() {
			return fmt.Errorf("--stage2 WB re-fits a linear classifier, and --loss_type %s has the cosine head; use CE (weight balancing's first stage) or another loss with a linear head", r.loss)
		}
		if r.SmoothHead != 0 || r.SmoothTail != 0 {
			return fmt.Errorf("--smooth_head %g, --smooth_tail %g: label-aware smoothing belongs to --stage2 MiSLAS, not WB; drop them", r.SmoothHead, r.SmoothTail)
		}
	default:
		return fmt.Errorf("--stage2 %q: the second stages known are %s and %s (or none)", r.Stage2, record.Stage2MiSLAS, record.Stage2WB)
	}
	return nil
}

// resolveDataset names the dataset (CIFAR-10 by default, or the in-memory data's name), checks
// it is known and picks the network (the dataset's recipe unless the config names one).
func (r *resolved) resolveDataset() error {
	if r.Dataset == "" && r.Data == nil {
		r.Dataset = "cifar10"
	}
	if r.Data != nil && r.Dataset == "" {
		r.Dataset = r.Data.DataName()
	}
	if r.Data == nil && !slices.Contains(datasets.Names, r.Dataset) {
		return fmt.Errorf("unknown dataset %q; use one of %s", r.Dataset, strings.Join(datasets.Names, ", "))
	}
	if r.Arch != "" {
		r.arch = models.Arch(r.Arch)
	} else {
		r.arch = recipeOf(r.Dataset).arch
	}
	return nil
}

// resolveEngine checks the backend and fills the micro-batches (ResNet-18's default on a CPU
// backend), which must divide the batch and cannot go with SAM.
func (r *resolved) resolveEngine() error {
	if err := backend.Validate(r.Backend); err != nil {
		return err
	}
	if r.MicroBatches == 0 {
		r.MicroBatches = 1
		if name, _, _ := strings.Cut(spec.Resolve(r.Backend), ":"); r.arch == models.ResNet18 && name != "xla" {
			r.MicroBatches = DefaultResNet18MicroBatches
		}
	}
	switch {
	case r.MicroBatches < 0:
		return fmt.Errorf("--micro_batches %d is negative (1: no accumulation)", r.MicroBatches)
	case r.MicroBatches > 1 && r.preset.BatchSize%r.MicroBatches != 0:
		return fmt.Errorf("--micro_batches %d does not divide the batch of %d; use a divisor of it", r.MicroBatches, r.preset.BatchSize)
	case r.MicroBatches > 1 && r.SAMRho > 0:
		return fmt.Errorf("--micro_batches %d with --rho %g: SAM perturbs the weights along the whole batch's gradient, which accumulation does not have; drop one of them", r.MicroBatches, r.SAMRho)
	}
	return nil
}

// resolveRun checks where the run starts from (a first stage to branch from) and when it stops.
func (r *resolved) resolveRun() error {
	if r.BranchFrom != "" {
		// Checked before the data is loaded; branch() checks that the runs match.
		_, errOut := os.Stat(filepath.Join(r.Out, record.CheckpointFile))
		if _, err := os.Stat(filepath.Join(r.BranchFrom, record.Stage1File)); err != nil && (r.Out == "" || errOut != nil) {
			return fmt.Errorf("branching from %s: no first-stage checkpoint there (train that run first, or drop --branch_from)", filepath.Join(r.BranchFrom, record.Stage1File))
		}
	}
	if r.StopAfter < 0 {
		return fmt.Errorf("stop-after %d is negative", r.StopAfter)
	}
	return nil
}

// DefaultResNet18MicroBatches is ResNet-18's default number of micro-batches on a CPU backend:
// batch 128 as 4 × 32 trains Tiny ImageNet in about PyTorch's memory (README, Performance).
const DefaultResNet18MicroBatches = 4

// recipe is what a dataset changes in a run's defaults, beside its schedule
// (schedule.ForDataset): the paper's network, its imbalance factor 1/ρ and LDAM's largest
// margin C·n_min^{-1/4}.
type recipe struct {
	arch      models.Arch
	imbFactor float64
	maxMargin float64
}

// recipes are the datasets' recipes that differ from CIFAR's (ResNet-32, ρ = 100, Δ_max = 0.5):
// Appendix B's networks, IMDB's ρ = 10 (the paper removes 90 % of the negative reviews) and
// iNaturalist's margin (the official code's max_m for it).
var recipes = map[string]recipe{
	"tinyimagenet":  {arch: models.ResNet18},
	"inat2018":      {arch: models.ResNet50A, maxMargin: losses.INatMaxMargin},
	"imdb":          {arch: models.BiLSTM, imbFactor: 0.1},
	"mnist":         {arch: models.Sphere},
	"fashion-mnist": {arch: models.Sphere},
	"synthetic":     {arch: models.MLPArch},
}

// recipeOf returns a dataset's recipe, CIFAR's defaults filling what it does not change.
func recipeOf(dataset string) recipe {
	r := recipes[dataset]
	if r.arch == "" {
		r.arch = models.ResNet32
	}
	if r.imbFactor == 0 {
		r.imbFactor = 0.01
	}
	if r.maxMargin == 0 {
		r.maxMargin = losses.DefaultMaxMargin
	}
	return r
}
