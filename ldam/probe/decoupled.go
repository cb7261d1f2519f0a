package probe

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/optimize"
)

// Decoupled second stages (Kang et al., ICLR 2020) on the frozen features of a network trained
// with plain sampling: re-train the classifier with class-balanced sampling (cRT), rescale its
// class vectors by their norms (τ-normalization), or learn one scale per class (LWS).

// Classifier is a network's linear head: logits W·x + B with W row-major [K][D].
type Classifier struct {
	K, D int
	W, B []float64
}

// Logits returns the classifier's logits of row-major features x [n][D], row-major [n][K].
func (c Classifier) Logits(x []float64) ([]float64, error) {
	if c.D == 0 || len(x)%c.D != 0 || len(c.W) != c.K*c.D || len(c.B) != c.K {
		return nil, fmt.Errorf("probe: a %d×%d classifier (%d weights, %d biases) cannot score %d feature values", c.K, c.D, len(c.W), len(c.B), len(x))
	}
	n := len(x) / c.D
	out := make([]float64, n*c.K)
	for i := range n {
		for j := range c.K {
			s := c.B[j]
			for t := range c.D {
				s += c.W[j*c.D+t] * x[i*c.D+t]
			}
			out[i*c.K+j] = s
		}
	}
	return out, nil
}

// ArgMax returns the index of the largest value of each row of logits [n][k].
func ArgMax(logits []float64, k int) []int {
	pred := make([]int, len(logits)/k)
	for i := range pred {
		best := 0
		for j := 1; j < k; j++ {
			if logits[i*k+j] > logits[i*k+best] {
				best = j
			}
		}
		pred[i] = best
	}
	return pred
}

// BalancedWeights returns w_j = 1/n_j for the class counts of labels: a loss weighted by them
// is, in expectation, the loss under class-balanced sampling.
func BalancedWeights(labels []int, k int) ([]float64, error) {
	n := make([]float64, k)
	for i, y := range labels {
		if y < 0 || y >= k {
			return nil, fmt.Errorf("probe: label %d of example %d is outside [0, %d)", y, i, k)
		}
		n[y]++
	}
	for j := range n {
		if n[j] == 0 {
			return nil, fmt.Errorf("probe: class %d has no example", j)
		}
		n[j] = 1 / n[j]
	}
	return n, nil
}

// CRT is classifier re-training: a new softmax classifier on the frozen training features x
// [n][d], fitted to convergence on the class-balanced loss (FitWeighted with 1/n_j). Kang et
// al. re-initialize the classifier and train it by SGD with class-balanced sampling; this is
// the same objective in expectation, solved exactly.
func CRT(x []float64, d int, labels []int, k int, lambda float64) (*Linear, error) {
	w, err := BalancedWeights(labels, k)
	if err != nil {
		return nil, err
	}
	return FitWeighted(x, d, labels, k, lambda, w)
}

// RowNorms returns the norms ‖w_j‖ of the classifier's class vectors.
func (c Classifier) RowNorms() []float64 {
	out := make([]float64, c.K)
	for j := range c.K {
		out[j] = floats.Norm(c.W[j*c.D:(j+1)*c.D], 2)
	}
	return out
}

// TauNormalize returns the classifier with each class vector divided by its norm to the power
// τ, w̃_j = w_j / ‖w_j‖^τ (Kang et al. §4; τ = 0 leaves it, τ = 1 makes every norm 1). The
// biases are kept. With SGD and momentum the norms of the class vectors grow with the class
// sizes, which this undoes.
func TauNormalize(c Classifier, tau float64) Classifier {
	out := Classifier{K: c.K, D: c.D, W: make([]float64, len(c.W)), B: append([]float64(nil), c.B...)}
	for j, norm := range c.RowNorms() {
		row := c.W[j*c.D : (j+1)*c.D]
		f := 1.0
		if norm > 0 {
			f = math.Pow(norm, -tau)
		}
		for t, v := range row {
			out.W[j*c.D+t] = f * v
		}
	}
	return out
}

// LWS is learnable weight scaling: one scale f_j per class, w̃_j = f_j·w_j (biases kept),
// fitted on the frozen training features x [n][D] to the class-balanced cross-entropy (weights
// 1/n_j, as class-balanced sampling), everything else frozen. It returns the scaled classifier
// and the scales.
func LWS(c Classifier, x []float64, labels []int) (Classifier, []float64, error) {
	logits, err := c.Logits(x)
	if err != nil {
		return Classifier{}, nil, err
	}
	k := c.K
	if len(labels) != len(logits)/k {
		return Classifier{}, nil, fmt.Errorf("probe: %d labels for %d examples", len(labels), len(logits)/k)
	}
	cw, err := BalancedWeights(labels, k)
	if err != nil {
		return Classifier{}, nil, err
	}
	ew := exampleWeights(labels, cw)
	// The weight part of each logit: logits − b.
	wx := make([]float64, len(logits))
	for i := range wx {
		wx[i] = logits[i] - c.B[i%k]
	}
	f0 := make([]float64, k)
	for j := range f0 {
		f0[j] = 1
	}
	obj := func(f, g []float64) float64 { return lwsObjective(f, g, wx, c.B, labels, ew) }
	problem := optimize.Problem{Func: func(f []float64) float64 { return obj(f, nil) }, Grad: func(g, f []float64) { obj(f, g) }}
	res, err := optimize.Minimize(problem, f0, &optimize.Settings{GradientThreshold: 1e-6, MajorIterations: 1000}, &optimize.LBFGS{})
	if res == nil {
		return Classifier{}, nil, fmt.Errorf("probe: LWS did not converge (%v)", err)
	}
	if res.Status != optimize.GradientThreshold && res.Status != optimize.FunctionConvergence {
		// The line search fails when the objective no longer changes in float64 near the
		// minimum (seen on a lite ERM network, 2026-12-03): accept a point whose gradient is
		// that flat, refuse any other.
		g := make([]float64, k)
		obj(res.X, g)
		if gmax := floats.Norm(g, math.Inf(1)); !(gmax <= lwsFlat) {
			return Classifier{}, nil, fmt.Errorf("probe: LWS did not converge (%v; largest gradient component %.3g)", err, gmax)
		}
	}
	out := Classifier{K: c.K, D: c.D, W: make([]float64, len(c.W)), B: append([]float64(nil), c.B...)}
	for j := range k {
		for t := range c.D {
			out.W[j*c.D+t] = res.X[j] * c.W[j*c.D+t]
		}
	}
	return out, res.X, nil
}

// lwsFlat is the largest gradient component LWS accepts where its line search stops early.
const lwsFlat = 1e-5

// lwsObjective is the weighted mean cross-entropy of the logits f_j·wx_ij + b_j and, when g is
// not nil, its gradient in f.
func lwsObjective(f, g, wx, b []float64, labels []int, ew []float64) float64 {
	k := len(f)
	n := len(labels)
	if g != nil {
		for j := range g {
			g[j] = 0
		}
	}
	z := make([]float64, k)
	loss := 0.0
	for i, y := range labels {
		top := math.Inf(-1)
		for j := range k {
			z[j] = f[j]*wx[i*k+j] + b[j]
			top = max(top, z[j])
		}
		sum := 0.0
		for j := range k {
			sum += math.Exp(z[j] - top)
		}
		lse := top + math.Log(sum)
		loss += ew[i] * (lse - z[y])
		if g == nil {
			continue
		}
		for j := range k {
			p := math.Exp(z[j] - lse)
			if j == y {
				p--
			}
			g[j] += ew[i] * p * wx[i*k+j] / float64(n)
		}
	}
	return loss / float64(n)
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
