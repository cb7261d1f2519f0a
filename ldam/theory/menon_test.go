package theory

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestMenonToy(t *testing.T) {
	rs, err := MenonToy(20, 10000, 10000, 1)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]ToyResult{}
	for _, r := range rs {
		by[r.Loss] = r
		if r.Mean < r.Bayes-0.01 {
			t.Errorf("%s: %.4f below the Bayes error %.4f", r.Loss, r.Mean, r.Bayes)
		}
	}
	// Their Fig. 2: the logit-adjusted loss tracks the Bayes-optimal balanced error; ERM,
	// fitted to the 5 % prior, does not.
	la, erm := by["logit-adjusted"], by["ERM"]
	if !(la.Mean-la.Bayes < 0.01) {
		t.Errorf("logit-adjusted %.4f, Bayes %.4f: should be within a point", la.Mean, la.Bayes)
	}
	if !(erm.Mean > la.Mean+0.02) {
		t.Errorf("ERM %.4f should be clearly worse than logit-adjusted %.4f", erm.Mean, la.Mean)
	}
}

func TestToyFitGradient(t *testing.T) {
	// fitToy's minimum: the loss's gradient vanishes there (checked by finite differences on the
	// objective rebuilt here).
	rng := rand.New(rand.NewPCG(3, 3))
	x, y := toySample(rng, 500, 0.2)
	prior := [2]float64{0.8, 0.2}
	loss := ToyLosses[3]
	p, err := fitToy(x, y, loss, prior)
	if err != nil {
		t.Fatal(err)
	}
	obj := func(q [3]float64) float64 {
		s := 0.0
		for i, xi := range x {
			f := q[0]*xi[0] + q[1]*xi[1] + q[2]
			u := loss.Delta(0, 1, prior) + f
			if y[i] == 1 {
				u = loss.Delta(1, 0, prior) - f
			}
			s += math.Log1p(math.Exp(u))
		}
		return s / float64(len(x))
	}
	for j := range 3 {
		a, b := p, p
		a[j] += 1e-5
		b[j] -= 1e-5
		if g := (obj(a) - obj(b)) / 2e-5; math.Abs(g) > 1e-5 {
			t.Errorf("∂/∂p[%d] = %g at the fitted minimum", j, g)
		}
	}
}
