package experiment

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"github.com/gomlx/compute/gobackend"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/metric"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/gomlx/gomlx/ui/commandline"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/ldam/backend"
	"github.com/ldamlab/ldamlab/ldam/backend/spec"
	"github.com/ldamlab/ldamlab/ldam/balance"
	"github.com/ldamlab/ldamlab/ldam/ckpt"
	"github.com/ldamlab/ldamlab/ldam/losses"
	"github.com/ldamlab/ldamlab/ldam/metrics"
	"github.com/ldamlab/ldamlab/ldam/models"
	"github.com/ldamlab/ldamlab/ldam/optim"
	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/schedule"
)

// Store paths of the graph inputs that change during a run without recompiling.
const (
	classWeightsVar = "/ldam/class_weights"
	marginsVar      = "/ldam/margins"
	adjustVar       = "/ldam/logit_adjust"
	scaleByVar      = "/ldam/logit_scale"
)

// state is the training state saved with each checkpoint.
type state struct {
	NextEpoch int
	Result    *Result
}

// Run is a prepared experiment: data loaded, model and trainer built. [Train] is
// Prepare + Run.Fit; notebooks may use the pieces (e.g. Run.Features for Fig. 5 and 6).
type Run struct {
	cfg     resolved
	Data    *Data
	Backend compute.Backend
	Store   *model.Store
	Net     models.Net
	Plan    balance.Plan
	Result  *Result
	trainer *train.Trainer
	// accum accumulates the gradients of cfg.MicroBatches micro-batches per update (nil: one
	// update per batch).
	accum    *optim.Accumulate
	trainDS  *datasets.Loader
	testDS   *datasets.Loader
	evalExec *model.Exec
	featExec *model.Exec // built on first use by Features
	// inferStale says the variables have trained since evalExec was built; on a non-Go backend
	// it is rebuilt before the next use (see refreshInference).
	inferStale bool
	// adjust and scaleBy are the per-class logit terms of the logit-adjusted and VS losses.
	adjust, scaleBy []float64
	labels          []int
	start           int
	// from is the checkpoint the run continues from ("" when it starts from scratch).
	from string
	// stage2Note is what the second stage reports beside its evaluation in the log.
	stage2Note string
}

// Train runs an experiment end to end; see the package documentation.
func Train(c Config) (*Result, error) {
	run, err := Prepare(c)
	if err != nil {
		return nil, err
	}
	return run.Result, run.Fit()
}

