package experiment

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/train"
)

func TestSplitBatch(t *testing.T) {
	ints := func(n int) []int32 {
		v := make([]int32, n)
		for i := range v {
			v[i] = int32(i)
		}
		return v
	}
	floats := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(i)
		}
		return v
	}
	for _, c := range []struct {
		name            string
		batch           train.Batch
		k               int
		wantParts, size int
		wantErr         string
	}{
		{"images", train.Batch{Inputs: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(floats(8*2*3), 8, 2, 3)},
			Labels: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(ints(8), 8)}}, 4, 4, 2, ""},
		{"text and lengths, remainder left out", train.Batch{Inputs: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(ints(7*5), 7, 5),
			tensors.FromFlatDataAndDimensions(ints(7), 7)}, Labels: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(ints(7), 7)}}, 3, 3, 2, ""},
		{"fewer examples than micro-batches", train.Batch{Inputs: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(floats(2), 2)},
			Labels: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(ints(2), 2)}}, 4, 0, 0, ""},
		{"float64 refused", train.Batch{Inputs: []*tensors.Tensor{tensors.FromFlatDataAndDimensions([]float64{1, 2}, 2)},
			Labels: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(ints(2), 2)}}, 2, 0, 0, "not supported"},
		{"mismatched batch axis", train.Batch{Inputs: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(floats(6), 3, 2)},
			Labels: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(ints(2), 2)}}, 2, 0, 0, "cannot split"},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The expected pieces, read before splitBatch finalizes the batch.
			var whole [][]float64
			for _, x := range append(append([]*tensors.Tensor{}, c.batch.Inputs...), c.batch.Labels...) {
				var v []float64
				switch x.DType().String() {
				case "Float32":
					for _, f := range tensors.MustCopyFlatData[float32](x) {
						v = append(v, float64(f))
					}
				case "Int32":
					for _, f := range tensors.MustCopyFlatData[int32](x) {
						v = append(v, float64(f))
					}
				}
				whole = append(whole, v)
			}
			parts, err := splitBatch(c.batch, c.k)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil || len(parts) != c.wantParts {
				t.Fatalf("%d parts, %v; want %d", len(parts), err, c.wantParts)
			}
			for m, p := range parts {
				all := append(append([]*tensors.Tensor{}, p.Inputs...), p.Labels...)
				for j, x := range all {
					if x.Shape().Dimensions[0] != c.size {
						t.Fatalf("part %d tensor %d has shape %s, want %d examples", m, j, x.Shape(), c.size)
					}
					per := x.Shape().Size() / c.size
					for i := 0; i < x.Shape().Size(); i++ {
						var got float64
						if x.DType().String() == "Float32" {
							got = float64(tensors.MustCopyFlatData[float32](x)[i])
						} else {
							got = float64(tensors.MustCopyFlatData[int32](x)[i])
						}
						if want := whole[j][m*c.size*per+i]; got != want {
							t.Fatalf("part %d tensor %d value %d = %g, want %g (examples in order)", m, j, i, got, want)
						}
					}
				}
			}
		})
	}
}

// TestMicroBatchesTrainAsWholeBatches trains the MLP (no batch norm) with plain cross-entropy
// for five epochs at batch 84, once in whole batches and once as 4 micro-batches of 21 with
// accumulated gradients: on each backend the two end with the same parameters (up to float32
// summation order), so the accumulation, the update after every fourth step and the reset of
// the accumulators are right, and (on ONNX Runtime) no executable answers for stale weights.
func TestMicroBatchesTrainAsWholeBatches(t *testing.T) {
	for _, be := range []string{"go", "onnx:cpu"} {
		t.Run(be, func(t *testing.T) {
			if be != "go" {
				requireORT(t)
			}
			d := pointsData(t)
			train := func(k int) (*Run, *Result) {
				run, err := Prepare(Config{Data: d, LossType: "CE", TrainRule: "None", Epochs: 5, BatchSize: 84, LR: 0.1, Seed: 3, Backend: be, MicroBatches: k})
				if err != nil {
					t.Fatal(err)
				}
				if err := run.Fit(); err != nil {
					t.Fatal(err)
				}
				return run, run.Result
			}
			whole, rw := train(1)
			micro, rm := train(4)
			if rm.Config.MicroBatches != 4 || rw.Config.MicroBatches != 1 {
				t.Fatalf("results record %d and %d micro-batches", rw.Config.MicroBatches, rm.Config.MicroBatches)
			}
			n := 0
			for v := range whole.Store.IterVariables() {
				if !v.Trainable {
					continue
				}
				a := tensors.MustCopyFlatData[float32](v.MustValue())
				b := tensors.MustCopyFlatData[float32](micro.Store.GetVariable(v.Path()).MustValue())
				scale := 0.0
				for _, x := range a {
					scale = math.Max(scale, math.Abs(float64(x)))
				}
				for i := range a {
					if math.Abs(float64(a[i]-b[i])) > 1e-4*(1+scale) {
						t.Fatalf("%s[%d]: whole batches %g, micro-batches %g", v.Path(), i, a[i], b[i])
					}
				}
				n++
			}
			if n == 0 {
				t.Fatal("no trainable variables compared")
			}
			if math.Abs(rw.Final.Top1Error-rm.Final.Top1Error) > 1e-9 || rw.History[0].TrainLoss == rw.History[4].TrainLoss {
				t.Errorf("test error whole %g, micro %g; training loss %g → %g", rw.Final.Top1Error, rm.Final.Top1Error, rw.History[0].TrainLoss, rw.History[4].TrainLoss)
			}
		})
	}
}

func TestMicroBatchesConfig(t *testing.T) {
	for _, c := range []struct {
		name    string
		cfg     Config
		want    int
		wantErr string
	}{
		{"ResNet-18 on a CPU backend", Config{Dataset: "tinyimagenet", Backend: "go"}, DefaultResNet18MicroBatches, ""},
		{"ResNet-32", Config{Dataset: "cifar10", Backend: "go"}, 1, ""},
		{"explicit", Config{Dataset: "cifar10", Backend: "go", MicroBatches: 2}, 2, ""},
		{"ResNet-18 told not to", Config{Dataset: "tinyimagenet", Backend: "go", MicroBatches: 1}, 1, ""},
		{"negative", Config{Dataset: "cifar10", Backend: "go", MicroBatches: -1}, 0, "negative"},
		{"not a divisor", Config{Dataset: "cifar10", Backend: "go", MicroBatches: 3}, 0, "does not divide the batch of 128"},
		{"with SAM", Config{Dataset: "cifar10", Backend: "go", MicroBatches: 2, SAMRho: 0.8}, 0, "SAM perturbs"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Effective(c.cfg)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil || got.MicroBatches != c.want {
				t.Fatalf("MicroBatches = %d, %v; want %d", got.MicroBatches, err, c.want)
			}
		})
	}
	if SameRun(Config{Dataset: "cifar10"}, Config{Dataset: "cifar10", MicroBatches: 2}) {
		t.Error("runs with and without micro-batches are the same run; batch norm sees other batches")
	}
}
