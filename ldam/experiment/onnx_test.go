//go:build cgo

package experiment

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/ldam/ckpt"
	"github.com/ldamlab/ldamlab/ldam/record"
)

// TestTrainingAgreesAcrossBackends trains ResNet-32 (LDAM-DRW, cosine head) for one epoch on
// the Go backend, copies its checkpoint, continues one epoch on Go and one on ONNX Runtime from
// the same checkpoint (so checkpoints move between backends), and compares the losses, the
// test error and every variable. An epoch is one step (batch 64 of 64 images): over several
// steps at learning rate 0.1 the engines' rounding differences grow past any fixed tolerance on
// some CPUs. With SAM (ρ = 0.5, as the ERM-DRW-SAM row) the step takes a second gradient at
// the perturbed weights through the hand-written gradients of both formulations (agreement
// only: TestSAMMatchesHandComputation checks SAM's step itself).

func TestTrainingAgreesAcrossBackends(t *testing.T) {
	requireORT(t)
	for _, rho := range []float64{0, 0.5} {
		t.Run(fmt.Sprintf("SAM ρ=%g", rho), func(t *testing.T) { trainingAgreesAcrossBackends(t, rho) })
	}
}

func trainingAgreesAcrossBackends(t *testing.T, samRho float64) {
	data := &Data{Name: "random", Classes: datasets.CIFAR10Classes, TrainImages: datasets.RandomCIFAR(64, 1), TestImages: datasets.RandomCIFAR(20, 2), Info: datasets.InfoFor("cifar10")}
	base := Config{Data: data, LossType: "LDAM", TrainRule: "DRW", Epochs: 4, BatchSize: 64, Width: 0.25, Seed: 5, Backend: "go", StopAfter: 1, Resume: true, SAMRho: samRho}
	first := base
	first.Out = t.TempDir()
	if _, err := Train(first); err != nil {
		t.Fatal(err)
	}
	runs := map[string]*Run{}
	// "go-nchw" is the Go backend with the ResNet in ONNX Runtime's NCHW formulation: its
	// difference from "go" is float32 rounding alone, the yardstick for the engines' difference
	// below.
	for _, b := range []string{"go", "onnx:cpu", "go-nchw"} {
		cfg := base
		cfg.Backend, cfg.Out = b, t.TempDir()
		if b == "go-nchw" {
			cfg.Backend, cfg.NCHW = "go", true
		}
		src, err := os.ReadFile(filepath.Join(first.Out, record.CheckpointFile))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cfg.Out, record.CheckpointFile), src, 0o644); err != nil {
			t.Fatal(err)
		}
		run, err := Prepare(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if run.start != 1 {
			t.Fatalf("%s: resumed at epoch %d, want 1", b, run.start)
		}
		err = run.Fit()
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		runs[b] = run
	}
	g, o := runs["go"].Result, runs["onnx:cpu"].Result
	if o.Backend == g.Backend {
		t.Fatalf("both runs on %q", g.Backend)
	}
	eg, eo := g.History[1], o.History[1]
	if math.Abs(eg.TrainLoss-eo.TrainLoss) > 1e-3*(1+math.Abs(eg.TrainLoss)) {
		t.Errorf("epoch 1 training loss: Go %g, ONNX %g", eg.TrainLoss, eo.TrainLoss)
	}
	if eg.Test.Top1Error != eo.Test.Top1Error {
		t.Errorf("epoch 1 test error: Go %g, ONNX %g", eg.Test.Top1Error, eo.Test.Top1Error)
	}
	// Every variable, as both runs saved it.
	read := func(r *Run) map[string][]float32 {
		vals := map[string][]float32{}
		for v := range r.Store.IterVariables() {
			if v.Shape().DType.String() == "Float32" && !strings.HasPrefix(v.Path(), "/metrics/") { // metrics are per trainer
				vals[v.Path()] = tensors.MustCopyFlatData[float32](v.MustValue())
			}
		}
		return vals
	}
	vg, vo, vm := read(runs["go"]), read(runs["onnx:cpu"]), read(runs["go-nchw"])
	if len(vg) == 0 || len(vg) != len(vo) {
		t.Fatalf("%d variables on Go, %d on ONNX", len(vg), len(vo))
	}
	for name, a := range vg {
		b, ok := vo[name]
		if !ok || len(b) != len(a) {
			t.Errorf("variable %s: %d values on Go, %d on ONNX", name, len(a), len(b))
			continue
		}
		// Relative to the variable's largest value. The momentum buffers hold the step's
		// gradients, and a batch norm's (and a convolution's) gradients are sums over 64×32×32
		// terms that nearly cancel: float32 rounding moves them by about 1 % of their scale
		// between two formulations on the Go backend itself (go-nchw), and the
		// engines' difference must stay within 3 times that. The weights move by lr times the
		// buffers. A wrong gradient differs by O(1).
		scale, ref := 0.0, 0.0
		for i, v := range a {
			scale = max(scale, math.Abs(float64(v)))
			ref = max(ref, math.Abs(float64(v-vm[name][i])))
		}
		tol := max(5e-3*(1+scale), 3*ref)
		for i := range a {
			if math.Abs(float64(a[i]-b[i])) > tol {
				t.Errorf("%s[%d]: Go %g, ONNX %g (largest value %g; Go in the NCHW formulation differs by up to %g)", name, i, a[i], b[i], scale, ref)
				break
			}
		}
	}
	// The ONNX run's checkpoint restores on the Go backend.
	var st state
	other := base
	other.Out = t.TempDir()
	run, err := Prepare(other)
	if err != nil {
		t.Fatal(err)
	}
	if err := ckpt.Load(filepath.Join(runs["onnx:cpu"].cfg.Out, record.CheckpointFile), run.Store, &st); err != nil {
		t.Fatal(err)
	}
	if st.NextEpoch != 2 {
		t.Errorf("the ONNX checkpoint is at epoch %d, want 2", st.NextEpoch)
	}
}