// Prepare validates the config, loads the data, and builds the model, trainer and loaders;
// with Resume it restores the checkpoint in Out.
func Prepare(c Config) (*Run, error) {
	r, err := resolve(c)
	if err != nil {
		return nil, err
	}
	data, err := loadData(r)
	if err != nil {
		return nil, err
	}
	if r.Stage2 != "" && data.TrainImages == nil {
		return nil, fmt.Errorf("--stage2 %s re-fits the classifier on image features, and %s has none; drop --stage2", r.Stage2, data.Name)
	}
	run := &Run{cfg: r, Data: data}
	classes := len(data.Classes)
	trainLabels := data.labels(false)
	counts := datasets.CountLabels(trainLabels, classes)
	for j, n := range counts {
		if n == 0 {
			return nil, fmt.Errorf("class %d (%s) has no training example after imbalancing; use a larger --imb_factor or more data per class", j, data.Classes[j])
		}
	}
	if run.Plan, err = balance.NewPlan(r.rule, counts, r.Beta, r.preset.DeferEpoch); err != nil {
		return nil, err
	}
	var margins []float64
	switch r.loss {
	case LDAM, LDAMHG:
		if r.TestImbSeed > 0 { // a known imbalanced test distribution: Eq. 15
			margins, err = losses.TestAwareMargins(counts, datasets.CountLabels(data.labels(true), classes), r.MaxMargin)
		} else {
			margins, err = losses.LDAMMargins(counts, r.MaxMargin)
		}
		if err != nil {
			return nil, err
		}
	case Uniform, HG:
		margins = losses.UniformMargins(classes, r.UniformMargin)
	}
	switch r.loss {
	case LA, LAAM, BS:
		lp, err := losses.LogPriors(counts)
		if err != nil {
			return nil, err
		}
		tau := r.Tau
		if r.loss == BS {
			tau = 1
		}
		for _, v := range lp {
			run.adjust = append(run.adjust, tau*v)
		}
		if r.loss == LAAM {
			if margins, err = losses.AdaptiveMargins(counts); err != nil {
				return nil, err
			}
		}
	case VSLoss:
		if run.scaleBy, run.adjust, err = losses.VSFactors(counts, r.VSGamma, r.Tau); err != nil {
			return nil, err
		}
	}
	backendConfig := r.Backend
	if r.arch == models.BiLSTM && r.Backend == "" && spec.IsONNX(spec.Resolve("")) {
		// The BiLSTM's graph unrolls 256 steps per direction and layer, with its hand-written
		// backward pass; ONNX Runtime did not finish one training step of it in 8 minutes where
		// the Go backend takes about 6 s (README, Performance). So the default engine for it is
		// the Go backend; --backend onnx still forces ONNX Runtime.
		backendConfig = spec.Default
	}
	if run.Backend, err = backend.New(backendConfig); err != nil {
		return nil, err
	}
	if w := backend.SIMDWarning(run.Backend); w != "" && r.Log != nil {
		fmt.Fprintln(r.Log, w)
	}
	run.Result = &Result{Config: r.Config, Preset: r.preset, Backend: run.Backend.Name(), Engine: Engine(run.Backend, r.NCHW), Margins: margins,
		Data: record.DataSummary{Name: data.Name, Source: data.Source.Note, Classes: data.Classes, TrainCounts: counts,
			TestCounts: datasets.CountLabels(data.labels(true), classes), Selection: data.Selection}}
	run.Result.Config.Preset = r.Preset
	run.labels = trainLabels
	if err := run.build(margins); err != nil {
		return nil, err
	}
	if err := run.loaders(); err != nil {
		return nil, err
	}
	if r.Resume {
		if err := run.restore(); err != nil {
			return nil, err
		}
	}
	if r.BranchFrom != "" && run.start == 0 {
		if err := run.branch(); err != nil {
			return nil, err
		}
	}
	if run.start == 0 && run.Backend.Name() != gobackend.BackendName {
		if err := run.initializeOnGo(); err != nil {
			return nil, err
		}
	}
	return run, nil
}

// initializeOnGo creates and initializes the model's variables with the pure-Go backend (one
// forward pass of the evaluation graph on a test batch) and detaches their values from it. The
// backends draw different random numbers from the same seed, so without this a fresh run on
// ONNX Runtime or XLA would start from other weights than the same run on the Go backend;
// with it, a seed means the same initial weights on every engine (TestFreshRunsAgreeAcrossBackends).
func (run *Run) initializeOnGo() error {
	goB, err := backend.New("go")
	if err != nil {
		return err
	}
	net := run.Net
	exec, err := model.NewExec(goB, run.Store, func(scope *model.Scope, inputs []*Node) *Node {
		logits, _ := net(scope, inputs)
		return logits
	})
	if err != nil {
		return err
	}
	run.testDS.SetEpoch(0)
	for batch, err := range run.testDS.Iter() {
		if err != nil {
			return err
		}
		args := make([]any, len(batch.Inputs))
		for i, t := range batch.Inputs {
			args[i] = t
		}
		out, err := exec.Call(args...)
		if err != nil {
			return fmt.Errorf("initializing the variables on the Go backend: %w", err)
		}
		out[0].MustFinalizeAll()
		batch.Finalize()
		break
	}
	for v := range run.Store.IterVariables() {
		if err := v.MustValue().ToLocal(); err != nil {
			return err
		}
	}
	return nil
}

