package experiment

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/ldam/backend"
	"github.com/ldamlab/ldamlab/ldam/backend/spec"
	"github.com/ldamlab/ldamlab/ldam/record"
)

// TestEvaluationSeesTrainedState: on every backend, the evaluation inside a training process
// must see the state the training reached — the same predictions as a fresh process that
// restores the checkpoint. The pure-Go backend (since compute v0.1.34) and ONNX Runtime make
// GoMLX freeze the variables of evaluation graphs as constants, so an evaluation compiled
// before the last step would answer for older weights (see refreshInference).
func TestEvaluationSeesTrainedState(t *testing.T) {
	for _, b := range []string{"go", "onnx"} {
		t.Run(b, func(t *testing.T) {
			if b == "onnx" {
				if !backend.ONNXCompiled() {
					t.Skip("ONNX Runtime needs a cgo build")
				}
				requireORT(t)
			}
			evaluationSeesTrainedState(t, b)
		})
	}
}

func evaluationSeesTrainedState(t *testing.T, be string) {
	data := &Data{Name: "random", Classes: datasets.CIFAR10Classes, TrainImages: datasets.RandomCIFAR(96, 1), TestImages: datasets.RandomCIFAR(40, 2), Info: datasets.InfoFor("cifar10")}
	cfg := Config{Data: data, LossType: "LDAM", TrainRule: "None", Epochs: 3, BatchSize: 16, Width: 0.25, Seed: 5, Backend: be, Out: t.TempDir()}
	run, err := Prepare(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Fit(); err != nil {
		t.Fatal(err)
	}
	inProcess, err := run.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Resume = true
	fresh, err := Prepare(cfg)
	if err != nil {
		t.Fatal(err)
	}
	restored, err := fresh.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(inProcess.Confusion, restored.Confusion, slices.Equal) {
		t.Fatalf("in-process evaluation %v differs from the restored checkpoint's %v", inProcess.Confusion, restored.Confusion)
	}
	// Weights loaded into a run that has evaluated already (Fig. 6 probes stage-1 checkpoints
	// so): its evaluation graph had the untrained batch-norm statistics as constants.
	other := cfg
	other.Resume, other.Out = false, ""
	untrained, err := Prepare(other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := untrained.Evaluate(); err != nil {
		t.Fatal(err)
	}
	if err := untrained.LoadWeights(filepath.Join(cfg.Out, record.CheckpointFile)); err != nil {
		t.Fatal(err)
	}
	loaded, err := untrained.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(loaded.Confusion, restored.Confusion, slices.Equal) {
		t.Fatalf("evaluation after LoadWeights %v differs from the restored checkpoint's %v", loaded.Confusion, restored.Confusion)
	}
}

// requireORT skips a test when ONNX Runtime's library is not installed, and fails it instead
// where LDAMLAB_REQUIRE_ONNX says it must be (.ci/run).
func requireORT(t *testing.T) {
	t.Helper()
	if spec.ORT.Installed() == "" && os.Getenv("ONNXRUNTIME_SHARED_LIBRARY_PATH") == "" {
		if os.Getenv("LDAMLAB_REQUIRE_ONNX") != "" {
			t.Fatal("the ONNX Runtime library is not installed: go run ./kernel install")
		}
		t.Skip("the ONNX Runtime library is not installed (go run ./kernel install)")
	}
}
