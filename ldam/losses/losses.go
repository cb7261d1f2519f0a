// Package losses holds the classification losses of the LDAM-DRW paper (Cao et al., NeurIPS 2019)
// as GoMLX graph functions: cross-entropy (ERM), focal loss, the LDAM softmax loss (Eq. 12–13),
// the LDAM hinge loss (Eq. 10–11) and their uniform-margin baselines (M-DRW, HG).
//
// Every loss takes logits of shape [batch, classes], integer labels of shape [batch] (or
// [batch, 1]) and optional per-class weights of shape [classes] (nil means all ones), and returns
// the scalar weighted mean Σ_i w_{y_i} ℓ_i / Σ_i w_{y_i}: the reduction of PyTorch's
// F.cross_entropy(weight=w), which the official code uses for re-weighting and DRW.
//
// The margins Δ_j themselves are computed in plain Go by [LDAMMargins] and [TestAwareMargins].
package losses

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
)

// flatLabels returns the labels as a rank-1 int32 node [batch].
func flatLabels(labels *Node) *Node {
	if labels.Rank() == 2 && labels.Shape().Dimensions[1] == 1 {
		labels = Reshape(labels, labels.Shape().Dimensions[0])
	}
	if labels.Rank() != 1 {
		panic(fmt.Sprintf("losses: labels must have shape [batch] or [batch, 1], got %s", labels.Shape()))
	}
	if labels.DType() != dtypes.Int32 {
		labels = ConvertDType(labels, dtypes.Int32)
	}
	return labels
}

// oneHot returns the one-hot encoding of labels with the dtype of logits: [batch, classes].
func oneHot(logits, labels *Node) *Node {
	classes := logits.Shape().Dimensions[1]
	return OneHot(flatLabels(labels), classes, logits.DType())
}

// logSoftmax is a numerically stable log-softmax over the last axis built only from ops that
// have gradients on every GoMLX backend.
func logSoftmax(logits *Node) *Node {
	shifted := Sub(logits, StopGradient(ReduceAndKeep(logits, ReduceMax, -1)))
	return Sub(shifted, Log(ReduceAndKeep(Exp(shifted), ReduceSum, -1)))
}

// PerExampleCrossEntropy returns −log softmax(logits)_y for each example: shape [batch].
func PerExampleCrossEntropy(logits, labels *Node) *Node {
	return Neg(ReduceSum(Mul(oneHot(logits, labels), logSoftmax(logits)), -1))
}

// WeightedMean reduces per-example losses [batch] to Σ_i w_{y_i} ℓ_i / Σ_i w_{y_i}, with
// classWeights of shape [classes]. A nil classWeights gives the plain mean.
func WeightedMean(perExample, labels, classWeights *Node) *Node {
	if classWeights == nil {
		return ReduceAllMean(perExample)
	}
	w := Gather(ConvertDType(classWeights, perExample.DType()), ExpandAxes(flatLabels(labels), -1))
	return Div(ReduceAllSum(Mul(w, perExample)), ReduceAllSum(w))
}

// CrossEntropy is the standard softmax cross-entropy (ERM), optionally re-weighted per class.
func CrossEntropy(logits, labels, classWeights *Node) *Node {
	return WeightedMean(PerExampleCrossEntropy(logits, labels), labels, classWeights)
}

// Focal is the focal loss of Lin et al. (2017) in the form the paper's experiments used
// (official code after commit 3193f05, reduction='none'): ℓ_i = (1 − p_i)^γ · CE_i with
// p_i = exp(−CE_i) the true-class probability, then the weighted mean over the batch.
//
// Unlike the official code, p_i is computed from the unweighted CE (so it is the true-class
// probability even with class weights), and the reduction is the weighted mean like every other
// loss here. With γ = 0 it equals [CrossEntropy].
func Focal(logits, labels, classWeights *Node, gamma float64) *Node {
	ce := PerExampleCrossEntropy(logits, labels)
	if gamma == 0 {
		return WeightedMean(ce, labels, classWeights)
	}
	oneMinusP := OneMinus(Exp(Neg(ce)))
	// Clamp away from 0 so the gradient of x^γ stays finite when an example is fit perfectly.
	factor := Pow(MaxScalar(oneMinusP, 1e-12), Scalar(ce.Graph(), ce.DType(), gamma))
	return WeightedMean(Mul(factor, ce), labels, classWeights)
}
