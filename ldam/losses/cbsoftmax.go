package losses

import (
	"math"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
)

// CBSoftmaxBCE is the class-balanced "softmax" loss as weight balancing's second stage computes
// it (Alshammari et al., CVPR 2022; ShadeAlsha/LTR-weight-balancing, the PyTorch port of Cui et
// al.'s CB_loss called with loss_type "softmax"): binary cross-entropy of every class's softmax
// probability against the one-hot label, weighted by the example's class weight w_y,
//
//	ℓ(z, y) = −(w_y / K) Σ_j [ 1{j=y} log p_j + 1{j≠y} log(1 − p_j) ],  p = softmax(z),
//
// averaged over the batch (F.binary_cross_entropy's mean over batch × classes). Cui et al.'s
// paper defines the softmax variant as the weighted cross-entropy −w_y log p_y; this port's is
// what produced the authors' numbers. Logarithms are clamped at −100 as PyTorch's
// binary_cross_entropy clamps them, with no gradient where clamped. classWeights has shape
// [classes].
func CBSoftmaxBCE(logits, labels, classWeights *Node) *Node {
	k := float64(logits.Shape().Dimensions[1])
	oh := oneHot(logits, labels)
	p := Exp(logSoftmax(logits))
	// log(max(q, e^{-100})) = max(log q, −100), with a finite gradient of log at the clamp (in
	// float32, where e^{-100} underflows, the clamp is the smallest normal number).
	floor := math.Exp(-100)
	if logits.DType() != dtypes.Float64 {
		floor = float64(math.SmallestNonzeroFloat32) * (1 << 23)
	}
	clampedLog := func(q *Node) *Node { return MaxScalar(Log(MaxScalar(q, floor)), -100) }
	bce := Add(Mul(oh, clampedLog(p)), Mul(OneMinus(oh), clampedLog(OneMinus(p))))
	w := Gather(ConvertDType(classWeights, logits.DType()), ExpandAxes(flatLabels(labels), -1)) // [batch]
	return ReduceAllMean(Neg(MulScalar(Mul(w, ReduceSum(bce, -1)), 1/k)))
}
