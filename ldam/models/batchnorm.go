package models

import (
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// BatchNorm constants of torch.nn.BatchNorm2d.
const (
	bnMomentum = 0.1
	bnEpsilon  = 1e-5
)

// BatchNorm normalizes the last (channel) axis with PyTorch's BatchNorm semantics, which GoMLX's
// norm.BatchNorm does not have (it stops gradients through the batch statistics and fails in
// training on the Go backend):
//
//   - training: y = γ·(x − μ_B)/sqrt(σ²_B + ε) + β with the batch mean and biased variance over
//     every axis but the last, and gradients flowing through μ_B and σ²_B; the running averages
//     are updated as r = 0.9·r + 0.1·stat, with the unbiased variance for running_var;
//   - evaluation: the running averages replace the batch statistics.
//
// Variables: gamma (ones), beta (zeros), running_mean (zeros) and running_var (ones), the last
// two not trainable.
func BatchNorm(scope *model.Scope, x *Node) *Node {
	return batchNormAxis(scope, x, x.Rank()-1)
}

// BatchNormCF is [BatchNorm] of channels-first activations [C, …]: the channel is the first axis.
func BatchNormCF(scope *model.Scope, x *Node) *Node {
	return batchNormAxis(scope, x, 0)
}

// batchNormAxis is BatchNorm with the channel on the given axis.
func batchNormAxis(scope *model.Scope, x *Node, axis int) *Node {
	g := x.Graph()
	rank := x.Rank()
	C := x.Shape().Dimensions[axis]
	vs := shapes.Make(x.DType(), C)
	gamma := scope.WithInitializer(initializer.One).VariableWithShape("gamma", vs).NodeValue(g)
	beta := scope.WithInitializer(initializer.Zero).VariableWithShape("beta", vs).NodeValue(g)
	runMean := scope.WithInitializer(initializer.Zero).VariableWithShape("running_mean", vs).SetTrainable(false)
	runVar := scope.WithInitializer(initializer.One).VariableWithShape("running_var", vs).SetTrainable(false)
	var axes []int
	bshape := make([]int, rank)
	for i := range bshape {
		bshape[i] = 1
		if i != axis {
			axes = append(axes, i)
		}
	}
	bshape[axis] = C
	var mean, variance *Node
	if scope.IsTraining(g) {
		n := x.Shape().Size() / C
		mean = ReduceMean(x, axes...)
		variance = ReduceMean(Square(Sub(x, Reshape(mean, bshape...))), axes...)
		unbiased := variance
		if n > 1 {
			unbiased = MulScalar(variance, float64(n)/float64(n-1))
		}
		runMean.SetNodeValue(Add(MulScalar(runMean.NodeValue(g), 1-bnMomentum), MulScalar(StopGradient(mean), bnMomentum)))
		runVar.SetNodeValue(Add(MulScalar(runVar.NodeValue(g), 1-bnMomentum), MulScalar(StopGradient(unbiased), bnMomentum)))
	} else {
		mean, variance = runMean.NodeValue(g), runVar.NodeValue(g)
	}
	// graph.Rsqrt has no gradient in GoMLX v0.28.2: divide by Sqrt instead.
	scale := Div(gamma, Sqrt(AddScalar(variance, bnEpsilon)))
	shift := Sub(beta, Mul(mean, scale))
	return Add(Mul(x, Reshape(scale, bshape...)), Reshape(shift, bshape...))
}
