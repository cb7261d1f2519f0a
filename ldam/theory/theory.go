// Package theory implements the margin theory of section 3.1 and appendix A of the paper:
// per-example and per-class margins (Eq. 1–2), the balanced-error bound (Eq. 5), the optimal
// two-class margin trade-off (Eq. 6–8, Theorem 3) in closed form and by numerical minimization,
// and its k-class and fast-rate generalizations.
package theory

import (
	"fmt"
	"math"
	"slices"
)

// ExampleMargin is Eq. 1: γ(x, y) = f(x)_y − max_{j≠y} f(x)_j for one row of logits.
func ExampleMargin(logits []float64, y int) float64 {
	other := math.Inf(-1)
	for j, z := range logits {
		if j != y {
			other = max(other, z)
		}
	}
	return logits[y] - other
}

// ClassMargins is Eq. 2: γ_j = min over the training examples of class j of their margin.
// logits is [n × classes] row-major; a class without examples gets +Inf.
func ClassMargins(logits []float64, labels []int, classes int) ([]float64, error) {
	if len(logits) != len(labels)*classes {
		return nil, fmt.Errorf("theory: %d logits for %d labels and %d classes", len(logits), len(labels), classes)
	}
	g := make([]float64, classes)
	for j := range g {
		g[j] = math.Inf(1)
	}
	for i, y := range labels {
		if y < 0 || y >= classes {
			return nil, fmt.Errorf("theory: label %d outside [0, %d)", y, classes)
		}
		g[y] = min(g[y], ExampleMargin(logits[i*classes:(i+1)*classes], y))
	}
	return g, nil
}

// ClassMarginQuantiles returns, for each class, the q-quantile (0 ≤ q ≤ 1, nearest rank) of
// the margins (Eq. 1) of its examples: q = 0 is the class margin of Eq. 2, the minimum, which a
// single misclassified example makes negative; a small q such as 0.1 measures the margin of
// the bulk of the class on data that is not separable. A class without examples gets NaN.
func ClassMarginQuantiles(logits []float64, labels []int, classes int, q float64) ([]float64, error) {
	if len(logits) != len(labels)*classes {
		return nil, fmt.Errorf("theory: %d logits for %d labels and %d classes", len(logits), len(labels), classes)
	}
	if q < 0 || q > 1 || math.IsNaN(q) {
		return nil, fmt.Errorf("theory: the quantile must be in [0, 1], got %g", q)
	}
	byClass := make([][]float64, classes)
	for i, y := range labels {
		if y < 0 || y >= classes {
			return nil, fmt.Errorf("theory: label %d outside [0, %d)", y, classes)
		}
		byClass[y] = append(byClass[y], ExampleMargin(logits[i*classes:(i+1)*classes], y))
	}
	out := make([]float64, classes)
	for j, m := range byClass {
		if len(m) == 0 {
			out[j] = math.NaN()
			continue
		}
		slices.Sort(m)
		out[j] = m[int(math.Floor(q*float64(len(m)-1)))]
	}
	return out, nil
}

// Bound is the right side of Eq. 5 without its constants: (1/k) Σ_j [ (1/γ_j)·sqrt(C/n_j) +
// log(n)/sqrt(n_j) ], with C the complexity C(F) and n = Σ n_j.
func Bound(margins []float64, counts []int, complexity float64) float64 {
	n := 0
	for _, c := range counts {
		n += c
	}
	s := 0.0
	for j, g := range margins {
		nj := float64(counts[j])
		s += math.Sqrt(complexity/nj)/g + math.Log(float64(n))/math.Sqrt(nj)
	}
	return s / float64(len(margins))
}

// TradeOff is the two-class objective of Eq. 6 with γ1 + γ2 = β:
// 1/(γ1·√n1) + 1/((β − γ1)·√n2).
func TradeOff(gamma1, beta float64, n1, n2 int) float64 {
	return 1/(gamma1*math.Sqrt(float64(n1))) + 1/((beta-gamma1)*math.Sqrt(float64(n2)))
}

// TwoClassOptimum is the closed form of Theorem 3 / Eq. 8:
// γ1* = β·n2^{1/4}/(n1^{1/4} + n2^{1/4}), γ2* = β·n1^{1/4}/(n1^{1/4} + n2^{1/4}).
func TwoClassOptimum(beta float64, n1, n2 int) (gamma1, gamma2 float64) {
	a, b := math.Pow(float64(n1), 0.25), math.Pow(float64(n2), 0.25)
	return beta * b / (a + b), beta * a / (a + b)
}

// MinimizeTradeOff minimizes [TradeOff] over γ1 ∈ (0, β) numerically by golden-section search
// (the objective is convex there) and returns the minimizer γ1 and β − γ1.
func MinimizeTradeOff(beta float64, n1, n2 int) (gamma1, gamma2 float64) {
	f := func(g float64) float64 { return TradeOff(g, beta, n1, n2) }
	lo, hi := beta*1e-9, beta*(1-1e-9)
	phi := (math.Sqrt(5) - 1) / 2
	c, d := hi-phi*(hi-lo), lo+phi*(hi-lo)
	fc, fd := f(c), f(d)
	for hi-lo > beta*1e-13 {
		if fc < fd {
			hi, d, fd = d, c, fc
			c = hi - phi*(hi-lo)
			fc = f(c)
		} else {
			lo, c, fc = c, d, fd
			d = lo + phi*(hi-lo)
			fd = f(d)
		}
	}
	g := (lo + hi) / 2
	return g, beta - g
}

// OptimalMargins returns the k-class optimum of Σ_j 1/(γ_j √n_j) subject to Σ_j γ_j = β:
// γ_j = β·n_j^{−1/4} / Σ_i n_i^{−1/4} (Eq. 9, normalized as in Ren et al. 2020, Eq. 44).
func OptimalMargins(counts []int, beta float64) []float64 {
	return powerMargins(counts, beta, -0.25)
}

// FastRateMargins is the fast-rate variant (bound in 1/n_j instead of 1/√n_j, section 3.1):
// γ_j ∝ n_j^{−1/3}, normalized to Σ_j γ_j = β.
func FastRateMargins(counts []int, beta float64) []float64 {
	return powerMargins(counts, beta, -1.0/3)
}

func powerMargins(counts []int, beta, exponent float64) []float64 {
	g := make([]float64, len(counts))
	sum := 0.0
	for j, n := range counts {
		g[j] = math.Pow(float64(n), exponent)
		sum += g[j]
	}
	for j := range g {
		g[j] *= beta / sum
	}
	return g
}