// branch starts the run from the first-stage checkpoint of the run in BranchFrom, after
// checking that the two runs are the same run until T0: equal configurations but for the train
// rule, and rules whose weights and samplers agree on every epoch before T0.
func (run *Run) branch() error {
	r := run.cfg
	p := filepath.Join(r.BranchFrom, record.Stage1File)
	var st state
	if err := ckpt.Load(p, run.Store, &st); err != nil {
		return fmt.Errorf("branching from %s: %w (train that run first, or drop --branch_from)", p, err)
	}
	if st.Result == nil || st.NextEpoch != r.preset.DeferEpoch {
		return fmt.Errorf("branching from %s: it does not end at T0 = epoch %d of this run", p, r.preset.DeferEpoch)
	}
	if st.Result.Data.Selection != run.Result.Data.Selection {
		return fmt.Errorf("branching from %s: its first stage trained on images chosen by another selection (%q; this build chooses %q); train that run again first", p, cmp.Or(st.Result.Data.Selection, "the earlier PCG selection"), run.Result.Data.Selection)
	}
	a, b := st.Result.Config, r.Config
	a.TrainRule = b.TrainRule
	if !SameRun(a, b) {
		return fmt.Errorf("branching from %s: that run differs from this one in more than the train rule (it is %s/%s, seed %d, preset %s)",
			p, st.Result.Config.LossType, st.Result.Config.TrainRule, st.Result.Config.Seed, st.Result.Config.Preset)
	}
	other, err := balance.NewPlan(balance.Rule(st.Result.Config.TrainRule), run.Plan.Counts, run.Plan.Beta, run.Plan.DeferEpoch)
	if err != nil {
		return err
	}
	for e := range r.preset.DeferEpoch {
		if !slices.Equal(other.ClassWeights(e), run.Plan.ClassWeights(e)) || other.Sampler(e).Kind != run.Plan.Sampler(e).Kind {
			return fmt.Errorf("branching from %s: rule %s and %s train differently at epoch %d, before T0", p, st.Result.Config.TrainRule, r.TrainRule, e)
		}
	}
	res := run.Result
	res.History, res.Best, res.BestEpoch, res.Final, res.Params = st.Result.History, st.Result.Best, st.Result.BestEpoch, st.Result.Final, st.Result.Params
	res.WallSeconds = st.Result.WallSeconds
	if r.Out != "" {
		if rel, err := filepath.Rel(r.Out, r.BranchFrom); err == nil {
			res.BranchedFrom = rel
		}
	}
	run.start = st.NextEpoch
	run.from = p
	return nil
}

