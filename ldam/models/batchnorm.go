package models

import (
	"slices"

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

// BatchNormCF is [BatchNorm] of channels-first activations [C, …] (the channel is the first
// axis), with the same variables, statistics and gradients, formulated for the pure-Go backend,
// whose broadcasting element-wise operations and reductions cost 3–8 ns per element against
// 0.2–4 ns for matrix products (measured; see BenchmarkBatchNorm):
//
//   - the sums over the positions are products with a vector of ones (Σx) and a batched
//     product of x with itself (Σx²); the biased variance is Σx²/M − μ² (one pass, clamped at
//     0: exact in real arithmetic, and in float32 accurate while μ² is not orders of magnitude
//     above the variance, as for a convolution's outputs);
//   - the affine map γ·(x − μ)/σ + β = a·x + b is one product [diag(a) | b]·[x; 1];
//   - the gradient is written by hand (customGradient): with A = γ/σ,
//     dx = A·dy − A·Σdy/M − A·x̂·Σ(dy·x̂)/M (PyTorch's, through the batch statistics),
//     again one product [diag(A) | diag(B) | c]·[dy; x; 1], and dγ = Σ(dy·x̂), dβ = Σdy.
func BatchNormCF(scope *model.Scope, x *Node) *Node {
	return batchNormCF(scope, x, false)
}

// BatchNormReluCF is Relu(BatchNormCF(x)) with the ReLU's gradient folded into the batch
// norm's.
func BatchNormReluCF(scope *model.Scope, x *Node) *Node {
	return batchNormCF(scope, x, true)
}

func batchNormCF(scope *model.Scope, x *Node, relu bool) *Node {
	g := x.Graph()
	dims := x.Shape().Dimensions
	C := dims[0]
	M := x.Shape().Size() / C
	dt := x.DType()
	vs := shapes.Make(dt, C)
	gamma, beta, runMean, runVar := bnVariables(scope, vs, g)
	ones := Ones(g, shapes.Make(dt, 1, M))
	rows := func(v *Node) *Node { return Reshape(v, C, M) }
	sum := func(v *Node) *Node { return Reshape(DotGeneral(v, []int{1}, nil, ones, []int{1}, nil), C) }
	dot := func(u, v *Node) *Node { // Σ_m u[c, m]·v[c, m]
		return Reshape(DotGeneral(Reshape(u, C, 1, M), []int{2}, []int{0}, Reshape(v, C, 1, M), []int{2}, []int{0}), C)
	}
	output := func(z *Node) *Node {
		if relu {
			z = MaxScalar(z, 0)
		}
		return Reshape(z, dims...)
	}
	if !scope.IsTraining(g) {
		scale, shift := runningAffine(gamma, beta, runMean, runVar)
		return output(channelAffine(rows(x), ones, []*Node{scale}, shift))
	}
	// Batch statistics (also for the running averages, without gradients).
	xs := rows(StopGradient(x))
	mean, inv := batchStatistics(sum(xs), dot(xs, xs), M, runMean, runVar)
	var last *Node // the forward's output, for the ReLU's gradient
	return customGradient([]*Node{x, gamma, beta},
		func(in []*Node) *Node {
			scale := Mul(in[1], inv)
			last = output(channelAffine(rows(in[0]), ones, []*Node{scale}, Sub(in[2], Mul(mean, scale))))
			return last
		},
		func(dout *Node, in []*Node) []*Node {
			z, gamma := rows(in[0]), in[1]
			dy := rows(dout)
			if relu {
				// The ReLU passes the gradient where its output is positive. The output is an
				// activation the next layer keeps anyway, unless x was rematerialized (checkpointed
				// blocks): then it is recomputed too.
				r := last
				if in[0] != x {
					r = MaxScalar(channelAffine(z, ones, []*Node{Mul(gamma, inv)}, Sub(in[2], Mul(mean, Mul(gamma, inv)))), 0)
				}
				dy = Mul(dy, Sign(rows(r)))
			}
			sdy := sum(dy)
			dgamma := Mul(Sub(dot(dy, z), Mul(mean, sdy)), inv) // Σ dy·x̂
			A := Mul(gamma, inv)
			B := Neg(DivScalar(Mul(Mul(A, dgamma), inv), float64(M)))
			c := Sub(Neg(DivScalar(Mul(A, sdy), float64(M))), Mul(B, mean))
			dx := Reshape(channelAffine2(dy, z, ones, A, B, c), dims...)
			return []*Node{dx, dgamma, sdy}
		})
}

// channelAffine returns a·x + b per channel (scales = [a], shift = b) for rows x [C, M], as one
// product [diag(a) | b]·[x; 1].
func channelAffine(x, ones *Node, scales []*Node, shift *Node) *Node {
	return channelAffineOf([]*Node{x}, ones, scales, shift)
}

// channelAffine2 is a·x + b·z + c per channel, as one product [diag(a) | diag(b) | c]·[x; z; 1].
func channelAffine2(x, z, ones, a, b, c *Node) *Node {
	return channelAffineOf([]*Node{x, z}, ones, []*Node{a, b}, c)
}

// channelAffineOf returns Σ_i scales[i]·xs[i] + shift, per channel, for rows xs[i] [C, M] and
// per-channel vectors [C], as one matrix product.
func channelAffineOf(xs []*Node, ones *Node, scales []*Node, shift *Node) *Node {
	C := xs[0].Shape().Dimensions[0]
	g := xs[0].Graph()
	eye := ConvertDType(Diagonal(g, C), xs[0].DType())
	var w []*Node
	for _, s := range scales {
		w = append(w, Mul(eye, Reshape(s, C, 1)))
	}
	w = append(w, Reshape(shift, C, 1))
	rows := append(slices.Clone(xs), ones)
	return DotGeneral(Concatenate(w, 1), []int{1}, nil, Concatenate(rows, 0), []int{0}, nil)
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
// optional ReLU, with the gradient written by hand (as BatchNormCF's: PyTorch's, through the
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
