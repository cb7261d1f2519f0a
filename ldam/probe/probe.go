// Package probe trains a linear classifier on frozen features: the linear probe of the paper's
// Fig. 6, which measures how good a backbone's features are for every class by the per-class
// error of the best linear classifier on them, independently of the backbone's own classifier.
//
// The classifier is multinomial logistic regression with an L2 penalty on the weights (not on
// the biases), fitted to convergence with L-BFGS from gonum/optimize; the features are
// standardized first (per dimension, with the training split's mean and deviation), so one
// penalty suits features of any scale. The objective is convex, so the fit does not depend on
// a seed or a learning rate.
//
// The package also holds the second stages that re-fit a trained network's classifier on its
// frozen features: cRT, τ-normalization and LWS (decoupled.go, Kang et al.), MiSLAS's
// label-aware-smoothing fine-tune (mislas.go) and weight balancing's MaxNorm fine-tune
// (maxnorm.go). The two fine-tunes run SGD as their authors do, so they depend on a seed; they
// run on GoMLX (finetune.go): the loss is a graph function of ldam/losses, its gradient
// autodiff's, the step the project's PyTorch SGD (ldam/optim) on the pure-Go backend in float64.
package probe

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/optimize"
)

// Linear is a fitted softmax classifier on d-dimensional features with k classes.
type Linear struct {
	K, D int
	// W holds, for each class, D weights then a bias (row-major [K][D+1]), acting on the
	// standardized features (x − Mean) / Std.
	W         []float64
	Mean, Std []float64
}

// Fit trains a Linear probe on n examples: x is row-major [n][d], labels in [0, k). lambda is
// the L2 penalty per example, (lambda/2)·‖W‖² added to the mean cross-entropy.
func Fit(x []float64, d int, labels []int, k int, lambda float64) (*Linear, error) {
	return FitWeighted(x, d, labels, k, lambda, nil)
}

// FitWeighted is Fit with the cross-entropy of each example weighted by its class's weight
// (Σ_i w_{y_i} ℓ_i / Σ_i w_{y_i}); nil weights are Fit. With w_j = 1/n_j it is the expected
// loss under class-balanced sampling: cRT's classifier re-training (see CRT).
func FitWeighted(x []float64, d int, labels []int, k int, lambda float64, classWeights []float64) (*Linear, error) {
	n := len(labels)
	if classWeights != nil && len(classWeights) != k {
		return nil, fmt.Errorf("probe: %d class weights for %d classes", len(classWeights), k)
	}
	for j, w := range classWeights {
		if !(w > 0) {
			return nil, fmt.Errorf("probe: class %d has weight %g; weights must be positive", j, w)
		}
	}
	switch {
	case d <= 0 || k < 2:
		return nil, fmt.Errorf("probe: need d ≥ 1 features and k ≥ 2 classes, got d = %d, k = %d", d, k)
	case n == 0 || len(x) != n*d:
		return nil, fmt.Errorf("probe: %d labels need %d×%d = %d feature values, got %d", n, n, d, n*d, len(x))
	case lambda < 0 || math.IsNaN(lambda):
		return nil, fmt.Errorf("probe: the L2 penalty must be ≥ 0, got %g", lambda)
	}
	for i, y := range labels {
		if y < 0 || y >= k {
			return nil, fmt.Errorf("probe: label %d of example %d is outside [0, %d)", y, i, k)
		}
	}
	m := &Linear{K: k, D: d, Mean: make([]float64, d), Std: make([]float64, d)}
	for i := range n {
		for j := range d {
			m.Mean[j] += x[i*d+j] / float64(n)
		}
	}
	for i := range n {
		for j := range d {
			v := x[i*d+j] - m.Mean[j]
			m.Std[j] += v * v / float64(n)
		}
	}
	for j := range d {
		m.Std[j] = math.Sqrt(m.Std[j])
		if m.Std[j] < 1e-12 {
			m.Std[j] = 1 // a constant feature carries nothing; keep it at 0
		}
	}
	z := make([]float64, n*d)
	for i := range n {
		for j := range d {
			z[i*d+j] = (x[i*d+j] - m.Mean[j]) / m.Std[j]
		}
	}
	obj := objective{z: z, labels: labels, n: n, d: d, k: k, lambda: lambda, weights: exampleWeights(labels, classWeights)}
	problem := optimize.Problem{
		Func: func(w []float64) float64 { return obj.eval(w, nil) },
		Grad: func(g, w []float64) { obj.eval(w, g) },
	}
	settings := &optimize.Settings{GradientThreshold: 1e-6, MajorIterations: 2000}
	res, err := optimize.Minimize(problem, make([]float64, k*(d+1)), settings, &optimize.LBFGS{})
	if err != nil && res == nil {
		return nil, fmt.Errorf("probe: fitting the classifier: %w", err)
	}
	if res.Status != optimize.GradientThreshold && res.Status != optimize.FunctionConvergence {
		if err == nil {
			err = errors.New(res.Status.String())
		}
		return nil, fmt.Errorf("probe: the fit did not converge (%v)", err)
	}
	m.W = res.X
	return m, nil
}

// objective is the penalized mean cross-entropy of the softmax classifier.
type objective struct {
	z       []float64
	labels  []int
	n, d, k int
	lambda  float64
	weights []float64 // per example, summing to n (nil: all 1)
}

// exampleWeights returns per-example weights w_{y_i}·n/Σ_i w_{y_i} (nil for nil).
func exampleWeights(labels []int, classWeights []float64) []float64 {
	if classWeights == nil {
		return nil
	}
	out := make([]float64, len(labels))
	sum := 0.0
	for i, y := range labels {
		out[i] = classWeights[y]
		sum += out[i]
	}
	for i := range out {
		out[i] *= float64(len(labels)) / sum
	}
	return out
}