func (run *Run) build(margins []float64) error {
	r := run.cfg
	classes := len(run.Data.Classes)
	mc := models.Config{Arch: r.arch, Classes: classes, Cosine: r.loss.cosine(), Width: r.preset.Width, FeatureDim: 3, Hidden: []int{64, 64},
		CheckpointBlocks: r.CheckpointBlocks, NCHW: r.NCHW}
	if run.Data.TrainText != nil {
		mc.Vocab = len(run.Data.TrainText.Vocab.Words)
	}
	net, err := models.New(mc)
	if err != nil {
		return err
	}
	run.Net = net
	store := model.NewStore()
	run.Store = store
	// The seed of the initializers (0 would mean "random" to GoMLX).
	store.SetParam(model.ParamInitialSeed, int64(r.Seed)+1)
	// Hyperparameters live in the Store, as in GoMLX's examples.
	store.SetParams(map[string]any{
		"dataset": r.Dataset, "loss_type": string(r.loss), "train_rule": string(r.rule), "preset": r.preset.Name,
		"lr": r.preset.BaseLR, "weight_decay": r.preset.WeightDecay, "momentum": r.preset.Momentum,
		"batch_size": r.preset.BatchSize, "max_m": r.MaxMargin, "s": r.Scale, "focal_gamma": r.Gamma, "beta": r.Beta,
	})
	ones := make([]float32, classes)
	for i := range ones {
		ones[i] = 1
	}
	wVar := store.VariableWithValue(classWeightsVar, ones).SetTrainable(false)
	m32 := make([]float32, classes)
	for i, m := range margins {
		m32[i] = float32(m)
	}
	mVar := store.VariableWithValue(marginsVar, m32).SetTrainable(false)
	perClass := func(name string, v []float64) *model.Variable {
		if v == nil {
			return nil
		}
		f := make([]float32, len(v))
		for i, x := range v {
			f[i] = float32(x)
		}
		return store.VariableWithValue(name, f).SetTrainable(false)
	}
	aVar, sVar := perClass(adjustVar, run.adjust), perClass(scaleByVar, run.scaleBy)

	// SAM recomputes the loss of a training graph at perturbed weights: it needs the graph's
	// inputs, labels and scope, recorded here as the trainer builds it.
	type graphArgs struct {
		scope          *model.Scope
		inputs, labels []*Node
	}
	seen := map[*Graph]*graphArgs{}
	modelFn := func(scope *model.Scope, _ any, inputs []*Node) []*Node {
		seen[inputs[0].Graph()] = &graphArgs{scope: scope, inputs: inputs}
		logits, _ := net(scope, inputs)
		return []*Node{logits}
	}
	lossType, scale, gamma := r.loss, r.Scale, r.Gamma
	single := func(logits, y *Node) *Node { // the loss for one label per example
		g := logits.Graph()
		w := wVar.NodeValue(g)
		switch lossType {
		case Focal:
			return losses.Focal(logits, y, w, gamma)
		case LDAM, Uniform:
			return losses.LDAM(logits, y, mVar.NodeValue(g), w, scale)
		case LDAMHG, HG:
			return losses.Hinge(logits, y, mVar.NodeValue(g), w, scale)
		case LA, BS:
			return losses.LogitAdjusted(logits, y, aVar.NodeValue(g), w)
		case LAAM:
			return losses.LogitAdjustedMargin(logits, y, aVar.NodeValue(g), mVar.NodeValue(g), w)
		case VSLoss:
			return losses.VS(logits, y, sVar.NodeValue(g), aVar.NodeValue(g), w)
		}
		return losses.CrossEntropy(logits, y, w)
	}
	mixup := r.Mixup > 0
	var lossFn func(labels, predictions []*Node) *Node
	lossFn = func(labels, predictions []*Node) *Node {
		logits := predictions[0]
		if a := seen[logits.Graph()]; a != nil {
			a.labels = labels
		}
		if !mixup {
			return single(logits, labels[0])
		}
		// Mixup (the loader's labels y, y[π], λ): λ·ℓ(y) + (1 − λ)·ℓ(y[π]), as mixup_criterion
		// of the mixup and MiSLAS code.
		lambda := ConvertDType(ReduceAllMean(labels[2]), logits.DType())
		return Add(Mul(lambda, single(logits, labels[0])), Mul(OneMinus(lambda), single(logits, labels[1])))
	}
	errMetric := metric.NewBaseMetric("Train error", "err", "error",
		func(_ *model.Scope, labels, predictions []*Node) *Node {
			pred := ArgMax(predictions[0], -1, dtypes.Int32)
			return ReduceAllMean(ConvertDType(NotEqual(pred, ConvertDType(labels[0], dtypes.Int32)), dtypes.Float32))
		}, nil)
	sgd := optim.SGD{LR: r.preset.BaseLR, Momentum: r.preset.Momentum, WeightDecay: r.preset.WeightDecay}
	var opt optimizer.Interface = &sgd
	if r.preset.Optimizer == schedule.Adam {
		// PyTorch's Adam defaults; GoMLX's Adam keeps its rate in the same variable
		// (optimizer.LearningRateVar), so the schedule drives it as it drives SGD.
		opt = optimizer.Adam().LearningRate(r.preset.BaseLR).Betas(0.9, 0.999).Epsilon(1e-8).WeightDecay(r.preset.WeightDecay).Done()
	}
	if r.SAMRho > 0 {
		opt = &optim.SAM{SGD: sgd, Rho: r.SAMRho, Loss: func(g *Graph) *Node {
			a := seen[g]
			if a == nil || a.labels == nil {
				panic("experiment: SAM's second pass found no recorded inputs for its graph")
			}
			// A fresh scope at the same path: the first pass has visited its sub-scopes.
			scope := a.scope.Store().Scope(a.scope.Scope())
			return lossFn(a.labels, modelFn(scope, nil, a.inputs))
		}}
	}
	if r.MicroBatches > 1 {
		inner, ok := opt.(optim.GradientOptimizer)
		if !ok {
			return fmt.Errorf("experiment: the optimizer %T cannot apply accumulated gradients; use --micro_batches 1", opt)
		}
		run.accum = &optim.Accumulate{K: r.MicroBatches, Inner: inner}
		opt = run.accum
	}
	run.trainer = train.NewTrainer(run.Backend, store, modelFn, lossFn, opt, []metric.Interface{errMetric}, nil)
	return run.newEvalExec()
}

// newEvalExec builds the evaluation executable (logits in evaluation mode).
func (run *Run) newEvalExec() error {
	net := run.Net
	var err error
	run.evalExec, err = model.NewExec(run.Backend, run.Store, func(scope *model.Scope, inputs []*Node) *Node {
		logits, _ := net(scope, inputs)
		return logits
	})
	return err
}

