package models

import (
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// benchPiece times forward+backward of one piece of ResNet-32 (first-stage shape, batch 128).
func benchPiece(b *testing.B, piece func(scope *model.Scope, x *Node) *Node) {
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
	x := tensors.FromShape(shapesFloat32(128, 32, 32, 16))
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

// BenchmarkConv2D: a 3×3, 16→16 convolution on [128, 32, 32, 16], both formulas.
func BenchmarkConv2D(b *testing.B) {
	for _, f := range []struct {
		name string
		form ConvFormula
	}{{"transposed", ConvTransposed}, {"matmul", ConvMatMul}, {"split", ConvSplitGradients}} {
		b.Run(f.name, func(b *testing.B) {
			ConvForm = f.form
			defer func(f ConvFormula) { ConvForm = f }(ConvForm)
			benchPiece(b, func(scope *model.Scope, x *Node) *Node { return Conv2D(scope.In("conv"), x, 16, 3, 1) })
		})
	}
}

// BenchmarkBatchNorm: training-mode batch norm with full gradients on [128, 32, 32, 16].
func BenchmarkBatchNorm(b *testing.B) {
	benchPiece(b, func(scope *model.Scope, x *Node) *Node { return BatchNorm(scope.In("bn"), x) })
}
