package losses

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/core/graph"
)

// Defaults of the official code (losses.py, LDAMLoss) and of appendix B of the paper.
const (
	// DefaultMaxMargin is Δ_max, the largest enforced margin (CIFAR, Tiny ImageNet); the paper
	// uses 0.3 for iNaturalist.
	DefaultMaxMargin = 0.5
	// INatMaxMargin is Δ_max for iNaturalist 2018 (appendix B).
	INatMaxMargin = 0.3
	// DefaultScale is s, the factor the official code applies to the margin-adjusted cosine
	// logits before the softmax. The paper does not mention it (facts file §5.4, item 1).
	DefaultScale = 30.0
)

// LDAMMargins returns the label-distribution-aware margins of Eq. 13,
// Δ_j = C / n_j^{1/4}, with C chosen so that the largest margin (the rarest class) is maxMargin:
// Δ_j = maxMargin · (n_min / n_j)^{1/4}. It returns an error for an empty list or a class
// with no examples.
func LDAMMargins(counts []int, maxMargin float64) ([]float64, error) {
	if len(counts) == 0 {
		return nil, fmt.Errorf("losses: LDAM margins need at least one class count")
	}
	if maxMargin < 0 {
		return nil, fmt.Errorf("losses: maximum margin %g is negative; use a value ≥ 0 (the paper uses 0.5)", maxMargin)
	}
	raw := make([]float64, len(counts))
	largest := 0.0
	for j, n := range counts {
		if n <= 0 {
			return nil, fmt.Errorf("losses: class %d has %d training examples; every class needs at least one for an LDAM margin", j, n)
		}
		raw[j] = math.Pow(float64(n), -0.25)
		largest = max(largest, raw[j])
	}
	for j := range raw {
		raw[j] *= maxMargin / largest
	}
	return raw, nil
}

// TestAwareMargins returns the margins of Eq. 15 (appendix C.5) for a known, non-uniform test
// distribution: Δ_i ∝ (n'_i / n_i)^{1/4}, with n_i the training and n'_i the test count of class
// i, scaled so the largest margin is maxMargin. A class absent from the test set gets margin 0.
func TestAwareMargins(trainCounts, testCounts []int, maxMargin float64) ([]float64, error) {
	if len(trainCounts) != len(testCounts) {
		return nil, fmt.Errorf("losses: %d training class counts but %d test class counts; give one of each per class", len(trainCounts), len(testCounts))
	}
	raw := make([]float64, len(trainCounts))
	largest := 0.0
	for i := range trainCounts {
		if trainCounts[i] <= 0 {
			return nil, fmt.Errorf("losses: class %d has %d training examples; every class needs at least one", i, trainCounts[i])
		}
		if testCounts[i] < 0 {
			return nil, fmt.Errorf("losses: class %d has a negative test count %d", i, testCounts[i])
		}
		raw[i] = math.Pow(float64(testCounts[i])/float64(trainCounts[i]), 0.25)
		largest = max(largest, raw[i])
	}
	if largest == 0 {
		return nil, fmt.Errorf("losses: every test count is 0; the test distribution needs at least one example")
	}
	for i := range raw {
		raw[i] *= maxMargin / largest
	}
	return raw, nil
}

// UniformMargins returns the same margin for every class: the constant-margin baselines of
// Table 2 (M-DRW: additive-margin softmax; HG: multi-class hinge).
func UniformMargins(classes int, margin float64) []float64 {
	m := make([]float64, classes)
	for j := range m {
		m[j] = margin
	}
	return m
}

// MarginLogits returns s·(z − Δ_y·onehot(y)): the logits fed to the softmax by the LDAM loss.
// margins has shape [classes].
func MarginLogits(logits, labels, margins *Node, scale float64) *Node {
	oh := oneHot(logits, labels)
	m := ExpandAxes(ConvertDType(margins, logits.DType()), 0) // [1, classes]
	return MulScalar(Sub(logits, Mul(oh, m)), scale)
}

// LDAM is the label-distribution-aware margin loss of Eq. 12–13:
//
//	ℓ = −log( e^{s(z_y − Δ_y)} / ( e^{s(z_y − Δ_y)} + Σ_{j≠y} e^{s z_j} ) )
//
// where z are the model's logits — cosines of the L2-normalized feature and class vectors when
// the model has a cosine head — Δ = margins [classes] (see [LDAMMargins]) and s = scale (30 in
// the official code). classWeights (nil for none) gives DRW / re-weighting through the weighted
// mean. With all margins 0 and scale 1 it is exactly [CrossEntropy]. With uniform margins it is
// the additive-margin softmax of the M-DRW baseline.
func LDAM(logits, labels, margins, classWeights *Node, scale float64) *Node {
	return CrossEntropy(MarginLogits(logits, labels, margins, scale), labels, classWeights)
}