// refreshInference rebuilds the evaluation and feature executables after training on a
// backend that prefers constants for variables (ONNX Runtime; the pure-Go backend since
// compute v0.1.34). ONNX Runtime (compute-onnx v0.1.5) executables that had
// run once kept returning the predictions of the weights they first saw after the variables
// had trained on (TestEvaluationSeesTrainedState): an in-training evaluation on ONNX Runtime
// reported 90 % balanced error for a network whose checkpoint scored 58.5 %. A fresh
// executable per evaluation costs one compilation (seconds) and is always right. The cause:
// compute-onnx declares PreferConstantsForVariables, and GoMLX then embeds the non-trainable
// variables of a non-training graph (the batch norms' running statistics) as constants of
// their value at compile time.
func (run *Run) refreshInference() error {
	if !run.inferStale || !run.Backend.Capabilities().PreferConstantsForVariables {
		return nil
	}
	// The old executables' sessions (and their memory arenas) go now, not whenever the
	// garbage collector finalizes them.
	for _, e := range []*model.Exec{run.evalExec, run.featExec} {
		if e != nil {
			e.Finalize()
		}
	}
	run.inferStale, run.featExec = false, nil
	return run.newEvalExec()
}

// infer calls an inference executable (evalExec, featExec). On a backend that prefers
// constants for variables (ONNX Runtime), the graph it compiles on its first call embeds every
// variable's value as a constant: ONNX Runtime then folds the batch norms into the
// convolutions and runs them in its blocked NCHWc layout, which it does only for constant
// weights. Measured on ResNet-32's evaluation graph in ONNX Runtime's profiler (1 thread,
// batch 128): 347 ms with the weights as inputs, 208 ms as constants. refreshInference
// rebuilds these executables whenever the variables have changed, so the constants are
// always the current values.
func (run *Run) infer(exec *model.Exec, args []any) ([]*tensors.Tensor, error) {
	defer run.ConstantVariables()()
	return exec.Call(args...)
}

// ConstantVariables makes the graphs built from now on embed the variables' values as
// constants when the backend prefers that (see infer), and returns what restores the store's
// setting.
func (run *Run) ConstantVariables() (restore func()) {
	if !run.Backend.Capabilities().PreferConstantsForVariables {
		return func() {}
	}
	prev := run.Store.VariablesAsConst()
	run.Store.WithVariableAsConst(true)
	return func() { run.Store.WithVariableAsConst(prev) }
}

func (run *Run) loaders() error {
	r, d := run.cfg, run.Data
	plan, labels := run.Plan, run.labels
	order := func(epoch int, rng *rand.Rand) ([]int, error) {
		return plan.Sampler(epoch).EpochIndices(labels, rng)
	}
	trainCfg := datasets.LoaderConfig{BatchSize: r.preset.BatchSize, Order: order, Augment: d.Info.Augment,
		Mean: d.Info.Mean, Std: d.Info.Std, Seed: r.Seed, Mixup: r.Mixup}
	testCfg := datasets.LoaderConfig{BatchSize: 100, Mean: d.Info.Mean, Std: d.Info.Std}
	var err error
	switch {
	case d.TrainImages != nil:
		testCfg.BatchSize = min(testCfg.BatchSize, d.TestImages.Len())
		if run.trainDS, err = datasets.NewImageLoader(d.Name+"-train", d.TrainImages, trainCfg); err != nil {
			return err
		}
		run.testDS, err = datasets.NewImageLoader(d.Name+"-test", d.TestImages, testCfg)
	case d.TrainPoints != nil:
		testCfg.BatchSize = min(testCfg.BatchSize, d.TestPoints.Len())
		if run.trainDS, err = datasets.NewPointsLoader(d.Name+"-train", d.TrainPoints, trainCfg); err != nil {
			return err
		}
		run.testDS, err = datasets.NewPointsLoader(d.Name+"-test", d.TestPoints, testCfg)
	default:
		testCfg.BatchSize = min(testCfg.BatchSize, d.TestText.Len())
		if run.trainDS, err = datasets.NewTextLoader(d.Name+"-train", d.TrainText, trainCfg); err != nil {
			return err
		}
		run.testDS, err = datasets.NewTextLoader(d.Name+"-test", d.TestText, testCfg)
	}
	return err
}

func (run *Run) checkpointPath() string { return filepath.Join(run.cfg.Out, record.CheckpointFile) }

