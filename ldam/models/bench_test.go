package models

import (
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// benchPiece times forward+backward of one piece of ResNet-32 (first-stage shape, batch 128,
// channels last).
func benchPiece(b *testing.B, piece func(scope *model.Scope, x *Node) *Node) {
	benchPieceShape(b, []int{128, 32, 32, 16}, piece)
}

// benchPieceShape is benchPiece with the given input dimensions (batch 128).
func benchPieceShape(b *testing.B, dims []int, piece func(scope *model.Scope, x *Node) *Node) {
	backend := newBackend(b)
	store := model.NewStore()
	exec, err := model.NewExec(backend, store, func(scope *model.Scope, x *Node) *Node {
		scope.Store().SetTraining(x.Graph(), true)
		y := piece(scope, x)
		return Gradient(ReduceAllSum(Square(y)), x)[0]
	})
	if err != nil {
		b.Fatal(err)
	}
	x := tensors.FromShape(shapesFloat32(dims...))
	if _, err := exec.Call(x); err != nil { // compile
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		out, err := exec.Call(x)
		if err != nil {
			b.Fatal(err)
		}
		out[0].MustFinalizeAll()
	}
	b.ReportMetric(float64(128*b.N)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkConv2D: a 3×3, 16→16 convolution on [128, 32, 32, 16] with its gradients.
func BenchmarkConv2D(b *testing.B) {
	benchPiece(b, func(scope *model.Scope, x *Node) *Node { return Conv2D(scope.In("conv"), x, 16, 3, 1) })
}

// BenchmarkBatchNorm: training-mode batch norm with full gradients on the first stage's
// activations, channels last [128, 32, 32, 16] (BatchNorm, with and without a ReLU).
func BenchmarkBatchNorm(b *testing.B) {
	last := []int{128, 32, 32, 16}
	for _, c := range []struct {
		name  string
		dims  []int
		piece func(*model.Scope, *Node) *Node
	}{
		{"nhwc", last, func(scope *model.Scope, x *Node) *Node { return BatchNorm(scope.In("bn"), x) }},
		{"nhwc+relu", last, func(scope *model.Scope, x *Node) *Node { return Relu(BatchNorm(scope.In("bn"), x)) }},
	} {
		b.Run(c.name, func(b *testing.B) { benchPieceShape(b, c.dims, c.piece) })
	}
}
