package losses

import (
	. "github.com/gomlx/gomlx/core/graph"
)

// PerExampleHinge returns the multi-class margin hinge loss of Eq. 10, scaled by s:
//
//	ℓ = s · max( max_{j≠y} z_j − z_y + Δ_y , 0 )
//
// for each example ([batch]). The scale s multiplies the whole loss so that with a cosine head
// the hinge loss and the LDAM softmax loss work at the same learning rate (s·z are the softmax
// inputs of [LDAM]); with s = 1 it is Eq. 10 literally.
func PerExampleHinge(logits, labels, margins *Node, scale float64) *Node {
	oh := oneHot(logits, labels)
	isTrue := ConvertDType(oh, logits.DType())
	zy := ReduceSum(Mul(isTrue, logits), -1)
	// Exclude the true class from the max by pushing it far below every other logit.
	big := MulScalar(isTrue, 1e9)
	others := ReduceMax(Sub(logits, big), -1)
	dy := ReduceSum(Mul(isTrue, ExpandAxes(ConvertDType(margins, logits.DType()), 0)), -1)
	return MulScalar(MaxScalar(Add(Sub(others, zy), dy), 0.0), scale)
}

// Hinge is the LDAM hinge loss (Eq. 10–11, "LDAM-HG") with per-class margins, or the
// uniform-margin hinge baseline ("HG") with [UniformMargins]; reduced by the weighted mean.
func Hinge(logits, labels, margins, classWeights *Node, scale float64) *Node {
	return WeightedMean(PerExampleHinge(logits, labels, margins, scale), labels, classWeights)
}
