//go:build cgo

package models

import (
	"math"
	"os"
	"testing"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ldamlab/ldamlab/ldam/backend"
	"github.com/ldamlab/ldamlab/ldam/backend/spec"
)

// onnxBackend starts ONNX Runtime with the installed library ($LDAMLAB_REQUIRE_ONNX makes its
// absence a failure, as in CI after `kernel install`).
func onnxBackend(t *testing.T) compute.Backend {
	t.Helper()
	if spec.ORT.Installed() == "" && os.Getenv("ONNXRUNTIME_SHARED_LIBRARY_PATH") == "" {
		if os.Getenv("LDAMLAB_REQUIRE_ONNX") != "" {
			t.Fatal("the ONNX Runtime library is not installed: go run ./kernel install")
		}
		t.Skip("the ONNX Runtime library is not installed (go run ./kernel install)")
	}
	b, err := backend.New("onnx:cpu")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestModelsAgreeAcrossBackends computes every network's logits and the gradients of a loss
// with respect to all its trainable variables, in training mode (batch statistics), on the
// pure-Go backend and on ONNX Runtime from the same variables, and compares them.
func TestModelsAgreeAcrossBackends(t *testing.T) {
	onnx := onnxBackend(t)
	goB := newBackend(t)
	images := func(b, h, w, c int) []*tensors.Tensor {
		return []*tensors.Tensor{tensors.FromFlatDataAndDimensions(normals(b*h*w*c, 7), b, h, w, c)}
	}
	cases := []struct {
		name   string
		cfg    Config
		inputs []*tensors.Tensor
		// eval uses the running statistics: ResNet-50 on 32×32 images ends at 1×1, where batch
		// statistics over 2 examples amplify float32 rounding beyond any tolerance.
		eval bool
	}{
		{"resnet32 linear", Config{Arch: ResNet32, Classes: 10, Width: 0.5}, images(4, 16, 16, 3), false},
		{"resnet32 cosine", Config{Arch: ResNet32, Classes: 10, Width: 0.5, Cosine: true}, images(4, 16, 16, 3), false},
		{"resnet18", Config{Arch: ResNet18, Classes: 20, Width: 0.125}, images(4, 64, 64, 3), false},
		{"resnet50", Config{Arch: ResNet50A, Classes: 10}, images(2, 32, 32, 3), true},
		{"sphere cnn", Config{Arch: Sphere, Classes: 10, Cosine: true, FeatureDim: 3}, images(4, 28, 28, 1), false},
		{"bilstm", Config{Arch: BiLSTM, Classes: 2, Vocab: 50}, []*tensors.Tensor{
			tensors.FromFlatDataAndDimensions([]int32{3, 4, 5, 0, 7, 8, 0, 0, 9, 9, 9, 9}, 3, 4),
			tensors.FromFlatDataAndDimensions([]int32{3, 2, 4}, 3)}, false},
		{"mlp", Config{Arch: MLPArch, Classes: 3, Hidden: []int{8}}, []*tensors.Tensor{tensors.FromFlatDataAndDimensions(normals(10, 3), 5, 2)}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if testing.Short() && tc.cfg.Arch == ResNet50A {
				t.Skip("ResNet-50 in -short")
			}
			net, err := New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			store := model.NewStore()
			store.SetParam(model.ParamInitialSeed, int64(3))
			var names []string
			run := func(b compute.Backend) [][]float32 {
				exec, err := model.NewExec(b, store, func(scope *model.Scope, in []*Node) []*Node {
					g := in[0].Graph()
					scope.Store().SetTraining(g, !tc.eval)
					logits, _ := net(scope.In("net"), in)
					loss := ReduceAllSum(Square(logits))
					var vars []*Node
					if names == nil {
						for v := range store.IterVariables() {
							if v.Trainable {
								names = append(names, v.Path())
							}
						}
					}
					for _, n := range names {
						vars = append(vars, store.GetVariable(n).NodeValue(g))
					}
					return append([]*Node{logits}, Gradient(loss, vars...)...)
				})
				if err != nil {
					t.Fatal(err)
				}
				args := make([]any, len(tc.inputs))
				for i, x := range tc.inputs {
					c, err := x.LocalClone()
					if err != nil {
						t.Fatal(err)
					}
					args[i] = c
				}
				out, err := exec.Call(args...)
				if err != nil {
					t.Fatal(err)
				}
				var got [][]float32
				for _, o := range out {
					got = append(got, tensors.MustCopyFlatData[float32](o))
				}
				return got
			}
			// Building on the Go backend creates and initializes the variables; the ONNX
			// graph then reads the same values. Running the Go graph twice would update the
			// batch norms' running averages only, which the training outputs do not use.
			want := run(goB)
			for v := range store.IterVariables() {
				if err := v.MustValue().ToLocal(); err != nil { // detached from the Go backend, so ONNX can take it
					t.Fatal(err)
				}
			}
			got := run(onnx)
			if len(got) != len(want) || len(got) < 2 {
				t.Fatalf("%d outputs on ONNX, %d on Go", len(got), len(want))
			}
			for i := range want {
				scale := 0.0
				for _, v := range want[i] {
					scale = max(scale, math.Abs(float64(v)))
				}
				for j := range want[i] {
					if d := math.Abs(float64(got[i][j] - want[i][j])); d > 1e-3*(1+scale) {
						what := "logits"
						if i > 0 {
							what = "gradient of " + names[i-1]
						}
						t.Fatalf("%s differs at %d: ONNX %g, Go %g (scale %g)", what, j, got[i][j], want[i][j], scale)
					}
				}
			}
		})
	}
}
