package models

import (
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// plainLSTM is the LSTM cell of LSTM written with differentiable graph ops only (GoMLX's
// autodiff gives its gradients): the reference for the hand-written backward pass.
func plainLSTM(x, wx, wh, b *Node, H int) *Node {
	T, B := x.Shape().Dimensions[0], x.Shape().Dimensions[1]
	h := Zeros(x.Graph(), shapes.Make(x.DType(), B, H))
	c := h
	hs := make([]*Node, T)
	for t := range T {
		z := Add(Add(MatMul(Reshape(Slice(x, AxisElem(t)), B, -1), wx), MatMul(h, wh)), ExpandAxes(b, 0))
		gate := func(k int) *Node { return Slice(z, AxisRange(), AxisRange(k*H, (k+1)*H)) }
		c = Add(Mul(Sigmoid(gate(1)), c), Mul(Sigmoid(gate(0)), Tanh(gate(2))))
		h = Mul(Sigmoid(gate(3)), Tanh(c))
		hs[t] = h
	}
	return Stack(hs, 0)
}

// TestLSTMGradients checks the hidden states and the gradients of x, W_x, W_h and b of the
// hand-written back-propagation through time against GoMLX's autodiff of the plain cell.
func TestLSTMGradients(t *testing.T) {
	const T, B, D, H = 5, 3, 4, 6
	backend := newBackend(t)
	run := func(custom bool) [][]float32 {
		exec := MustNewExec(backend, func(x, wx, wh, b, w *Node) []*Node {
			var hs *Node
			if custom {
				gates, cells := lstmRecurrence(StopGradient(x), StopGradient(wx), StopGradient(wh), StopGradient(b), H)
				hs = customGradient([]*Node{x, wx, wh, b, gates, cells},
					func(in []*Node) *Node { return lstmHidden(in[4], in[5], H) },
					func(dy *Node, in []*Node) []*Node {
						dx, dwx, dwh, db := lstmBackward(dy, in[0], in[1], in[2], in[4], in[5], H)
						return []*Node{dx, dwx, dwh, db, nil, nil}
					})
			} else {
				hs = plainLSTM(x, wx, wh, b, H)
			}
			loss := ReduceAllSum(Mul(hs, w)) // a loss that weighs every hidden state differently
			return append([]*Node{hs}, Gradient(loss, x, wx, wh, b)...)
		})
		out := exec.MustCall(
			tensors.FromFlatDataAndDimensions(normals(T*B*D, 1), T, B, D),
			tensors.FromFlatDataAndDimensions(scaled(normals(D*4*H, 2), 0.4), D, 4*H),
			tensors.FromFlatDataAndDimensions(scaled(normals(H*4*H, 3), 0.4), H, 4*H),
			tensors.FromFlatDataAndDimensions(scaled(normals(4*H, 4), 0.4), 4*H),
			tensors.FromFlatDataAndDimensions(normals(T*B*H, 5), T, B, H))
		res := make([][]float32, len(out))
		for i, o := range out {
			res[i] = tensors.MustCopyFlatData[float32](o)
		}
		return res
	}
	want, got := run(false), run(true)
	names := []string{"hidden states", "dx", "dW_x", "dW_h", "db"}
	for k := range want {
		for i := range want[k] {
			if d := math.Abs(float64(got[k][i] - want[k][i])); d > 1e-4*(1+math.Abs(float64(want[k][i]))) {
				t.Errorf("%s[%d] = %g, autodiff %g", names[k], i, got[k][i], want[k][i])
				break
			}
		}
	}
}

func scaled(x []float32, s float32) []float32 {
	for i := range x {
		x[i] *= s
	}
	return x
}

// TestReverseWithin checks that the backward direction reads each sequence reversed within its
// length and leaves the padding in place.
func TestReverseWithin(t *testing.T) {
	exec := MustNewExec(newBackend(t), func(x, lengths *Node) *Node {
		return Reshape(reverseWithin(Reshape(x, 2, 4, 1), reverseIndices(lengths, 2, 4)), 2, 4)
	})
	out := exec.MustCall([]float32{1, 2, 3, 0, 4, 5, 6, 7}, []int32{3, 4})
	got := tensors.MustCopyFlatData[float32](out[0])
	want := []float32{3, 2, 1, 0, 7, 6, 5, 4}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("reversed %v, want %v", got, want)
		}
	}
	_ = dtypes.Float32
}
