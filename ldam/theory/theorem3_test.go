package theory

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestTheorem3Experiment(t *testing.T) {
	c := DefaultTheorem3()
	c.Trials, c.TestPerClass = 20, 4000
	res, err := RunTheorem3(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != len(c.Alphas)+1 {
		t.Fatalf("%d rows", len(res.Rows))
	}
	for _, r := range res.Rows {
		if len(r.Errors) != c.Trials || !(r.Mean() > 0 && r.Mean() < 0.5) {
			t.Errorf("%s: %d draws, mean %g", r.Name, len(r.Errors), r.Mean())
		}
	}
	// Moving the bias toward the rare class's larger margin changes the classifier: α = 1
	// differs from α = 0.
	if res.Rows[0].Mean() == res.Rows[4].Mean() {
		t.Error("the bias shift changed nothing")
	}
	quarter, ok := res.Row(0.25)
	if !ok || quarter.Name != "γ ∝ n^-1/4" {
		t.Errorf("row α = 1/4: %q, %v", quarter.Name, ok)
	}
	if _, ok := res.Row(0.7); ok {
		t.Error("a row for α = 0.7, which the experiment has not")
	}
	if !math.IsNaN(res.Reweighted().Alpha) {
		t.Errorf("the last row is %q, not re-weighting", res.Reweighted().Name)
	}
	// Paired differences: their mean is the difference of the means; α = 1/4 minus itself is 0.
	one, _ := res.Row(1)
	d := one.Minus(quarter)
	if math.Abs(d.Mean()-(one.Mean()-quarter.Mean())) > 1e-12 || quarter.Minus(quarter).Std() != 0 {
		t.Errorf("paired difference %g, means %g − %g", d.Mean(), one.Mean(), quarter.Mean())
	}
	if math.Abs(d.StdErr()-d.Std()/math.Sqrt(float64(c.Trials))) > 1e-15 {
		t.Errorf("standard error %g", d.StdErr())
	}
	if _, err := RunTheorem3(Theorem3Config{}); err == nil {
		t.Error("an empty configuration was accepted")
	}
}

// TestBalancedErrorMatchesGaussianTail checks the test-sample error against the exact value of
// a fixed boundary: for x₁ > 0.5 on N(±2.5·e₁, I) the errors are Φ(−2) and Φ(−3).
func TestBalancedErrorMatchesGaussianTail(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	n := 200000
	test := append(gaussianPoints(rng, n, 2, 2.5), gaussianPoints(rng, n, 2, -2.5)...)
	l := Linear{W: []float64{1, 0}, B: -0.5} // x₁ > 0.5
	phi := func(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }
	want := (phi(-2) + phi(-3)) / 2
	if got := balancedError(l, test, n); math.Abs(got-want) > 0.002 {
		t.Errorf("balanced error %g, exact %g", got, want)
	}
}

func TestTwoGaussiansAreSeparable(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x, y, svm, _, err := TwoGaussians(rng, 60, 6, 2, 2.5)
	if err != nil {
		t.Fatal(err)
	}
	for i, xi := range x {
		if (svm.Score(xi) > 0) != (y[i] == 0) {
			t.Fatalf("point %d (class %d) on the wrong side of the max-margin boundary", i, y[i])
		}
	}
}
