// Package balance holds the re-balancing side of the paper: per-class weights (inverse
// frequency and the class-balanced "effective number" of Cui et al. 2019), samplers
// (instance-balanced, inverse-frequency, class-balanced), and the deferred schedules DRW and DRS
// of Algorithm 1 (section 3.3), in plain Go.
package balance

import (
	"fmt"
	"math"
)

// DefaultBeta is the effective-number β the official code uses for Reweight, Resample and DRW
// (facts file §5.3; the paper's Algorithm 1 uses plain inverse frequency, which is β → 1).
const DefaultBeta = 0.9999

// InverseFrequency returns w_j ∝ 1/n_j, normalized so that Σ_j w_j = C (the number of classes),
// the re-weighting of Algorithm 1, line 10.
func InverseFrequency(counts []int) ([]float64, error) {
	return ClassBalanced(counts, 1)
}

// ClassBalanced returns the class-balanced weights of Cui et al. (2019):
// w_j ∝ (1 − β)/(1 − β^{n_j}) = 1/E_{n_j}, normalized so that Σ_j w_j = C.
// β = 0 gives uniform weights; β = 1 is taken as its limit, inverse frequency.
func ClassBalanced(counts []int, beta float64) ([]float64, error) {
	if len(counts) == 0 {
		return nil, fmt.Errorf("balance: class weights need at least one class count")
	}
	if beta < 0 || beta > 1 || math.IsNaN(beta) {
		return nil, fmt.Errorf("balance: β = %g is outside [0, 1]; use 0.9999 (official code) or 1 (inverse frequency)", beta)
	}
	w := make([]float64, len(counts))
	sum := 0.0
	for j, n := range counts {
		if n <= 0 {
			return nil, fmt.Errorf("balance: class %d has %d training examples; re-balancing needs at least one per class", j, n)
		}
		switch beta {
		case 1:
			w[j] = 1 / float64(n)
		case 0:
			w[j] = 1
		default:
			w[j] = (1 - beta) / (1 - math.Pow(beta, float64(n)))
		}
		sum += w[j]
	}
	for j := range w {
		w[j] *= float64(len(counts)) / sum
	}
	return w, nil
}

// Uniform returns C ones: no re-weighting.
func Uniform(classes int) []float64 {
	w := make([]float64, classes)
	for j := range w {
		w[j] = 1
	}
	return w
}
