package experiment

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/ldam/losses"
	"github.com/ldamlab/ldamlab/ldam/record"
)

// mixture is a 3-class 2-d Gaussian mixture, imbalanced 64/16/4 for training.
func mixture(t *testing.T, counts []int, seed uint64) *datasets.Points {
	t.Helper()
	p, err := datasets.GaussianMixture(datasets.RingMeans(3, 2, 2), 0.5, counts, seed)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func pointsData(t *testing.T) *Data {
	train := mixture(t, []int{64, 16, 4}, 1)
	test := mixture(t, []int{30, 30, 30}, 2)
	return &Data{Name: "synthetic", Classes: train.Classes, TrainPoints: train, TestPoints: test}
}

func TestEveryLossOverfitsAFixedBatch(t *testing.T) {
	for _, loss := range LossTypes {
		t.Run(string(loss), func(t *testing.T) {
			d := pointsData(t)
			res, err := Train(Config{Data: d, LossType: string(loss), TrainRule: "DRW", Epochs: 30, BatchSize: 84, LR: 0.1, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			h := res.History
			first, last := h[0].TrainLoss, h[len(h)-1].TrainLoss
			if !(last < 0.5*first) || math.IsNaN(last) {
				t.Errorf("%s: training loss %g → %g, did not halve", loss, first, last)
			}
			if res.Final.Top1Error > 0.3 {
				t.Errorf("%s: balanced test error %g on an easy mixture", loss, res.Final.Top1Error)
			}
		})
	}
}

func TestDRWSwitchesAtT0AndDRSResamples(t *testing.T) {
	d := pointsData(t)
	res, err := Train(Config{Data: d, LossType: "ldam", TrainRule: "drw", Preset: "paper", Epochs: 10, BatchSize: 16, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Config.LossType != "LDAM" || res.Config.TrainRule != "DRW" {
		t.Errorf("results record %q/%q, want the canonical LDAM/DRW", res.Config.LossType, res.Config.TrainRule)
	}
	if res.Preset.DeferEpoch != 8 {
		t.Fatalf("paper preset scaled to 10 epochs: T0 = %d, want 8", res.Preset.DeferEpoch)
	}
	for _, e := range res.History {
		if e.Reweighted != (e.Epoch >= 8) || e.Resampled {
			t.Errorf("DRW epoch %d: reweighted %v resampled %v", e.Epoch, e.Reweighted, e.Resampled)
		}
	}
	if got := res.Margins; len(got) != 3 || math.Abs(got[2]-0.5) > 1e-12 || got[0] >= got[1] {
		t.Errorf("LDAM margins %v", got)
	}
	res, err = Train(Config{Data: d, LossType: "CE", TrainRule: "DRS", Preset: "paper", Epochs: 10, BatchSize: 16, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.History {
		if e.Resampled != (e.Epoch >= 8) || e.Reweighted {
			t.Errorf("DRS epoch %d: reweighted %v resampled %v", e.Epoch, e.Reweighted, e.Resampled)
		}
	}
}

func TestResumeGivesTheSameWeights(t *testing.T) {
	d := pointsData(t)
	base := Config{Data: d, LossType: "LDAM", TrainRule: "DRW", Epochs: 6, BatchSize: 16, Seed: 3}
	straightDir, splitDir := t.TempDir(), t.TempDir()
	straight := base
	straight.Out = straightDir
	runA, err := Prepare(straight)
	if err != nil {
		t.Fatal(err)
	}
	if err := runA.Fit(); err != nil {
		t.Fatal(err)
	}
	// Interrupted after 4 epochs, then resumed in a fresh process-like Run.
	part := base
	part.Out, part.StopAfter = splitDir, 4
	if _, err := Train(part); err != nil {
		t.Fatal(err)
	}
	r, _ := record.ReadResult(filepath.Join(splitDir, record.ResultsFile))
	if r.Done || len(r.History) != 4 {
		t.Fatalf("after the interruption: done=%v, %d epochs", r.Done, len(r.History))
	}
	rest := base
	rest.Out, rest.Resume = splitDir, true
	runB, err := Prepare(rest)
	if err != nil {
		t.Fatal(err)
	}
	if err := runB.Fit(); err != nil {
		t.Fatal(err)
	}
	if len(runB.Result.History) != 6 || !runB.Result.Done {
		t.Fatalf("resumed run has %d epochs, done=%v", len(runB.Result.History), runB.Result.Done)
	}
	// The wall time covers both parts: every epoch's seconds, not only the resumed ones'.
	sum := 0.0
	for _, e := range runB.Result.History {
		sum += e.Seconds
	}
	if w := runB.Result.WallSeconds; math.Abs(w-sum) > 1e-6*sum {
		t.Errorf("resumed run's wall time %g s, its epochs took %g s", w, sum)
	}
	compared := 0
	for v := range runA.Store.IterVariables() {
		if strings.HasPrefix(v.Path(), "/trainer/") || strings.HasPrefix(v.Path(), "/metrics/") {
			continue // the loop's and the progress metrics' own bookkeeping
		}
		w := runB.Store.GetVariable(v.Path())
		if w == nil {
			t.Errorf("variable %s missing after resume", v.Path())
			continue
		}
		if !slices.Equal(rawBytes(v.MustValue()), rawBytes(w.MustValue())) {
			t.Errorf("variable %s differs between the straight and the resumed run", v.Path())
		}
		compared++
	}
	if compared < 5 {
		t.Errorf("only %d variables compared", compared)
	}
	if runA.Result.Final.Top1Error != runB.Result.Final.Top1Error {
		t.Errorf("final error %g vs %g", runA.Result.Final.Top1Error, runB.Result.Final.Top1Error)
	}
	if _, err := os.Stat(filepath.Join(splitDir, record.CheckpointFile)); err != nil {
		t.Error(err)
	}
	// Resuming a finished run trains nothing and reports it as done.
	again, err := Prepare(rest)
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Fit(); err != nil || !again.Result.Done || len(again.Result.History) != 6 {
		t.Errorf("resuming a finished run: %v, done=%v, %d epochs", err, again.Result.Done, len(again.Result.History))
	}
}

func TestBadConfigs(t *testing.T) {
	d := pointsData(t)
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{Data: d, LossType: "Hinge2"}, "unknown loss type"},
		{Config{Data: d, TrainRule: "Magic"}, "unknown train rule"},
		{Config{Data: d, ImbFactor: 1.5}, "outside (0, 1]"},
		{Config{Data: d, ImbFactor: -1}, "outside (0, 1]"},
		{Config{Data: d, Preset: "slow"}, "unknown preset"},
		{Config{Data: d, BatchSize: 1000}, "larger than"},
		{Config{Dataset: "svhn"}, "unknown dataset"},
		{Config{Data: d, ImbType: "zigzag"}, "unknown imbalance type"},
		{Config{Data: d, Backend: "tpu"}, "unknown backend"},
		{Config{Data: d, Arch: "vgg"}, "unknown architecture"},
		{Config{Data: &Data{Name: "x", Classes: []string{"a", "b"}, TrainPoints: d.TrainPoints, TestPoints: d.TestPoints}}, "class counts do not match"},
		{Config{Data: d, LossType: "LDAM", BatchSize: 16, Resume: true}, "--resume needs --out"},
	}
	for _, tc := range cases {
		_, err := Prepare(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("config %+v: error %v, want it to say %q", tc.cfg, err, tc.want)
		}
	}
}

func rawBytes(t *tensors.Tensor) []byte {
	var out []byte
	t.ConstBytes(func(b []byte) { out = slices.Clone(b) })
	return out
}

func TestImagesAndTextEndToEnd(t *testing.T) {
	// Tiny 8×8 images through the image loader (pad-crop-flip, normalization), a narrow
	// ResNet-32 with the cosine head and LDAM-DRW.
	imgs := datasets.RandomCIFAR(60, 4)
	imgs.Height, imgs.Width = 8, 8
	imgs.Pixels = imgs.Pixels[:60*8*8*3]
	info := datasets.InfoFor("cifar10")
	res, err := Train(Config{Data: &Data{Name: "tiny-images", Classes: imgs.Classes, TrainImages: imgs, TestImages: imgs, Info: info},
		Arch: "resnet32", Width: 0.25, LossType: "LDAM", TrainRule: "DRW", Epochs: 2, BatchSize: 16})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.History) != 2 || res.Final == nil || len(res.Final.PerClassError) != 10 || res.Params == 0 {
		t.Fatalf("image run: %d epochs, params %d", len(res.History), res.Params)
	}
	// A tiny text set through the BiLSTM.
	r := datasets.Reviews{Texts: []string{"good film", "bad film", "great good", "awful bad", "good", "bad"}, Labels: []int{1, 0, 1, 0, 1, 0}}
	v, _ := datasets.BuildVocab(r.Texts, 20)
	txt, _ := r.Encode("toy-text", v, 3)
	res, err = Train(Config{Data: &Data{Name: "toy-text", Classes: datasets.IMDBClasses, TrainText: txt, TestText: txt},
		LossType: "CE", Epochs: 2, BatchSize: 3, Arch: "bilstm"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Final == nil || len(res.Final.PerClassError) != 2 {
		t.Fatalf("text run: %+v", res.Final)
	}
}

func TestResumeRefusesAnotherConfiguration(t *testing.T) {
	d := pointsData(t)
	dir := t.TempDir()
	if _, err := Train(Config{Data: d, LossType: "LDAM", TrainRule: "DRW", Epochs: 3, BatchSize: 16, Out: dir, StopAfter: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := Prepare(Config{Data: d, LossType: "CE", TrainRule: "DRW", Epochs: 3, BatchSize: 16, Out: dir, Resume: true})
	if err == nil || !strings.Contains(err.Error(), "different configuration") {
		t.Errorf("resume with another loss: %v", err)
	}
}

func TestMemoryOptionsTrainTheSame(t *testing.T) {
	// Recomputing whole residual blocks in the backward pass instead of keeping their
	// activations must not change the training: bit for bit on the pure-Go backend (pinned
	// here; ONNX Runtime fuses the differing graphs differently, so there the weights agree only
	// to float32 rounding).
	imgs := datasets.RandomCIFAR(32, 6)
	imgs.Height, imgs.Width = 8, 8
	imgs.Pixels = imgs.Pixels[:32*8*8*3]
	var finals []float64
	var weights [][]byte
	options := []struct{ ckpt bool }{{false}, {true}}
	for _, o := range options {
		run, err := Prepare(Config{Data: &Data{Name: "tiny", Classes: imgs.Classes, TrainImages: imgs, TestImages: imgs, Info: datasets.InfoFor("cifar10")},
			Arch: "resnet32", Width: 0.25, LossType: "LDAM", Epochs: 2, BatchSize: 16, CheckpointBlocks: o.ckpt, Backend: "go"})
		if err != nil {
			t.Fatal(err)
		}
		if err := run.Fit(); err != nil {
			t.Fatal(err)
		}
		finals = append(finals, run.Result.History[1].TrainLoss)
		weights = append(weights, rawBytes(run.Store.GetVariable("/backbone/stage2_block4/conv2/weights").MustValue()))
	}
	for i := 1; i < len(options); i++ {
		if math.Abs(finals[0]-finals[i]) > 1e-5*math.Abs(finals[0]) {
			t.Errorf("training loss %g keeping everything and %g with %+v", finals[0], finals[i], options[i])
		}
		if len(weights[0]) == 0 || !slices.Equal(weights[0], weights[i]) {
			t.Errorf("the last convolution's weights differ with %+v", options[i])
		}
	}
}

func TestSameRunIgnoresMemoryOptions(t *testing.T) {
	base := Config{Dataset: "cifar10", LossType: "LDAM", TrainRule: "DRW", Preset: "quick"}
	for _, c := range []struct {
		name string
		edit func(*Config)
		same bool
	}{
		{"checkpoint blocks", func(c *Config) { c.CheckpointBlocks = true }, true},
		{"backend", func(c *Config) { c.Backend = "go:ops_sequential" }, true},
		{"loss", func(c *Config) { c.LossType = "CE" }, false},
		{"seed", func(c *Config) { c.Seed = 1 }, false},
	} {
		other := base
		c.edit(&other)
		if got := SameRun(base, other); got != c.same {
			t.Errorf("%s: SameRun = %v, want %v", c.name, got, c.same)
		}
	}
}

func TestFitWithProgressBarOverEpochs(t *testing.T) {
	// GoMLX's command-line progress bar panicked ("send on closed channel") on the second
	// epoch when one loop ran every epoch: ldam train crashed at epoch 2 outside notebooks.
	imgs := datasets.RandomCIFAR(16, 3)
	imgs.Height, imgs.Width = 8, 8
	imgs.Pixels = imgs.Pixels[:16*8*8*3]
	run, err := Prepare(Config{Data: &Data{Name: "tiny", Classes: imgs.Classes, TrainImages: imgs, TestImages: imgs, Info: datasets.InfoFor("cifar10")},
		Arch: "resnet32", Width: 0.25, LossType: "CE", Epochs: 3, BatchSize: 8, Progress: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Fit(); err != nil {
		t.Fatal(err)
	}
	if n := len(run.Result.History); n != 3 {
		t.Fatalf("%d epochs in the history, want 3", n)
	}
}

// TestBranchIsBitIdentical trains LDAM, then LDAM-DRW branched from LDAM's first-stage
// checkpoint, and checks that the branch equals LDAM-DRW trained from scratch.
func TestBranchIsBitIdentical(t *testing.T) {
	d := pointsData(t)
	base := Config{Data: d, LossType: "LDAM", Epochs: 6, BatchSize: 16, Seed: 3}
	ldam, branched := base, base
	ldam.TrainRule, ldam.Out = "None", t.TempDir()
	if _, err := Train(ldam); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(ldam.Out, record.Stage1File)); err != nil {
		t.Fatalf("no first-stage checkpoint: %v", err)
	}
	straight := base
	straight.TrainRule = "DRW"
	runA, err := Prepare(straight)
	if err != nil {
		t.Fatal(err)
	}
	if err := runA.Fit(); err != nil {
		t.Fatal(err)
	}
	branched.TrainRule, branched.Out, branched.BranchFrom = "DRW", t.TempDir(), ldam.Out
	runB, err := Prepare(branched)
	if err != nil {
		t.Fatal(err)
	}
	if runB.start != runA.cfg.preset.DeferEpoch || runB.start == 0 {
		t.Fatalf("branch starts at epoch %d, T0 = %d", runB.start, runA.cfg.preset.DeferEpoch)
	}
	if err := runB.Fit(); err != nil {
		t.Fatal(err)
	}
	for i, e := range runA.Result.History {
		f := runB.Result.History[i]
		if e.TrainLoss != f.TrainLoss || e.Test.Top1Error != f.Test.Top1Error || e.Reweighted != f.Reweighted {
			t.Errorf("epoch %d: straight loss %g err %g, branched loss %g err %g", i, e.TrainLoss, e.Test.Top1Error, f.TrainLoss, f.Test.Top1Error)
		}
	}
	if !runB.Result.Done || runB.Result.Config.TrainRule != "DRW" {
		t.Errorf("branched result: done %v, rule %s", runB.Result.Done, runB.Result.Config.TrainRule)
	}
	for v := range runA.Store.IterVariables() {
		if strings.HasPrefix(v.Path(), "/trainer/") || strings.HasPrefix(v.Path(), "/metrics/") {
			continue
		}
		if w := runB.Store.GetVariable(v.Path()); w == nil || !slices.Equal(rawBytes(v.MustValue()), rawBytes(w.MustValue())) {
			t.Errorf("variable %s differs between the straight and the branched run", v.Path())
		}
	}
	// Runs that differ before T0, or in more than the rule, cannot branch.
	for _, c := range []struct{ loss, rule, want string }{
		{"CE", "DRW", "more than the train rule"},
		{"LDAM", "Reweight", "train differently at epoch 0"},
	} {
		bad := base
		bad.LossType, bad.TrainRule, bad.Out, bad.BranchFrom = c.loss, c.rule, t.TempDir(), ldam.Out
		if _, err := Prepare(bad); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s/%s branched from LDAM: %v, want an error with %q", c.loss, c.rule, err, c.want)
		}
	}
}

// TestMemoryGuardStopsWithAMessage trains with a memory budget far too small: the run stops with
// an error that says what to change (the library never exits the process), and OnOutOfMemory
// hears the same error at once.
func TestMemoryGuardStopsWithAMessage(t *testing.T) {
	var heard atomic.Pointer[error]
	_, err := Train(Config{Data: pointsData(t), LossType: "CE", Epochs: 500, BatchSize: 16, MemoryLimit: 0.001, Out: t.TempDir(),
		OnOutOfMemory: func(err error) { heard.Store(&err) }})
	if err == nil {
		t.Fatal("the guard did not stop the run")
	}
	for _, want := range []string{"out of memory", "over its budget of 0.00 GB", "--batch-size (now 16)", "--micro_batches (now 1", "--resume"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q: %v", want, err)
		}
	}
	if h := heard.Load(); h == nil || (*h).Error() != err.Error() {
		t.Errorf("OnOutOfMemory heard %v, the run returned %v", h, err)
	}
}

// TestSAM: SAM (ρ > 0) still fits the easy mixture, takes other steps than SGD, and runs
// through batch norm and the convolutions of ResNet-32 (optim's test checks its update
// rule by hand).
func TestSAM(t *testing.T) {
	d := pointsData(t)
	base := Config{Data: d, LossType: "LDAM", TrainRule: "DRW", Epochs: 20, BatchSize: 84, LR: 0.1, Seed: 1}
	sgd, err := Train(base)
	if err != nil {
		t.Fatal(err)
	}
	sam := base
	sam.SAMRho = 0.05
	withSAM, err := Train(sam)
	if err != nil {
		t.Fatal(err)
	}
	h := withSAM.History
	if first, last := h[0].TrainLoss, h[len(h)-1].TrainLoss; !(last < 0.5*first) {
		t.Errorf("SAM: training loss %g → %g, did not halve", first, last)
	}
	if withSAM.Final.Top1Error > 0.3 {
		t.Errorf("SAM: balanced test error %g on an easy mixture", withSAM.Final.Top1Error)
	}
	if h[len(h)-1].TrainLoss == sgd.History[len(h)-1].TrainLoss {
		t.Error("SAM with ρ = 0.05 took exactly SGD's steps")
	}
	images := &Data{Name: "random", Classes: datasets.CIFAR10Classes, TrainImages: datasets.RandomCIFAR(32, 1), TestImages: datasets.RandomCIFAR(10, 2), Info: datasets.InfoFor("cifar10")}
	res, err := Train(Config{Data: images, LossType: "LDAM", TrainRule: "DRW", Epochs: 1, BatchSize: 16, Width: 0.25, Seed: 5, SAMRho: 0.8})
	if err != nil {
		t.Fatal(err)
	}
	if l := res.History[0].TrainLoss; math.IsNaN(l) || math.IsInf(l, 0) {
		t.Errorf("ResNet-32 with SAM: training loss %g", l)
	}
}

func TestAdam(t *testing.T) {
	d := pointsData(t)
	// One full batch: Adam's first step moves a parameter by lr·g/(|g|+ε) ≈ ±lr whatever the
	// size of its gradient g, never more; SGD's lr·g does not.
	const lr = 0.01
	run, err := Prepare(Config{Data: d, LossType: "CE", Optimizer: "adam", Epochs: 1, BatchSize: 84, LR: lr, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run.Evaluate(); err != nil { // initializes the variables
		t.Fatal(err)
	}
	before := map[string][]float32{}
	for v := range run.Store.IterVariables() {
		if v.Trainable && !strings.HasPrefix(v.Path(), "/optimizers/") {
			before[v.Path()] = slices.Clone(tensors.MustCopyFlatData[float32](v.MustValue()))
		}
	}
	if err := run.Fit(); err != nil {
		t.Fatal(err)
	}
	n, atLR := 0, 0
	for path, b := range before {
		a := tensors.MustCopyFlatData[float32](run.Store.GetVariable(path).MustValue())
		for i := range a {
			step := math.Abs(float64(a[i] - b[i]))
			if step > lr*1.001 {
				t.Fatalf("%s[%d] moved %g > lr %g in Adam's first step", path, i, step, lr)
			}
			n++
			if math.Abs(step-lr) < 0.01*lr {
				atLR++
			}
		}
	}
	// The rest get no gradient (ReLU units dead on the whole batch: only the decoupled weight
	// decay moves them) or one below ε.
	if n == 0 || atLR < n/2 {
		t.Errorf("%d of %d parameters moved by lr in Adam's first step; want most", atLR, n)
	}
	// Adam trains the mixture, records itself, and refuses SAM.
	res, err := Train(Config{Data: d, LossType: "LDAM", TrainRule: "DRW", Optimizer: "adam", Epochs: 30, BatchSize: 84, LR: lr, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if first, last := res.History[0].TrainLoss, res.History[29].TrainLoss; !(last < 0.5*first) || res.Final.Top1Error > 0.3 {
		t.Errorf("Adam: training loss %g → %g, balanced test error %g", first, last, res.Final.Top1Error)
	}
	if res.Preset.Optimizer != "adam" {
		t.Errorf("results record optimizer %q", res.Preset.Optimizer)
	}
	for _, bad := range []Config{{Data: d, Optimizer: "adagrad"}, {Data: d, Optimizer: "adam", SAMRho: 0.5}} {
		if _, err := Prepare(bad); err == nil || !strings.Contains(err.Error(), "--optimizer") {
			t.Errorf("%+v: error %v, want one naming --optimizer", bad, err)
		}
	}
}

func TestImbalancedTestSet(t *testing.T) {
	d := pointsData(t) // test split 30/30/30
	res, err := Train(Config{Data: d, LossType: "LDAM", TrainRule: "DRW", ImbFactor: 0.1, TestImbSeed: 2, Epochs: 4, BatchSize: 16, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	want, err := datasets.PermutedTestCounts(datasets.LongTailed, 30, 3, 0.1, 0.5, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Data.TestCounts; !slices.Equal(got, want) {
		t.Fatalf("test counts %v, want the permuted profile %v", got, want)
	}
	if sorted := slices.Sorted(slices.Values(want)); !slices.Equal(sorted, []int{3, 9, 30}) {
		t.Fatalf("permuted profile %v is not 30·0.1^(i/2) = 30, 9, 3 in some order", want)
	}
	margins, _ := losses.TestAwareMargins(res.Data.TrainCounts, want, 0.5)
	for j := range margins {
		if math.Abs(res.Margins[j]-margins[j]) > 1e-12 {
			t.Fatalf("margins %v, want Eq. 15's %v", res.Margins, margins)
		}
	}
	wrong := 0.0
	for j, e := range res.Final.PerClassError {
		wrong += e * float64(want[j])
	}
	if o := wrong / 42; math.Abs(res.Final.OverallError-o) > 1e-9 {
		t.Errorf("overall error %g, want Σ n'_j e_j / Σ n'_j = %g", res.Final.OverallError, o)
	}
	r := datasets.Reviews{Texts: []string{"good film", "bad film", "great good", "awful bad"}, Labels: []int{1, 0, 1, 0}}
	v, _ := datasets.BuildVocab(r.Texts, 20)
	txt, _ := r.Encode("toy-text", v, 3)
	_, err = Prepare(Config{Data: &Data{Name: "toy-text", Classes: datasets.IMDBClasses, TrainText: txt, TestText: txt}, TestImbSeed: 1})
	if err == nil || !strings.Contains(err.Error(), "--test_imb_seed") {
		t.Errorf("text data with an imbalanced test set: error %v, want one naming --test_imb_seed", err)
	}
}

func TestDatasetDefaults(t *testing.T) {
	cases := []struct {
		dataset        string
		maxM, imb      float64
		optimizer      string
		epochs, defers int
	}{
		{"cifar10", 0.5, 0.01, "sgd", 200, 160},
		{"inat2018", 0.3, 0.01, "sgd", 90, 60},
		{"imdb", 0.5, 0.1, "adam", 10, 8},
		{"tinyimagenet", 0.5, 0.01, "sgd", 120, 90},
	}
	for _, c := range cases {
		r, err := resolve(Config{Dataset: c.dataset, Preset: "paper"})
		if err != nil {
			t.Fatal(err)
		}
		if r.MaxMargin != c.maxM || r.ImbFactor != c.imb || r.preset.Optimizer != c.optimizer || r.preset.Epochs != c.epochs || r.preset.DeferEpoch != c.defers {
			t.Errorf("%s: Δ_max %g, imb_factor %g, %s, %d epochs, T0 %d", c.dataset, r.MaxMargin, r.ImbFactor, r.preset.Optimizer, r.preset.Epochs, r.preset.DeferEpoch)
		}
	}
}

// TestOneWriterPerRunDirectory: while a process trains into a run directory, a second one
// (here a second lock on it, as flock(2) treats separate opens) is refused with a message that
// names the holder's PID and host; once the first lets go, the directory can be taken again.
func TestOneWriterPerRunDirectory(t *testing.T) {
	dir := t.TempDir()
	first, err := record.LockRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	_, err = record.LockRun(dir)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("PID %d on host %s", os.Getpid(), host)) || !strings.Contains(err.Error(), "two processes") {
		t.Fatalf("second writer: %v", err)
	}
	// A run started on the locked directory stops before training.
	imgs := datasets.RandomCIFAR(16, 3)
	imgs.Height, imgs.Width = 8, 8
	imgs.Pixels = imgs.Pixels[:16*8*8*3]
	cfg := Config{Data: &Data{Name: "tiny", Classes: imgs.Classes, TrainImages: imgs, TestImages: imgs, Info: datasets.InfoFor("cifar10")},
		Arch: "resnet32", Width: 0.25, LossType: "CE", Epochs: 1, BatchSize: 8, Out: dir, Backend: "go"}
	if _, err := Train(cfg); err == nil || !strings.Contains(err.Error(), "being trained by") {
		t.Fatalf("training into a locked directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, record.ResultsFile)); err == nil {
		t.Error("the refused run wrote results.json")
	}
	first.Unlock()
	if _, err := Train(cfg); err != nil {
		t.Fatalf("after the first writer let go: %v", err)
	}
}

// TestResumeRefusesAnotherSelection: a checkpoint written on images chosen by another selection
// (an earlier build's) is not resumed or branched from: the same flags would continue on other
// data.
func TestResumeRefusesAnotherSelection(t *testing.T) {
	d := pointsData(t)
	out := t.TempDir()
	base := Config{Data: d, LossType: "LDAM", Epochs: 4, BatchSize: 16, Out: out, Resume: true, StopAfter: 3}
	if _, err := Train(base); err != nil {
		t.Fatal(err)
	}
	other := *d
	other.Selection = "another selection"
	again := base
	again.Data = &other
	if _, err := Prepare(again); err == nil || !strings.Contains(err.Error(), "another selection") {
		t.Errorf("resuming on another selection: %v", err)
	}
	branch := again
	branch.Out, branch.Resume, branch.BranchFrom, branch.TrainRule = t.TempDir(), false, out, "DRW"
	if _, err := Prepare(branch); err == nil || !strings.Contains(err.Error(), "another selection") {
		t.Errorf("branching on another selection: %v", err)
	}
	// The same selection resumes.
	if _, err := Prepare(base); err != nil {
		t.Errorf("resuming on the same selection: %v", err)
	}
}
