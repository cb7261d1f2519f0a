package theory

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat"
)

// Section 3.1 of the paper (02-margin-ipynb): Theorem 3 tested by experiment.

// Theorem3Config is an experiment on Theorem 3: two Gaussian classes N(±μ·e₁, I) in Dim
// dimensions, N0 training points of the frequent class 0 and N1 of the rare class 1, redrawn
// until linearly separable; the max-margin classifier's bias is moved so that γ_j ∝ n_j^{−α}.
type Theorem3Config struct {
	N0, N1, Dim, Trials, TestPerClass int
	Mu                                float64
	Alphas                            []float64
	// Lambda is the L2 penalty of the re-weighted logistic regression (the re-weighting row).
	Lambda float64
	Seed   uint64
}

// DefaultTheorem3 is the experiment of the notebook: ρ = 10 (100 against 10 points) in 2-d,
// means 5 apart, 200 draws, 20,000 test points per class.
func DefaultTheorem3() Theorem3Config {
	return Theorem3Config{N0: 100, N1: 10, Dim: 2, Trials: 200, TestPerClass: 20000, Mu: 2.5,
		Alphas: []float64{0, 0.25, 1.0 / 3, 0.5, 1}, Lambda: 1e-3, Seed: 1}
}

// Theorem3Row is one method's balanced test errors over the draws.
type Theorem3Row struct {
	Name   string
	Alpha  float64 // NaN for re-weighting
	Errors []float64
}

// Mean is the mean balanced test error over draws.
func (r Theorem3Row) Mean() float64 { return stat.Mean(r.Errors, nil) }

// Std is the sample standard deviation over draws.
func (r Theorem3Row) Std() float64 { return stat.StdDev(r.Errors, nil) }

// Theorem3Result holds the rows and how many draws were rejected as not separable.
type Theorem3Result struct {
	Config   Theorem3Config
	Rows     []Theorem3Row
	Rejected int
}

// gaussianPoints draws n points of N(mean·e₁, I) in dim dimensions.
func gaussianPoints(rng *rand.Rand, n, dim int, mean float64) [][]float64 {
	out := make([][]float64, n)
	for i := range out {
		x := make([]float64, dim)
		for k := range x {
			x[k] = rng.NormFloat64()
		}
		x[0] += mean
		out[i] = x
	}
	return out
}

// TwoGaussians draws a separable training set: n0 points of class 0 around +μ·e₁ and n1 of
// class 1 around −μ·e₁; it redraws (at most 1000 times) until the set is linearly separable and
// returns the data, its max-margin classifier and the number of rejected draws.
func TwoGaussians(rng *rand.Rand, n0, n1, dim int, mu float64) (x [][]float64, y []int, svm Linear, rejected int, err error) {
	for range 1000 {
		x = append(gaussianPoints(rng, n0, dim, mu), gaussianPoints(rng, n1, dim, -mu)...)
		y = make([]int, n0+n1)
		for i := n0; i < len(y); i++ {
			y[i] = 1
		}
		if svm, err = MaxMargin(x, y, 1e-10, 100000); err == nil {
			return x, y, svm, rejected, nil
		}
		rejected++
	}
	return nil, nil, Linear{}, rejected, fmt.Errorf("theory: no separable draw in 1000 tries; increase μ")
}

// balancedError is the balanced error of a classifier on a test sample (class 0 then class 1,
// n each).
func balancedError(l Linear, test [][]float64, n int) float64 {
	wrong := [2]int{}
	for i, x := range test {
		c := i / n
		if (l.Score(x) > 0) != (c == 0) {
			wrong[c]++
		}
	}
	return (float64(wrong[0]) + float64(wrong[1])) / float64(2*n)
}

// RunTheorem3 runs the experiment: per draw, the max-margin classifier with its bias moved for
// every α, and re-weighted logistic regression (weights ∝ 1/n_j), each scored by its balanced
// error on a fresh test sample of TestPerClass points per class.
func RunTheorem3(c Theorem3Config) (*Theorem3Result, error) {
	if c.N0 < 1 || c.N1 < 1 || c.Trials < 1 || c.TestPerClass < 1 || c.Dim < 1 {
		return nil, fmt.Errorf("theory: the Theorem 3 experiment needs positive counts, trials, test size and dimension: %+v", c)
	}
	rng := rand.New(rand.NewPCG(c.Seed, 3))
	res := &Theorem3Result{Config: c}
	for _, a := range c.Alphas {
		res.Rows = append(res.Rows, Theorem3Row{Name: fmt.Sprintf("γ ∝ n^-%s", alphaText(a)), Alpha: a})
	}
	res.Rows = append(res.Rows, Theorem3Row{Name: "re-weighting (logistic, weights ∝ 1/n_j)", Alpha: math.NaN()})
	w0 := float64(c.N0+c.N1) / (2 * float64(c.N0))
	w1 := float64(c.N0+c.N1) / (2 * float64(c.N1))
	for range c.Trials {
		x, y, svm, rejected, err := TwoGaussians(rng, c.N0, c.N1, c.Dim, c.Mu)
		if err != nil {
			return nil, err
		}
		res.Rejected += rejected
		test := append(gaussianPoints(rng, c.TestPerClass, c.Dim, c.Mu), gaussianPoints(rng, c.TestPerClass, c.Dim, -c.Mu)...)
		g0, g1 := svm.Margins(x, y)
		for i, a := range c.Alphas {
			m0, _ := MarginsProportional(g0+g1, c.N0, c.N1, a)
			res.Rows[i].Errors = append(res.Rows[i].Errors, balancedError(svm.WithMargins(x, y, m0), test, c.TestPerClass))
		}
		rw, err := WeightedLogistic(x, y, [2]float64{w0, w1}, c.Lambda, 25)
		if err != nil {
			return nil, err
		}
		last := len(res.Rows) - 1
		res.Rows[last].Errors = append(res.Rows[last].Errors, balancedError(rw, test, c.TestPerClass))
	}
	return res, nil
}

func alphaText(a float64) string {
	switch {
	case math.Abs(a-1.0/3) < 1e-12:
		return "1/3"
	case math.Abs(a-0.25) < 1e-12:
		return "1/4"
	case math.Abs(a-0.5) < 1e-12:
		return "1/2"
	}
	return fmt.Sprint(a)
}

// StdErr is the standard error of the mean balanced test error over draws.
func (r Theorem3Row) StdErr() float64 { return r.Std() / math.Sqrt(float64(len(r.Errors))) }

// Minus is the row of paired differences r − ref, draw by draw (both rows come from the same
// draws): the comparison Theorem 3's argument rests on, with far less spread than either row.
func (r Theorem3Row) Minus(ref Theorem3Row) Theorem3Row {
	d := Theorem3Row{Name: r.Name + " − " + ref.Name, Alpha: r.Alpha}
	for i, e := range r.Errors {
		d.Errors = append(d.Errors, e-ref.Errors[i])
	}
	return d
}

// Row returns the row of margins γ_j ∝ n_j^{−α}, or false when the experiment has none.
func (r *Theorem3Result) Row(alpha float64) (Theorem3Row, bool) {
	for _, row := range r.Rows {
		if math.Abs(row.Alpha-alpha) < 1e-12 {
			return row, true
		}
	}
	return Theorem3Row{}, false
}

// Reweighted is the re-weighted logistic regression's row (the last).
func (r *Theorem3Result) Reweighted() Theorem3Row { return r.Rows[len(r.Rows)-1] }
