package losses

import (
	. "github.com/gomlx/gomlx/core/graph"
)

// LabelAwareSmoothing is MiSLAS's label-aware smoothing loss (Zhong et al., CVPR 2021, Eq. 4;
// dvlab-research/MiSLAS, methods.py, LabelAwareSmoothing): cross-entropy against a label
// smoothed by ε_y, the smoothing of the example's class,
//
//	ℓ(z, y) = (1 − ε_y)·(−log p_y) + ε_y·(1/K)·Σ_c (−log p_c),  p = softmax(z),
//
// averaged over the batch. smoothing has shape [classes]; MiSLAS gives the head more smoothing
// than the tail (probe.LASSmoothing). With every ε = 0 it is [CrossEntropy].
func LabelAwareSmoothing(logits, labels, smoothing *Node) *Node {
	logp := logSoftmax(logits)
	k := float64(logits.Shape().Dimensions[1])
	eps := ExpandAxes(Gather(ConvertDType(smoothing, logits.DType()), ExpandAxes(flatLabels(labels), -1)), -1) // [batch, 1]
	target := Add(Mul(OneMinus(eps), oneHot(logits, labels)), DivScalar(eps, k))
	return ReduceAllMean(Neg(ReduceSum(Mul(target, logp), -1)))
}