// eval returns the objective at w and, when g is not nil, writes its gradient there.
func (o objective) eval(w, g []float64) float64 {
	d1 := o.d + 1
	if g != nil {
		for i := range g {
			g[i] = 0
		}
	}
	logits := make([]float64, o.k)
	loss := 0.0
	for i := range o.n {
		x := o.z[i*o.d : (i+1)*o.d]
		lse := logitsOf(w, x, o.k, o.d, logits)
		y := o.labels[i]
		wi := 1.0
		if o.weights != nil {
			wi = o.weights[i]
		}
		loss += wi * (lse - logits[y])
		if g == nil {
			continue
		}
		for c := range o.k {
			p := math.Exp(logits[c] - lse)
			if c == y {
				p--
			}
			p *= wi / float64(o.n)
			row := g[c*d1 : (c+1)*d1]
			for j, v := range x {
				row[j] += p * v
			}
			row[o.d] += p
		}
	}
	loss /= float64(o.n)
	for c := range o.k {
		for j := range o.d {
			v := w[c*d1+j]
			loss += o.lambda / 2 * v * v
			if g != nil {
				g[c*d1+j] += o.lambda * v
			}
		}
	}
	return loss
}

// logitsOf writes the k logits of standardized features x into out and returns their
// log-sum-exp.
func logitsOf(w, x []float64, k, d int, out []float64) float64 {
	d1 := d + 1
	top := math.Inf(-1)
	for c := range k {
		s := w[c*d1+d]
		for j, v := range x {
			s += w[c*d1+j] * v
		}
		out[c] = s
		top = max(top, s)
	}
	sum := 0.0
	for _, s := range out {
		sum += math.Exp(s - top)
	}
	return top + math.Log(sum)
}

// Logits returns the probe's logits of row-major raw features x [n][D], row-major [n][K].
func (m *Linear) Logits(x []float64) ([]float64, error) {
	if len(x)%m.D != 0 {
		return nil, fmt.Errorf("probe: %d feature values are not rows of %d", len(x), m.D)
	}
	n := len(x) / m.D
	z := make([]float64, m.D)
	out := make([]float64, n*m.K)
	for i := range n {
		for j := range m.D {
			z[j] = (x[i*m.D+j] - m.Mean[j]) / m.Std[j]
		}
		logitsOf(m.W, z, m.K, m.D, out[i*m.K:(i+1)*m.K])
	}
	return out, nil
}

// Predict returns the predicted class of each row of x ([n][D], raw features).
func (m *Linear) Predict(x []float64) ([]int, error) {
	if len(x)%m.D != 0 {
		return nil, fmt.Errorf("probe: %d feature values are not rows of %d", len(x), m.D)
	}
	n := len(x) / m.D
	z := make([]float64, m.D)
	logits := make([]float64, m.K)
	pred := make([]int, n)
	for i := range n {
		for j := range m.D {
			z[j] = (x[i*m.D+j] - m.Mean[j]) / m.Std[j]
		}
		logitsOf(m.W, z, m.K, m.D, logits)
		best := 0
		for c, s := range logits {
			if s > logits[best] {
				best = c
			}
		}
		pred[i] = best
	}
	return pred, nil
}

// PerClassError returns, for each of the k classes, the fraction of its examples (labels)
// whose prediction is wrong; a class without examples gets NaN.
func PerClassError(pred, labels []int, k int) ([]float64, error) {
	if len(pred) != len(labels) {
		return nil, fmt.Errorf("probe: %d predictions for %d labels", len(pred), len(labels))
	}
	wrong, total := make([]float64, k), make([]float64, k)
	for i, y := range labels {
		if y < 0 || y >= k {
			return nil, fmt.Errorf("probe: label %d outside [0, %d)", y, k)
		}
		total[y]++
		if pred[i] != y {
			wrong[y]++
		}
	}
	for c := range k {
		if total[c] == 0 {
			wrong[c] = math.NaN()
		} else {
			wrong[c] /= total[c]
		}
	}
	return wrong, nil
}

// SplitPerClass splits example indices into a probe-training and a held-out part, class by
// class: a random fraction of each class's examples (at least one, and one fewer than the
// class when it has two or more) goes to the first part. The split depends only on the labels
// and the seed. Fig. 6 trains its probe on a part of the balanced validation set and reports
// the error on the rest.
func SplitPerClass(labels []int, k int, fraction float64, seed uint64) (fit, held []int, err error) {
	if fraction <= 0 || fraction >= 1 {
		return nil, nil, fmt.Errorf("probe: the training fraction must be in (0, 1), got %g", fraction)
	}
	byClass := make([][]int, k)
	for i, y := range labels {
		if y < 0 || y >= k {
			return nil, nil, fmt.Errorf("probe: label %d of example %d is outside [0, %d)", y, i, k)
		}
		byClass[y] = append(byClass[y], i)
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	for c, idx := range byClass {
		if len(idx) < 2 {
			return nil, nil, fmt.Errorf("probe: class %d has %d example(s); a split needs at least 2 per class", c, len(idx))
		}
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		m := min(max(1, int(math.Round(fraction*float64(len(idx))))), len(idx)-1)
		fit = append(fit, idx[:m]...)
		held = append(held, idx[m:]...)
	}
	return fit, held, nil
}

// Rows gathers the rows idx of x ([n][d]) and their labels.
func Rows(x []float64, d int, labels []int, idx []int) ([]float64, []int) {
	out := make([]float64, 0, len(idx)*d)
	ys := make([]int, 0, len(idx))
	for _, i := range idx {
		out = append(out, x[i*d:(i+1)*d]...)
		ys = append(ys, labels[i])
	}
	return out, ys
}
