package theory

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/stat"
)

// Menon et al.'s two-Gaussian toy (ICLR 2021, their Fig. 2): binary,
// 2-d isotropic Gaussians with means y·(1, 1), y = ±1, P(y = +1) = 5 %; an affine classifier
// trained with a pairwise margin loss ℓ = log(1 + e^{Δ_{yy'}} e^{f_{y'} − f_y}) (their Eq. 11); the
// Bayes-optimal classifier for the balanced error is the line x₁ + x₂ = 0.

// ToyLoss is one choice of the pairwise margins Δ_{yy'} of Menon et al.'s Eq. 11.
type ToyLoss struct {
	Name string
	// Delta returns Δ_{y,y'} for the true class y and the other y' (0 = negative, 1 = positive)
	// given the class priors.
	Delta func(y, other int, prior [2]float64) float64
}

// ToyLosses are the four losses of Menon et al.'s Fig. 2: ERM, LDAM's adaptive margin
// (Δ = π_y^{-1/4}), the equalised loss (Δ = log π_{y'}) and the logit-adjusted loss
// (Δ = log(π_{y'}/π_y)).
var ToyLosses = []ToyLoss{
	{"ERM", func(y, o int, p [2]float64) float64 { return 0 }},
	{"adaptive margin (LDAM)", func(y, o int, p [2]float64) float64 { return math.Pow(p[y], -0.25) }},
	{"equalised", func(y, o int, p [2]float64) float64 { return math.Log(p[o]) }},
	{"logit-adjusted", func(y, o int, p [2]float64) float64 { return math.Log(p[o] / p[y]) }},
}

// ToyResult is a loss's balanced test error over the trials, with the Bayes error beside it.
type ToyResult struct {
	Loss                string
	Mean, Std, Bayes    float64
	Trials, Train, Test int
}

// toySample draws n points: label 1 with probability pPos, x ~ N(y·(1,1), I) with y = ±1.
func toySample(rng *rand.Rand, n int, pPos float64) (x [][2]float64, y []int) {
	for range n {
		l := 0
		if rng.Float64() < pPos {
			l = 1
		}
		s := float64(2*l - 1)
		x = append(x, [2]float64{s + rng.NormFloat64(), s + rng.NormFloat64()})
		y = append(y, l)
	}
	return x, y
}

// fitToy fits f(x) = w·x + b (the positive class's score minus the negative's) by L-BFGS on the
// mean pairwise loss.
func fitToy(x [][2]float64, y []int, loss ToyLoss, prior [2]float64) ([3]float64, error) {
	d := [2]float64{loss.Delta(0, 1, prior), loss.Delta(1, 0, prior)}
	f := func(p, g []float64) float64 {
		total := 0.0
		if g != nil {
			g[0], g[1], g[2] = 0, 0, 0
		}
		for i, xi := range x {
			s := p[0]*xi[0] + p[1]*xi[1] + p[2]
			// f_{y'} − f_y: −s for y = 1, s for y = 0.
			u := d[y[i]] + s
			if y[i] == 1 {
				u = d[1] - s
			}
			l := math.Log1p(math.Exp(u))
			if u > 30 {
				l = u
			}
			total += l
			if g != nil {
				sig := 1 / (1 + math.Exp(-u))
				ds := sig
				if y[i] == 1 {
					ds = -sig
				}
				g[0] += ds * xi[0]
				g[1] += ds * xi[1]
				g[2] += ds
			}
		}
		n := float64(len(x))
		if g != nil {
			g[0], g[1], g[2] = g[0]/n, g[1]/n, g[2]/n
		}
		return total / n
	}
	res, err := optimize.Minimize(optimize.Problem{Func: func(p []float64) float64 { return f(p, nil) }, Grad: func(g, p []float64) { f(p, g) }},
		[]float64{0, 0, 0}, &optimize.Settings{GradientThreshold: 1e-9, MajorIterations: 500}, &optimize.LBFGS{})
	if res == nil {
		return [3]float64{}, fmt.Errorf("theory: the toy fit failed: %v", err)
	}
	return [3]float64{res.X[0], res.X[1], res.X[2]}, nil
}

// balancedToyError is the balanced error of the classifier sign(p·x + b) on (x, y).
func balancedToyError(p [3]float64, x [][2]float64, y []int) float64 {
	var wrong, n [2]float64
	for i, xi := range x {
		pred := 0
		if p[0]*xi[0]+p[1]*xi[1]+p[2] > 0 {
			pred = 1
		}
		n[y[i]]++
		if pred != y[i] {
			wrong[y[i]]++
		}
	}
	return (wrong[0]/max(1, n[0]) + wrong[1]/max(1, n[1])) / 2
}

// MenonToy runs the toy: for each trial, train and test sets of the given sizes, every loss
// fitted on the train set (priors estimated from it) and scored on the test set with the
// balanced error; the Bayes classifier x₁ + x₂ > 0 is scored on the same test sets.
func MenonToy(trials, train, test int, seed uint64) ([]ToyResult, error) {
	const pPos = 0.05
	errs := make([][]float64, len(ToyLosses))
	var bayes []float64
	rng := rand.New(rand.NewPCG(seed, 2021))
	for range trials {
		xtr, ytr := toySample(rng, train, pPos)
		xte, yte := toySample(rng, test, pPos)
		var cnt [2]float64
		for _, l := range ytr {
			cnt[l]++
		}
		if cnt[0] == 0 || cnt[1] == 0 {
			return nil, fmt.Errorf("theory: a training set of %d has no example of one class; use more training points", train)
		}
		prior := [2]float64{cnt[0] / float64(train), cnt[1] / float64(train)}
		for k, loss := range ToyLosses {
			p, err := fitToy(xtr, ytr, loss, prior)
			if err != nil {
				return nil, err
			}
			errs[k] = append(errs[k], balancedToyError(p, xte, yte))
		}
		bayes = append(bayes, balancedToyError([3]float64{1, 1, 0}, xte, yte))
	}
	var out []ToyResult
	for k, loss := range ToyLosses {
		out = append(out, ToyResult{Loss: loss.Name, Mean: stat.Mean(errs[k], nil), Std: stat.StdDev(errs[k], nil),
			Bayes: stat.Mean(bayes, nil), Trials: trials, Train: train, Test: test})
	}
	return out, nil
}