func (run *Run) restore() error {
	if run.cfg.Out == "" {
		return fmt.Errorf("--resume needs --out, the run directory holding %s", record.CheckpointFile)
	}
	p := run.checkpointPath()
	if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
		return nil // nothing to resume: start from scratch
	}
	var st state
	if err := ckpt.Load(p, run.Store, &st); err != nil {
		return fmt.Errorf("resuming from %s: %w", p, err)
	}
	if st.Result == nil {
		return fmt.Errorf("resuming from %s: the checkpoint has no training state", p)
	}
	if st.Result.Data.Selection != run.Result.Data.Selection {
		return fmt.Errorf("resuming from %s: it trained on images chosen by another selection (%q; this build chooses %q): the same flags no longer mean the same data; start the run again in an empty --out", p, cmp.Or(st.Result.Data.Selection, "the earlier PCG selection"), run.Result.Data.Selection)
	}
	if !SameRun(st.Result.Config, run.cfg.Config) {
		return fmt.Errorf("resuming from %s: it was written by a run with a different configuration (%s/%s, %s ρ=1/%g, preset %s); use the same flags or another --out",
			p, st.Result.Config.LossType, st.Result.Config.TrainRule, st.Result.Config.ImbType, st.Result.Config.ImbFactor, st.Result.Config.Preset)
	}
	res := run.Result
	res.History, res.Best, res.BestEpoch, res.Final, res.Stage1, res.Params, res.Done =
		st.Result.History, st.Result.Best, st.Result.BestEpoch, st.Result.Final, st.Result.Stage1, st.Result.Params, st.Result.Done
	// The time already spent: a run resumed across sessions records its whole wall time.
	res.WallSeconds = st.Result.WallSeconds
	run.start = st.NextEpoch
	run.from = p
	run.inferStale = true
	return nil
}

// StartEpoch is the 0-based epoch the next Fit starts at, and the checkpoint Prepare restored
// to get there (its own, or the first stage it branches from); 0 and "" for a run that starts
// from scratch.
func (run *Run) StartEpoch() (epoch int, from string) { return run.start, run.from }

// LoadWeights replaces the model's variables with those saved in a checkpoint of a run of the
// same network — Stage1File for the first-stage model that Fig. 6 probes — and leaves the run's
// history, schedule and epoch as they are. For analysis: Fit after it continues from this
// run's own epoch, not the checkpoint's.
func (run *Run) LoadWeights(file string) error {
	var st state
	if err := ckpt.Load(file, run.Store, &st); err != nil {
		return fmt.Errorf("loading weights from %s: %w", file, err)
	}
	// New batch-norm statistics: evaluation graphs built before hold the old ones as constants.
	run.inferStale = true
	return nil
}

// Fit trains from the current epoch to the end (or for StopAfter epochs), evaluating and
// saving after every epoch.
func (run *Run) Fit() error { return run.FitUntil(run.cfg.preset.Epochs) }