// TestFreshRunsAgreeAcrossBackends: the same seed starts from the same weights on every engine
// (initializeOnGo), so fresh runs agree — to float32 rounding for the MLP on a Gaussian
// mixture, and for ResNet-32 within a small tolerance or 3 times the difference between its two
// formulations on the Go backend alone (NHWC and NCHW: float32 rounding order, which eight
// LDAM steps at learning rate 0.1 amplify).
func TestFreshRunsAgreeAcrossBackends(t *testing.T) {
	requireORT(t)
	train, _ := datasets.GaussianMixture(datasets.RingMeans(3, 2, 3), 0.5, []int{200, 40, 8}, 1)
	test, _ := datasets.GaussianMixture(datasets.RingMeans(3, 2, 3), 0.5, []int{50, 50, 50}, 2)
	images := &Data{Name: "random", Classes: datasets.CIFAR10Classes, TrainImages: datasets.RandomCIFAR(64, 1), TestImages: datasets.RandomCIFAR(20, 2), Info: datasets.InfoFor("cifar10")}
	cases := []struct {
		name string
		cfg  Config
		tol  float64
	}{
		{"mlp", Config{Data: &Data{Name: "mixture", Classes: train.Classes, TrainPoints: train, TestPoints: test}, Arch: "mlp", LossType: "CE", Epochs: 3, BatchSize: 32, Preset: "paper", Seed: 1}, 1e-5},
		// Ten epochs: the learning rate decays at 8 and 9 and DRW's weights switch on at 8.
		{"mlp LDAM-DRW", Config{Data: &Data{Name: "mixture", Classes: train.Classes, TrainPoints: train, TestPoints: test}, Arch: "mlp", LossType: "LDAM", TrainRule: "DRW", Epochs: 10, BatchSize: 32, Preset: "paper", Seed: 1}, 1e-4},
		{"resnet32", Config{Data: images, LossType: "LDAM", TrainRule: "DRW", Epochs: 2, BatchSize: 16, Width: 0.25, Seed: 5}, 5e-3},
	}
	for _, tc := range cases {
		var losses [][]float64
		for _, b := range []string{"go", "onnx:cpu", "go-nchw"} {
			cfg := tc.cfg
			cfg.Backend = b
			if b == "go-nchw" {
				cfg.Backend, cfg.NCHW = "go", true
			}
			res, err := Train(cfg)
			if err != nil {
				t.Fatalf("%s on %s: %v", tc.name, b, err)
			}
			var l []float64
			for _, e := range res.History {
				l = append(l, e.TrainLoss)
			}
			losses = append(losses, l)
		}
		for i := range losses[0] {
			spread := 0.0 // the MLP has one formulation: the two Go runs are identical
			if tc.name == "resnet32" {
				spread = math.Abs(losses[0][i] - losses[2][i])
			}
			if d := math.Abs(losses[0][i] - losses[1][i]); d > max(tc.tol*(1+math.Abs(losses[0][i])), 3*spread) {
				t.Errorf("%s epoch %d: training loss %g on Go, %g on ONNX (Go in NCHW: %g)", tc.name, i, losses[0][i], losses[1][i], losses[2][i])
			}
		}
	}
}

// TestBiLSTMDefaultsToGo: where ONNX Runtime is the default engine, the BiLSTM still runs on the
// Go backend unless --backend names ONNX Runtime.
func TestBiLSTMDefaultsToGo(t *testing.T) {
	requireORT(t)
	t.Setenv("GOMLX_BACKEND", "onnx:cpu") // as the kernelspec sets it
	r := datasets.Reviews{Texts: []string{"good film", "bad film", "great good", "awful bad"}, Labels: []int{1, 0, 1, 0}}
	v, _ := datasets.BuildVocab(r.Texts, 20)
	txt, _ := r.Encode("toy-text", v, 3)
	data := &Data{Name: "toy-text", Classes: datasets.IMDBClasses, TrainText: txt, TestText: txt}
	for _, c := range []struct{ flag, want string }{{"", "Go"}, {"onnx", "onnx"}} {
		run, err := Prepare(Config{Data: data, Arch: "bilstm", Epochs: 1, BatchSize: 2, Backend: c.flag})
		if err != nil {
			t.Fatal(err)
		}
		if got := run.Result.Backend; !strings.HasPrefix(strings.ToLower(got), strings.ToLower(c.want)) {
			t.Errorf("--backend %q: the BiLSTM runs on %q, want %s", c.flag, got, c.want)
		}
	}
	// A convolutional network keeps the default engine.
	run, err := Prepare(Config{Data: &Data{Name: "random", Classes: datasets.CIFAR10Classes, TrainImages: datasets.RandomCIFAR(20, 1), TestImages: datasets.RandomCIFAR(10, 2), Info: datasets.InfoFor("cifar10")}, Epochs: 1, BatchSize: 4, Width: 0.25})
	if err != nil {
		t.Fatal(err)
	}
	if got := run.Result.Backend; !strings.HasPrefix(got, "onnx") {
		t.Errorf("ResNet-32 runs on %q with GOMLX_BACKEND=onnx:cpu", got)
	}
}
