package models

import (
	"math"
	"slices"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// TestNCHWConvMatchesStridedConvolve checks convNCHW (a strided convolution computed at
// stride 1 and subsampled, or subsampled first for 1×1) against GoMLX's strided Convolve,
// channels-last, on the Go backend: values and gradients.
func TestNCHWConvMatchesStridedConvolve(t *testing.T) {
	backend := newBackend(t)
	cases := []struct {
		name          string
		B, C, H, W, O int
		k, s          int
	}{
		{"3×3 stride 2", 2, 3, 8, 8, 4, 3, 2},
		{"3×3 stride 2, odd size", 2, 3, 7, 9, 4, 3, 2},
		{"1×1 stride 2", 2, 4, 8, 8, 5, 1, 2},
		{"7×7 stride 2", 1, 3, 16, 16, 4, 7, 2},
		{"3×3 stride 1", 2, 3, 6, 6, 2, 3, 1},
	}
	for _, tc := range cases {
		x := normals(tc.B*tc.C*tc.H*tc.W, 1)
		kern := normals(tc.k*tc.k*tc.C*tc.O, 2)
		var ref [][]float32
		for _, form := range []string{"reference", "nchw"} {
			store := model.NewStore()
			exec, err := model.NewExec(backend, store, func(scope *model.Scope, x, k *Node) []*Node {
				var y *Node
				if form == "reference" {
					p := (tc.k - 1) / 2
					y = Convolve(TransposeAllAxes(x, 0, 2, 3, 1), k).Strides(tc.s).PaddingPerDim([][2]int{{p, p}, {p, p}}).Done()
					y = TransposeAllAxes(y, 0, 3, 1, 2)
				} else {
					y = convNCHW(scope, x, tc.O, tc.k, tc.s)
					k = store.GetVariable("/weights").NodeValue(x.Graph())
				}
				w := ConvertDType(Iota(x.Graph(), y.Shape(), -1), y.DType())
				loss := ReduceAllSum(Mul(Sin(Add(w, Iota(x.Graph(), y.Shape(), 1))), y))
				return append([]*Node{y}, Gradient(loss, x, k)...)
			})
			if err != nil {
				t.Fatal(err)
			}
			if form == "nchw" {
				// The variable is created on the first call: set it to the reference kernel.
				if _, err := exec.Call(tensors.FromFlatDataAndDimensions(x, tc.B, tc.C, tc.H, tc.W), tensors.FromFlatDataAndDimensions(kern, tc.k, tc.k, tc.C, tc.O)); err != nil {
					t.Fatal(err)
				}
				if err := store.GetVariable("/weights").SetValue(tensors.FromFlatDataAndDimensions(kern, tc.k, tc.k, tc.C, tc.O)); err != nil {
					t.Fatal(err)
				}
			}
			out, err := exec.Call(tensors.FromFlatDataAndDimensions(x, tc.B, tc.C, tc.H, tc.W), tensors.FromFlatDataAndDimensions(kern, tc.k, tc.k, tc.C, tc.O))
			if err != nil {
				t.Fatal(err)
			}
			var got [][]float32
			for _, o := range out {
				got = append(got, tensors.MustCopyFlatData[float32](o))
			}
			if ref == nil {
				ref = got
				continue
			}
			for i := range got {
				if len(got[i]) != len(ref[i]) {
					t.Fatalf("%s: output %d has %d values, want %d", tc.name, i, len(got[i]), len(ref[i]))
				}
				for j := range got[i] {
					if math.Abs(float64(got[i][j]-ref[i][j])) > 1e-4*(1+math.Abs(float64(ref[i][j]))) {
						t.Errorf("%s: output %d (value, dx, dkernel) differs at %d: %g, want %g", tc.name, i, j, got[i][j], ref[i][j])
						break
					}
				}
			}
		}
	}
}

// TestEvenKernelInputGradient records a GoMLX v0.28.8 bug that convNCHW avoids: the gradient of
// an unpadded convolution with a 2×2 kernel with respect to its input is shifted (for a 3×3
// input and a kernel of ones it should count how many windows cover each pixel). The test
// passes while the bug is there; when it fails, GoMLX has fixed it.
func TestEvenKernelInputGradient(t *testing.T) {
	exec := MustNewExec(newBackend(t), func(x, w *Node) *Node {
		return Gradient(ReduceAllSum(Convolve(x, w).NoPadding().Done()), x)[0]
	})
	ones := []float32{1, 1, 1, 1}
	out := exec.MustExec(tensors.FromFlatDataAndDimensions(make([]float32, 9), 1, 3, 3, 1), tensors.FromFlatDataAndDimensions(ones, 2, 2, 1, 1))
	got := tensors.MustCopyFlatData[float32](out[0])
	right := []float32{1, 2, 1, 2, 4, 2, 1, 2, 1}
	same := true
	for i := range got {
		same = same && got[i] == right[i]
	}
	if same {
		t.Fatal("GoMLX now computes the 2×2 convolution's input gradient right: convNCHW may use a space-to-depth formulation (2×2 kernels) again; update its comment and drop this test")
	}
}

// TestSubsampleNCHW: subsampleNCHW's value and gradient are those of GoMLX's strided Slice,
// also when the size is not a multiple of the stride.
func TestSubsampleNCHW(t *testing.T) {
	backend := newBackend(t)
	for _, tc := range []struct{ H, W, s int }{{8, 8, 2}, {7, 9, 2}, {7, 8, 3}} {
		x := normals(2*3*tc.H*tc.W, 4)
		var ref [][]float32
		for _, f := range []func(*Node) *Node{
			func(x *Node) *Node { return stridedSlice(x, 2, tc.s) },
			func(x *Node) *Node { return subsampleNCHW(x, tc.s) },
		} {
			exec := MustNewExec(backend, func(x *Node) []*Node {
				y := f(x)
				w := Sin(ConvertDType(Iota(x.Graph(), y.Shape(), -1), y.DType()))
				return []*Node{y, Gradient(ReduceAllSum(Mul(w, y)), x)[0]}
			})
			out := exec.MustCall(tensors.FromFlatDataAndDimensions(x, 2, 3, tc.H, tc.W))
			got := [][]float32{tensors.MustCopyFlatData[float32](out[0]), tensors.MustCopyFlatData[float32](out[1])}
			if ref == nil {
				ref = got
				continue
			}
			for i := range got {
				if !slices.Equal(got[i], ref[i]) {
					t.Errorf("%d×%d stride %d: output %d (value, gradient) differs from the strided Slice's", tc.H, tc.W, tc.s, i)
				}
			}
		}
	}
}

// TestReluNCHW: reluNCHW is max(x, 0) with PyTorch's gradient w·[x > 0] (zero at x = 0, where
// GoMLX's Max passes the gradient), computed in plain Go.
func TestReluNCHW(t *testing.T) {
	backend := newBackend(t)
	for _, tc := range []struct {
		name string
		x    []float32
	}{
		{"mixed signs and zeros", []float32{-2, -0.5, 0, 0, 0.25, 3, -1e-30, 1e-30}},
		{"all negative", []float32{-1, -2, -3, -4, -5, -6, -7, -8}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exec := MustNewExec(backend, func(x *Node) []*Node {
				y := reluNCHW(x)
				w := AddScalar(ConvertDType(Iota(x.Graph(), y.Shape(), -1), y.DType()), 1)
				return []*Node{y, Gradient(ReduceAllSum(Mul(w, y)), x)[0]}
			})
			out := exec.MustCall(tensors.FromFlatDataAndDimensions(tc.x, 1, 2, 2, 2))
			y, dx := tensors.MustCopyFlatData[float32](out[0]), tensors.MustCopyFlatData[float32](out[1])
			for i, v := range tc.x {
				wantY, wantDx := float32(0), float32(0)
				if v > 0 {
					wantY, wantDx = v, float32(i%2+1) // w = iota over the last axis (size 2) + 1
				}
				if y[i] != wantY || dx[i] != wantDx {
					t.Errorf("x=%g: relu %g, gradient %g; want %g, %g", v, y[i], dx[i], wantY, wantDx)
				}
			}
		})
	}
}