// FitUntil trains from the current epoch up to (not including) epoch end of the schedule, as
// Fit does, and stops there: FitUntil(T0) leaves the first-stage model (Fig. 6). A later Fit
// or FitUntil continues from there.
func (run *Run) FitUntil(end int) error {
	r := run.cfg
	end = min(end, r.preset.Epochs)
	if r.Out != "" {
		// One writer per run directory: a second process training into it stops here.
		lock, err := record.LockRun(r.Out)
		if err != nil {
			return err
		}
		defer lock.Unlock()
	}
	// Past the memory budget the run stops at the end of the step with the guard's error.
	var outOfMemory atomic.Pointer[error]
	stopGuard := guardMemory(memoryBudget(r.MemoryLimit), func(rss, budget uint64) {
		err := errors.New(outOfMemoryError(rss, budget, r.preset.BatchSize, r.MicroBatches, r.Out))
		outOfMemory.Store(&err)
		if r.OnOutOfMemory != nil {
			r.OnOutOfMemory(err)
		}
	})
	defer stopGuard()
	var lossSum, errSum float64
	var steps, examples int
	// One loop per epoch: GoMLX's command-line progress bar serves a single run of its loop
	// (a second RunEpochs sends on the channel the first one closed and panics).
	newLoop := func() *train.Loop {
		loop := train.NewLoop(run.trainer)
		if r.Progress {
			commandline.AttachProgressBar(loop)
		}
		loop.OnStep("ldam-epoch-stats", 0, func(_ *train.Loop, m []*tensors.Tensor) error {
			if err := outOfMemory.Load(); err != nil {
				return *err
			}
			lossSum += scalar(m[0])
			errSum += scalar(m[2])
			steps++
			if run.accum != nil && steps%run.accum.K == 0 {
				// The batch's last micro-batch: one update with the accumulated gradients.
				return run.accum.Apply(run.Backend, run.Store)
			}
			return nil
		})
		return loop
	}
	ran := 0
	for epoch := run.start; epoch < end; epoch++ {
		if r.StopAfter > 0 && ran == r.StopAfter {
			return nil
		}
		t0 := time.Now()
		lr := r.preset.LR(epoch)
		if err := optim.SetLearningRate(run.Store, lr); err != nil {
			return err
		}
		w := run.Plan.ClassWeights(epoch)
		w32 := make([]float32, len(w))
		for i, v := range w {
			w32[i] = float32(v)
		}
		if err := run.Store.GetVariable(classWeightsVar).SetValue(tensors.FromValue(w32)); err != nil {
			return err
		}
		lossSum, errSum, steps = 0, 0, 0
		run.trainDS.SetEpoch(epoch)
		run.inferStale = true
		var ds train.Dataset = run.trainDS
		if run.accum != nil {
			ds = microBatches{ds: run.trainDS, k: run.accum.K}
		}
		if _, err := newLoop().RunEpochs(ds, 1); err != nil {
			if oom := outOfMemory.Load(); oom != nil {
				return *oom
			}
			return fmt.Errorf("epoch %d: %w", epoch, err)
		}
		trainSeconds := time.Since(t0).Seconds()
		examples = run.trainDS.Len()
		test, err := run.Evaluate()
		if err != nil {
			return err
		}
		full := test
		var stage1 *metrics.Result
		if epoch == r.preset.Epochs-1 && r.Stage2 != "" {
			// The second stage ends the run: Final is after it, Stage1 before.
			first := test
			stage1 = &first
			if err := run.saveTrained(epoch + 1); err != nil {
				return err
			}
			if full, err = run.secondStage(); err != nil {
				return err
			}
		}
		ep := record.Epoch{Epoch: epoch, LR: lr, Reweighted: !isUniform(w), Resampled: run.Plan.Sampler(epoch).Kind == balance.Weighted,
			TrainLoss: lossSum / float64(max(1, steps)), TrainError: errSum / float64(max(1, steps)),
			Test: test, Seconds: time.Since(t0).Seconds(), ImagesPerSecond: float64(examples) / trainSeconds}
		ep.Test.Confusion = nil
		res := run.Result
		res.History = append(res.History, ep)
		res.WallSeconds += ep.Seconds
		res.Final, res.Stage1 = &full, stage1
		if res.Best == nil || full.Top1Error < res.Best.Top1Error {
			res.Best, res.BestEpoch = &full, epoch
		}
		res.Params = run.Params()
		res.Done = epoch == r.preset.Epochs-1
		if r.Log != nil {
			fmt.Fprintf(r.Log, "epoch %3d/%d  lr %.5f  loss %.4f  train err %.4f  test balanced top-1 err %.4f  top-5 %.4f  (%.0f s, %.1f img/s)\n",
				epoch+1, r.preset.Epochs, lr, ep.TrainLoss, ep.TrainError, test.Top1Error, test.Top5Error, ep.Seconds, ep.ImagesPerSecond)
			if stage1 != nil {
				what := r.Stage2
				if r.Stage2 == record.Stage2MiSLAS {
					what += fmt.Sprintf(" (smoothing %g → %g; %s)", r.SmoothHead, r.SmoothTail, run.stage2Note)
				}
				fmt.Fprintf(r.Log, "second stage %s: test balanced top-1 err %.4f  top-5 %.4f\n", what, full.Top1Error, full.Top5Error)
			}
		}
		if err := run.save(epoch + 1); err != nil {
			return err
		}
		run.start = epoch + 1
		if r.OnEpoch != nil {
			r.OnEpoch(res)
		}
		ran++
	}
	return nil
}

func (run *Run) save(nextEpoch int) error {
	if run.cfg.Out == "" {
		return nil
	}
	st := state{NextEpoch: nextEpoch, Result: run.Result}
	if err := ckpt.Save(run.checkpointPath(), run.Store, st); err != nil {
		return fmt.Errorf("saving checkpoint: %w", err)
	}
	if nextEpoch == run.cfg.preset.DeferEpoch && nextEpoch < run.cfg.preset.Epochs {
		if err := ckpt.Save(filepath.Join(run.cfg.Out, record.Stage1File), run.Store, st); err != nil {
			return fmt.Errorf("saving the first-stage checkpoint: %w", err)
		}
	}
	return record.WriteJSON(filepath.Join(run.cfg.Out, record.ResultsFile), run.Result)
}

