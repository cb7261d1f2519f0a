package losses

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/core/graph"
)

// Follow-ups of LDAM that move the logits by the label distribution (facts file §6.2). Each
// takes the per-class terms as a [classes] node, computed once from the training counts by the
// helpers below, and classWeights (nil for none) like every loss here.

// LogPriors returns log π_j = log(n_j / n) of the training counts.
func LogPriors(counts []int) ([]float64, error) {
	n := 0
	for j, c := range counts {
		if c <= 0 {
			return nil, fmt.Errorf("losses: class %d has %d training examples; the priors need at least one per class", j, c)
		}
		n += c
	}
	out := make([]float64, len(counts))
	for j, c := range counts {
		out[j] = math.Log(float64(c) / float64(n))
	}
	return out, nil
}

// LogitAdjusted is the logit-adjusted loss of Menon et al. (ICLR 2021, Eq. 10):
//
//	ℓ = −log( e^{f_y + τ log π_y} / Σ_j e^{f_j + τ log π_j} ) = log(1 + Σ_{j≠y} (π_j/π_y)^τ e^{f_j − f_y})
//
// with adjust = τ·log π [classes] (τ·[LogPriors]). It is cross-entropy on shifted logits; the
// model predicts with the plain logits f, which are then Bayes-consistent for the balanced
// error. τ = 1 is the paper's default.
func LogitAdjusted(logits, labels, adjust, classWeights *Node) *Node {
	return CrossEntropy(Add(logits, ExpandAxes(ConvertDType(adjust, logits.DType()), 0)), labels, classWeights)
}

// BalancedSoftmax is the Balanced Softmax of Ren et al. (NeurIPS 2020, Eq. 4 there):
// −log( n_y e^{η_y} / Σ_j n_j e^{η_j} ), which is [LogitAdjusted] with τ = 1 (logPriors =
// [LogPriors]: the normalization n cancels).
func BalancedSoftmax(logits, labels, logPriors, classWeights *Node) *Node {
	return LogitAdjusted(logits, labels, logPriors, classWeights)
}

// AdaptiveMargins returns δ_j = π_j^{−1/4} — Menon et al.'s "LA + adaptive margin" term
// (their §6: Δ_{yy'} = log(π_{y'}/π_y) + 1/π_y^{1/4}) — from the training counts.
func AdaptiveMargins(counts []int) ([]float64, error) {
	lp, err := LogPriors(counts)
	if err != nil {
		return nil, err
	}
	for j, l := range lp {
		lp[j] = math.Exp(-l / 4)
	}
	return lp, nil
}

// LogitAdjustedMargin is Menon et al.'s pairwise margin loss (Eq. 11 there) with
// Δ_{yy'} = τ log(π_{y'}/π_y) + δ_y — logit adjustment plus a margin on the true class alone,
// as in LDAM — which is cross-entropy on f + τ log π − δ_y·onehot(y): adjust = τ·log π and
// margins = δ ([AdaptiveMargins] for "LA + adaptive margin").
func LogitAdjustedMargin(logits, labels, adjust, margins, classWeights *Node) *Node {
	shifted := Add(logits, ExpandAxes(ConvertDType(adjust, logits.DType()), 0))
	return CrossEntropy(MarginLogits(shifted, labels, margins, 1), labels, classWeights)
}

// VSFactors returns the two per-class terms of the VS loss (Kini et al. 2021) as the authors'
// code (orparask/VS-Loss, losses.py) builds them: the multiplicative factor
// Δ_j = (n_j / n_max)^γ (1 for the largest class, smaller for rarer ones) and the additive one
// ι_j = τ log π_j. The code's defaults are γ = 0.3, τ = 1.
func VSFactors(counts []int, gamma, tau float64) (mult, add []float64, err error) {
	lp, err := LogPriors(counts)
	if err != nil {
		return nil, nil, err
	}
	if gamma < 0 {
		return nil, nil, fmt.Errorf("losses: VS γ = %g must be ≥ 0", gamma)
	}
	top := 0
	for _, c := range counts {
		top = max(top, c)
	}
	mult, add = make([]float64, len(counts)), make([]float64, len(counts))
	for j, c := range counts {
		mult[j] = math.Pow(float64(c)/float64(top), gamma)
		add[j] = tau * lp[j]
	}
	return mult, add, nil
}

// VS is the vector-scaling loss of Kini et al. (NeurIPS 2021):
//
//	ℓ = −w_y log( e^{Δ_y f_y + ι_y} / Σ_j e^{Δ_j f_j + ι_j} )
//
// with mult = Δ and add = ι from [VSFactors]. With Δ = 1 it is [LogitAdjusted]; with ι = 0 a
// purely multiplicative adjustment, which the authors argue is what still acts once the
// training error is zero.
func VS(logits, labels, mult, add, classWeights *Node) *Node {
	z := Mul(logits, ExpandAxes(ConvertDType(mult, logits.DType()), 0))
	return CrossEntropy(Add(z, ExpandAxes(ConvertDType(add, logits.DType()), 0)), labels, classWeights)
}

// PostHocAdjust returns the post-hoc logit adjustment of Menon et al. (their Eq. 9) of row-major
// logits [n][k]: f_j − τ log π_j, whose argmax is the balanced-error prediction of a model
// trained with plain cross-entropy.
func PostHocAdjust(logits []float64, logPriors []float64, tau float64) ([]float64, error) {
	k := len(logPriors)
	if k == 0 || len(logits)%k != 0 {
		return nil, fmt.Errorf("losses: %d logits are not rows of %d classes", len(logits), k)
	}
	out := make([]float64, len(logits))
	for i, v := range logits {
		out[i] = v - tau*logPriors[i%k]
	}
	return out, nil
}
