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

// batchNormAxis is BatchNorm with the channel on the given axis.
func batchNormAxis(scope *model.Scope, x *Node, axis int) *Node {
	g := x.Graph()
	rank := x.Rank()
	C := x.Shape().Dimensions[axis]
	vs := shapes.Make(x.DType(), C)
	gamma, beta, runMean, runVar := bnVariables(scope, vs, g)
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

// bnVariables returns the batch norm's variables of shape vs [C]: γ (ones) and β (zeros) as
// nodes, and the running mean (zeros) and variance (ones), not trainable.
func bnVariables(scope *model.Scope, vs shapes.Shape, g *Graph) (gamma, beta *Node, runMean, runVar *model.Variable) {
	gamma = scope.WithInitializer(initializer.One).VariableWithShape("gamma", vs).NodeValue(g)
	beta = scope.WithInitializer(initializer.Zero).VariableWithShape("beta", vs).NodeValue(g)
	runMean = scope.WithInitializer(initializer.Zero).VariableWithShape("running_mean", vs).SetTrainable(false)
	runVar = scope.WithInitializer(initializer.One).VariableWithShape("running_var", vs).SetTrainable(false)
	return gamma, beta, runMean, runVar
}

// batchNormNCHW is [BatchNorm] of NCHW activations [B, C, H, W] (ONNX Runtime's layout), with an
// optional ReLU, with the gradient written by hand (PyTorch's, through the
// batch statistics) in the fewest element-wise passes over the activations ONNX Runtime runs
// separately: forward Σx, Σx², a·x + b (and the ReLU); backward the ReLU's mask (r > 0 for its
// output r), Σdy, Σdy·x and A·dy + B·x + c. Variables, statistics and running averages are BatchNorm's.
func batchNormNCHW(scope *model.Scope, x *Node, relu bool) *Node {
	g := x.Graph()
	dims := x.Shape().Dimensions
	C := dims[1]
	M := x.Shape().Size() / C
	dt := x.DType()
	gamma, beta, runMean, runVar := bnVariables(scope, shapes.Make(dt, C), g)
	bc := func(v *Node) *Node { return Reshape(v, 1, C, 1, 1) }
	sum := func(v *Node) *Node { return ReduceSum(v, 0, 2, 3) }
	output := func(z *Node) *Node {
		if relu {
			return MaxScalar(z, 0)
		}
		return z
	}
	if !scope.IsTraining(g) {
		scale, shift := runningAffine(gamma, beta, runMean, runVar)
		return output(Add(Mul(x, bc(scale)), bc(shift)))
	}
	xs := StopGradient(x)
	mean, inv := batchStatistics(sum(xs), sum(Square(xs)), M, runMean, runVar)
	var last *Node
	return customGradient([]*Node{x, gamma, beta},
		func(in []*Node) *Node {
			scale := Mul(in[1], inv)
			last = output(Add(Mul(in[0], bc(scale)), bc(Sub(in[2], Mul(mean, scale)))))
			return last
		},
		func(dy *Node, in []*Node) []*Node {
			z, gamma := in[0], in[1]
			A := Mul(gamma, inv)
			if relu {
				r := last
				if in[0] != x { // rematerialized (checkpointed block): recompute the output
					r = MaxScalar(Add(Mul(z, bc(A)), bc(Sub(in[2], Mul(mean, A)))), 0)
				}
				// The mask r > 0 as Greater and Cast: ONNX Runtime's Sign is not vectorized
				// (1.8 ms against 0.5 ms for the two on [128, 16, 32, 32]; Sign was 7 % of
				// ResNet-32's training step).
				dy = Mul(dy, ConvertDType(GreaterThan(r, ScalarZero(g, dt)), dt))
			}
			sdy := sum(dy)
			dgamma := Mul(Sub(sum(Mul(dy, z)), Mul(mean, sdy)), inv) // Σ dy·x̂
			B := Neg(DivScalar(Mul(Mul(A, dgamma), inv), float64(M)))
			c := Sub(Neg(DivScalar(Mul(A, sdy), float64(M))), Mul(B, mean))
			dx := Add(Add(Mul(dy, bc(A)), Mul(z, bc(B))), bc(c))
			return []*Node{dx, dgamma, sdy}
		})
}

// batchStatistics returns the batch mean and 1/σ (σ² the biased variance Σx²/M − μ², clamped at
// 0) from the per-channel sums Σx and Σx² over M positions, and updates the running averages
// as PyTorch does (momentum 0.1, the unbiased variance for running_var).
func batchStatistics(sum, sumSquares *Node, M int, runMean, runVar *model.Variable) (mean, inv *Node) {
	g := sum.Graph()
	mean = DivScalar(sum, float64(M))
	variance := MaxScalar(Sub(DivScalar(sumSquares, float64(M)), Square(mean)), 0)
	unbiased := variance
	if M > 1 {
		unbiased = MulScalar(variance, float64(M)/float64(M-1))
	}
	runMean.SetNodeValue(Add(MulScalar(runMean.NodeValue(g), 1-bnMomentum), MulScalar(mean, bnMomentum)))
	runVar.SetNodeValue(Add(MulScalar(runVar.NodeValue(g), 1-bnMomentum), MulScalar(unbiased, bnMomentum)))
	return mean, Inverse(Sqrt(AddScalar(variance, bnEpsilon)))
}

// runningAffine is evaluation's batch norm as a per-channel affine map a·x + b from the running
// averages: a = γ/sqrt(running_var + ε), b = β − running_mean·a.
func runningAffine(gamma, beta *Node, runMean, runVar *model.Variable) (scale, shift *Node) {
	g := gamma.Graph()
	scale = Div(gamma, Sqrt(AddScalar(runVar.NodeValue(g), bnEpsilon)))
	return scale, Sub(beta, Mul(runMean.NodeValue(g), scale))
}