// saveTrained writes TrainedFile: the network before its second stage.
func (run *Run) saveTrained(nextEpoch int) error {
	if run.cfg.Out == "" {
		return nil
	}
	if err := ckpt.Save(filepath.Join(run.cfg.Out, record.TrainedFile), run.Store, state{NextEpoch: nextEpoch, Result: run.Result}); err != nil {
		return fmt.Errorf("saving the network before its second stage: %w", err)
	}
	return nil
}

// Step runs one training step on a batch (the trainer takes ownership of its tensors).
// With micro-batches it runs each micro-batch's step and then the update.
func (run *Run) Step(b train.Batch) error {
	run.inferStale = true
	if run.accum == nil {
		_, err := run.trainer.TrainStep(b)
		return err
	}
	parts, err := splitBatch(b, run.accum.K)
	if err != nil {
		return err
	}
	for _, p := range parts {
		if _, err := run.trainer.TrainStep(p); err != nil {
			return err
		}
	}
	return run.accum.Apply(run.Backend, run.Store)
}

// MicroBatches is the number of micro-batches of each training step (1: none), as the run
// resolved Config.MicroBatches.
func (run *Run) MicroBatches() int { return run.cfg.MicroBatches }

// Evaluate runs the model in evaluation mode (batch-norm running statistics) on the test split.
func (run *Run) Evaluate() (metrics.Result, error) {
	if err := run.refreshInference(); err != nil {
		return metrics.Result{}, err
	}
	acc := metrics.NewAccumulator(len(run.Data.Classes))
	run.testDS.SetEpoch(0)
	for batch, err := range run.testDS.Iter() {
		if err != nil {
			return metrics.Result{}, err
		}
		args := make([]any, len(batch.Inputs))
		for i, t := range batch.Inputs {
			args[i] = t
		}
		out, err := run.infer(run.evalExec, args)
		if err != nil {
			return metrics.Result{}, fmt.Errorf("evaluation: %w", err)
		}
		scores := tensors.MustCopyFlatData[float32](out[0])
		labels32 := tensors.MustCopyFlatData[int32](batch.Labels[0])
		labels := make([]int, len(labels32))
		for i, y := range labels32 {
			labels[i] = int(y)
		}
		if err := acc.Add(scores, labels); err != nil {
			return metrics.Result{}, err
		}
		out[0].MustFinalizeAll()
		batch.Finalize()
	}
	return acc.Result(run.Result.Data.TrainCounts), nil
}

// Predict returns the logits of inputs in evaluation mode.
func (run *Run) Predict(inputs ...*tensors.Tensor) (*tensors.Tensor, error) {
	if err := run.refreshInference(); err != nil {
		return nil, err
	}
	args := make([]any, len(inputs))
	for i, t := range inputs {
		args[i] = t
	}
	out, err := run.infer(run.evalExec, args)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// Features returns the penultimate features of inputs in evaluation mode ([batch, d]): the
// network's output before its classifier (Fig. 5's 3-d sphere features, Fig. 6's probe inputs).
func (run *Run) Features(inputs ...*tensors.Tensor) (*tensors.Tensor, error) {
	if err := run.refreshInference(); err != nil {
		return nil, err
	}
	if run.featExec == nil {
		net := run.Net
		// Both outputs: with the features alone the Go backend (compute v0.1.2) fails at run time
		// ("index out of range") on this graph.
		exec, err := model.NewExec(run.Backend, run.Store, func(scope *model.Scope, in []*Node) []*Node {
			logits, f := net(scope, in)
			return []*Node{f, logits}
		})
		if err != nil {
			return nil, err
		}
		run.featExec = exec
	}
	args := make([]any, len(inputs))
	for i, t := range inputs {
		args[i] = t
	}
	out, err := run.infer(run.featExec, args)
	if err != nil {
		return nil, err
	}
	out[1].MustFinalizeAll()
	return out[0], nil
}

// Params returns the number of trainable parameters (after the first training step).
func (run *Run) Params() int {
	n := 0
	for v := range run.Store.IterVariables() {
		if v.Trainable {
			n += v.Shape().Size()
		}
	}
	return n
}

func scalar(t *tensors.Tensor) float64 {
	switch v := t.Value().(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	}
	return 0
}

func isUniform(w []float64) bool {
	for _, v := range w {
		if v != w[0] {
			return false
		}
	}
	return true
}
