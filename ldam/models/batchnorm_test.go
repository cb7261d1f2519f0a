package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// batchNormAutodiff is PyTorch's training-mode batch norm written as plain GoMLX ops, its
// gradient left to GoMLX's autodiff: the reference the hand-written gradient is tested against.
func batchNormAutodiff(scope *model.Scope, x *Node, axis int, relu bool) *Node {
	g := x.Graph()
	C := x.Shape().Dimensions[axis]
	gamma, beta, runMean, runVar := bnVariables(scope, shapes.Make(x.DType(), C), g)
	bshape, axes := channelAxes(x.Shape().Dimensions, axis)
	mean := ReduceMean(x, axes...)
	variance := ReduceMean(Square(Sub(x, Reshape(mean, bshape...))), axes...)
	updateRunning(runMean, runVar, StopGradient(mean), StopGradient(variance), x.Shape().Size()/C)
	scale := Div(gamma, Sqrt(AddScalar(variance, bnEpsilon)))
	y := Add(Mul(x, Reshape(scale, bshape...)), Reshape(Sub(beta, Mul(mean, scale)), bshape...))
	if relu {
		y = MaxScalar(y, 0)
	}
	return y
}

// TestBatchNormGradientIsAutodiffs: the hand-written batch norm (channels last and NCHW, with and
// without its ReLU) gives autodiff's output, running averages and gradients of x, γ and β, in
// float64 to 1e-10, on activations whose mean is large against their spread (where the one-pass
// variance Σx²/M − μ² would lose digits) and with γ, β away from 1, 0.
func TestBatchNormGradientIsAutodiffs(t *testing.T) {
	dims := []int{3, 4, 5, 6}
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float64, 3*4*5*6)
	w := make([]float64, len(x))
	for i := range x {
		x[i] = 50 + 0.3*rng.NormFloat64()
		w[i] = rng.NormFloat64()
	}
	for _, axis := range []int{3, 1} {
		for _, relu := range []bool{false, true} {
			t.Run(fmt.Sprintf("axis=%d,relu=%v", axis, relu), func(t *testing.T) {
				run := func(bn func(*model.Scope, *Node, int, bool) *Node) []*tensors.Tensor {
					store := model.NewStore()
					exec, err := model.NewExec(newBackend(t), store, func(scope *model.Scope, in, weights *Node) []*Node {
						g := in.Graph()
						store.SetTraining(g, true)
						C := in.Shape().Dimensions[axis]
						s := scope.In("bn")
						// γ, β away from their initial values, so that their gradients' terms show.
						gv := s.WithInitializer(initializer.One).VariableWithShape("gamma", shapes.Make(in.DType(), C))
						bv := s.WithInitializer(initializer.Zero).VariableWithShape("beta", shapes.Make(in.DType(), C))
						gv.SetNodeValue(AddScalar(MulScalar(Iota(g, shapes.Make(in.DType(), C), 0), 0.25), 0.5))
						bv.SetNodeValue(AddScalar(MulScalar(Iota(g, shapes.Make(in.DType(), C), 0), -0.1), 0.2))
						y := bn(s, in, axis, relu)
						loss := ReduceAllSum(Mul(y, weights))
						grads := Gradient(loss, in, gv.NodeValue(g), bv.NodeValue(g))
						return append([]*Node{y, s.GetVariable("running_mean").NodeValue(g), s.GetVariable("running_var").NodeValue(g)}, grads...)
					})
					if err != nil {
						t.Fatal(err)
					}
					d := dims
					if axis == 1 {
						d = []int{3, 6, 4, 5}
					}
					return exec.MustCall(tensors.FromFlatDataAndDimensions(x, d...), tensors.FromFlatDataAndDimensions(w, d...))
				}
				got, want := run(batchNorm), run(batchNormAutodiff)
				names := []string{"y", "running_mean", "running_var", "∂x", "∂γ", "∂β"}
				for i, name := range names {
					a := tensors.MustCopyFlatData[float64](got[i])
					b := tensors.MustCopyFlatData[float64](want[i])
					var diff, norm float64
					for j := range a {
						diff = math.Max(diff, math.Abs(a[j]-b[j]))
						norm = math.Max(norm, math.Abs(b[j]))
					}
					if norm == 0 || diff > 1e-10*norm {
						t.Errorf("%s: max difference %g (scale %g) from autodiff", name, diff, norm)
					}
				}
			})
		}
	}
}
