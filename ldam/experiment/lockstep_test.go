package experiment

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"iter"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/train"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/ldam/optim"
	"github.com/ldamlab/ldamlab/ldam/reference"
)

// firstBatches is a train.Dataset of the first k batches of one epoch of a loader, kept so
// that the same batches can be sent to the reference.
type firstBatches struct {
	ds      *datasets.Loader
	epoch   int
	k       int
	batches []train.Batch
}

func (f *firstBatches) Name() string { return f.ds.Name() }

func (f *firstBatches) Iter() iter.Seq2[train.Batch, error] {
	return func(yield func(train.Batch, error) bool) {
		f.ds.SetEpoch(f.epoch)
		n := 0
		for b, err := range f.ds.Iter() {
			if err != nil {
				yield(b, err)
				return
			}
			f.batches = append(f.batches, b)
			if !yield(b, nil) {
				return
			}
			if n++; n == f.k {
				return
			}
		}
	}
}

type wireArray struct {
	Shape []int  `json:"shape"`
	Data  string `json:"data"`
}

func wire(t *tensors.Tensor) wireArray {
	f := tensors.MustCopyFlatData[float32](t)
	b := make([]byte, 4*len(f))
	for i, x := range f {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return wireArray{Shape: t.Shape().Dimensions, Data: base64.StdEncoding.EncodeToString(b)}
}

// TestTrainingStepsMatchTheOfficialRecipe trains our run and the reference's PyTorch model of
// the official code in lockstep: from our run's initial weights, on the batches our loader
// yields (shuffled, cropped, flipped, normalized, in order), eight steps of our trainer — GoMLX's
// train loop, optim.SGD with momentum and weight decay, the learning rate as the schedule sets
// it, the loss with its class weights — give the official recipe's loss at every step. The
// one-step test checks the model and the loss; this one checks that training strings them
// together as the official code does (a lost momentum buffer, a rate or weight applied to the
// wrong step, batch norms left in the wrong mode would show here). The full-scale check, one
// lite epoch of CIFAR-10-LT, is reported in reference/RECONCILIATION.md.
func TestTrainingStepsMatchTheOfficialRecipe(t *testing.T) {
	if err := reference.Available(); err != nil {
		if os.Getenv("LDAMLAB_REQUIRE_TORCH") != "" {
			t.Fatalf("LDAMLAB_REQUIRE_TORCH is set: %v", err)
		}
		t.Skip(err)
	}
	for _, tc := range []struct{ loss, rule string }{{"CE", "Reweight"}, {"LDAM", "None"}} {
		t.Run(tc.loss+"-"+tc.rule, func(t *testing.T) { lockstep(t, tc.loss, tc.rule) })
	}
}

func lockstep(t *testing.T, lossType, rule string) {
	const classes, steps = 10, 7 // 401 images in batches of 64: six full ones and one of 17
	// A long-tailed set of random images with a class-dependent tint (something to learn).
	counts := []int{160, 96, 58, 35, 21, 13, 8, 5, 3, 2}
	var n int
	for _, c := range counts {
		n += c
	}
	imgs := randomImages("cifar10", classes, 1, 32, 32, 3)
	imgs.Pixels, imgs.Labels = make([]uint8, n*32*32*3), make([]int, 0, n)
	for j, c := range counts {
		for range c {
			imgs.Labels = append(imgs.Labels, j)
		}
	}
	src := randomImages("cifar10", 1, n, 32, 32, 3).Pixels
	for i := range imgs.Pixels {
		y := imgs.Labels[i/(32*32*3)]
		imgs.Pixels[i] = uint8((int(src[i]) + 25*y*(1+i%3)) % 256)
	}
	test := randomImages("cifar10", classes, 2, 32, 32, 3)
	test.Classes = imgs.Classes
	run, err := Prepare(Config{Dataset: "cifar10", Preset: "quick", LossType: lossType, TrainRule: rule, ImbFactor: 1, Seed: 3,
		LR: 0.002, BatchSize: 64, Data: &Data{Name: "cifar10", Classes: imgs.Classes, TrainImages: imgs, TestImages: test, Info: datasets.InfoFor("cifar10")}})
	if err != nil {
		t.Fatal(err)
	}
	// Our initial weights, as the first training graph creates them.
	lr := run.cfg.preset.LR(0)
	if err := optim.SetLearningRate(run.Store, lr); err != nil {
		t.Fatal(err)
	}
	weights := run.Plan.ClassWeights(0)
	w32 := make([]float32, len(weights))
	for i, v := range weights {
		w32[i] = float32(v)
	}
	if err := run.Store.GetVariable(classWeightsVar).SetValue(tensors.FromValue(w32)); err != nil {
		t.Fatal(err)
	}
	if _, err := run.Evaluate(); err != nil { // creates and initializes the variables
		t.Fatal(err)
	}
	vars := map[string]wireArray{}
	for v := range run.Store.IterVariables() {
		val := v.MustValue()
		if val.DType() == dtypes.Float32 && val.Shape().Rank() > 0 && !strings.HasPrefix(v.Path(), "/ldam/") && !strings.HasPrefix(v.Path(), "/optimizers") {
			vars[v.Path()] = wire(val)
		}
	}
	// Our steps.
	ds := &firstBatches{ds: run.trainDS, k: steps}
	var ours []float64
	loop := train.NewLoop(run.trainer)
	loop.OnStep("lockstep", 0, func(_ *train.Loop, m []*tensors.Tensor) error {
		ours = append(ours, scalar(m[0]))
		return nil
	})
	if _, err := loop.RunEpochs(ds, 1); err != nil {
		t.Fatal(err)
	}
	if len(ours) != steps {
		t.Fatalf("%d steps trained, want %d", len(ours), steps)
	}
	// The reference's steps on the same batches.
	type wireBatch struct {
		Images wireArray `json:"images"`
		Labels []int32   `json:"labels"`
	}
	var batches []wireBatch
	for _, b := range ds.batches {
		batches = append(batches, wireBatch{wire(b.Inputs[0]), tensors.MustCopyFlatData[int32](b.Labels[0])})
	}
	in := map[string]any{"loss_type": lossType, "classes": classes, "width": 1.0, "counts": counts, "weights": weights,
		"lr": lr, "momentum": run.cfg.preset.Momentum, "weight_decay": run.cfg.preset.WeightDecay, "variables": vars, "batches": batches}
	dir := t.TempDir()
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "in.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", reference.Script)
	if msg, err := exec.Command(reference.Python(), script, "--steps", filepath.Join(dir, "in.json"), "--steps_out", filepath.Join(dir, "out.json")).CombinedOutput(); err != nil {
		t.Fatalf("reference --steps: %v\n%s", err, msg)
	}
	var ref struct {
		Losses  []float64 `json:"losses"`
		Float64 []float64 `json:"float64"`
	}
	if b, err = os.ReadFile(filepath.Join(dir, "out.json")); err == nil {
		err = json.Unmarshal(b, &ref)
	}
	if err != nil {
		t.Fatal(err)
	}
	// Float32 rounding differs between the two (our gradients are a few times further from the
	// float64 step than PyTorch's: TestOneStepMatchesTheOfficialModel), and training amplifies it
	// step by step: measured here, our loss is within 3e-4 of the float64 trajectory for five
	// steps and within 2e-3 for seven. Changes of the recipe measured against the same run:
	// without momentum 2e-2 from step 3 (CE) and 4e-2 from step 2 (LDAM), momentum 0.85 instead
	// of 0.9 2e-3, the rate ×1.05 2e-3 (CE, step 3) and 3e-3 (LDAM, step 1), no class weights
	// 0.5 at step 0. (Weight decay moves seven steps by less than rounding: TestMatchesTorchSGD
	// in package optim checks it.)
	for i := range ours {
		exact := ref.Float64[i]
		here, torch := math.Abs(ours[i]-exact)/exact, math.Abs(ref.Losses[i]-exact)/exact
		tol := 1e-3
		if i >= 5 {
			tol = 1e-2
		}
		if here > tol {
			t.Errorf("step %d: loss %.6f here, %.6f in the official recipe (float64; %.6f in float32): %.1e apart, more than %.0e", i, ours[i], exact, ref.Losses[i], here, tol)
		}
		t.Logf("step %d: loss %.6f here, official %.6f (float32) and %.6f (float64): relative errors %.1e here, %.1e PyTorch's", i, ours[i], ref.Losses[i], exact, here, torch)
	}
}
