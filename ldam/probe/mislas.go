package probe

import (
	"fmt"
	"math"
)

// MiSLAS's second stage (Zhong et al., "Improving Calibration for Long-Tailed Recognition",
// CVPR 2021; code dvlab-research/MiSLAS, methods.py and train_stage2.py): after a first stage
// trained with mixup, the classifier is re-trained on the frozen backbone with class-balanced
// sampling and label-aware smoothing (LAS),
//
//	ℓ(x, y) = (1 − ε_y)·(−log p_y(x)) + ε_y·(1/K)·Σ_c (−log p_c(x)),
//
// whose smoothing ε_y grows with the class's size along the "concave" curve
//
//	ε_y = ε_K + (ε_1 − ε_K)·sin(π (n_y − n_K) / (2 (n_1 − n_K))),
//
// n_1 the largest and n_K the smallest class count, ε_1 (smooth_head) and ε_K (smooth_tail) the
// head's and the tail's smoothing: CIFAR-10-LT 0.3 and 0.0, CIFAR-100-LT 0.4 and 0.1 (the
// authors' configs).

// LASSmoothing returns MiSLAS's concave label-aware smoothing ε_j of each class from the class
// counts, with head ε_1 for the largest class and tail ε_K for the smallest.
func LASSmoothing(counts []int, head, tail float64) ([]float64, error) {
	if len(counts) < 2 {
		return nil, fmt.Errorf("probe: label-aware smoothing needs at least 2 classes, got %d", len(counts))
	}
	for _, e := range []float64{head, tail} {
		if !(e >= 0 && e <= 1) {
			return nil, fmt.Errorf("probe: label smoothing %g is outside [0, 1]", e)
		}
	}
	n1, nK := counts[0], counts[0]
	for j, n := range counts {
		if n <= 0 {
			return nil, fmt.Errorf("probe: class %d has %d examples; label-aware smoothing needs every class", j, n)
		}
		n1, nK = max(n1, n), min(nK, n)
	}
	if n1 == nK {
		return nil, fmt.Errorf("probe: every class has %d examples; label-aware smoothing interpolates between the largest and the smallest class and needs them to differ (use plain label smoothing on balanced data)", n1)
	}
	eps := make([]float64, len(counts))
	for j, n := range counts {
		eps[j] = tail + (head-tail)*math.Sin(math.Pi*float64(n-nK)/(2*float64(n1-nK)))
	}
	return eps, nil
}

// MiSLAS is MiSLAS's second stage on the frozen features x [n][d] of a first-stage network:
// a softmax classifier fitted to the class-balanced (weights 1/n_j, as class-balanced
// sampling) label-aware-smoothed loss with L2 penalty lambda, to convergence. The authors
// fine-tune the first stage's classifier (and a learnable per-class scale) for 10 epochs of SGD
// on augmented images; this solves the same convex objective in expectation, on the images
// without augmentation, as CRT does for cRT. counts are the class counts of the training set.
func MiSLAS(x []float64, d int, labels []int, k int, lambda float64, counts []int, head, tail float64) (*Linear, error) {
	if len(counts) != k {
		return nil, fmt.Errorf("probe: %d class counts for %d classes", len(counts), k)
	}
	eps, err := LASSmoothing(counts, head, tail)
	if err != nil {
		return nil, err
	}
	w, err := BalancedWeights(labels, k)
	if err != nil {
		return nil, err
	}
	return FitSmoothed(x, d, labels, k, lambda, w, eps)
}

// Classifier returns the fitted model as a classifier of raw features (the probe's weights act
// on standardized ones): w̃_cj = w_cj/σ_j and b̃_c = b_c − Σ_j w_cj·μ_j/σ_j, the same logits.
func (m *Linear) Classifier() Classifier {
	c := Classifier{K: m.K, D: m.D, W: make([]float64, m.K*m.D), B: make([]float64, m.K)}
	d1 := m.D + 1
	for k := range m.K {
		b := m.W[k*d1+m.D]
		for j := range m.D {
			w := m.W[k*d1+j] / m.Std[j]
			c.W[k*m.D+j] = w
			b -= w * m.Mean[j]
		}
		c.B[k] = b
	}
	return c
}
