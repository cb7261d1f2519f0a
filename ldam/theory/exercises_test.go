package theory

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestMinimizeMargins: the numerical optimum follows n_j^{−b/(a+1)}: −1/4 for Eq. 6–8, −1/3 for
// the fast-rate bound, and matches Eq. 9's closed form.
func TestMinimizeMargins(t *testing.T) {
	counts := []int{5000, 1000, 200, 50}
	for _, c := range []struct{ a, b, want float64 }{{1, 0.5, -0.25}, {2, 1, -1.0 / 3}, {1, 1, -0.5}} {
		g, err := MinimizeMargins(counts, 1, c.a, c.b)
		if err != nil {
			t.Fatal(err)
		}
		if e := FittedExponent(counts, g); math.Abs(e-c.want) > 1e-5 {
			t.Errorf("a = %g, b = %g: exponent %.6f, want %.6f", c.a, c.b, e, c.want)
		}
		sum := 0.0
		for _, v := range g {
			sum += v
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("Σγ = %v", sum)
		}
	}
	g, _ := MinimizeMargins(counts, 2, 1, 0.5)
	for j, want := range OptimalMargins(counts, 2) {
		if math.Abs(g[j]-want) > 1e-6 {
			t.Errorf("class %d: %v, Eq. 9 gives %v", j, g[j], want)
		}
	}
	if _, err := MinimizeMargins([]int{10}, 1, 1, 0.5); err == nil {
		t.Error("one class minimized")
	}
}

// TestImplicitBias: as λ → 0, L2-regularized weighted logistic regression on a separable set
// turns toward the max-margin direction (the remark of §3.2 on re-weighting: without
// regularization the weights stop mattering), slowly — the angle falls like 1/log(1/λ).
func TestImplicitBias(t *testing.T) {
	x, y, _, _, err := TwoGaussians(rand.New(rand.NewPCG(1, 2)), 100, 10, 2, 2.5)
	if err != nil {
		t.Fatal(err)
	}
	svm, err := MaxMargin(x, y, 1e-12, 200000)
	if err != nil {
		t.Fatal(err)
	}
	var between []float64
	for _, lambda := range []float64{1e-2, 1e-6, 1e-10} {
		var fits []Linear
		for _, w := range [][2]float64{{1, 1}, {0.1, 1}} {
			l, err := WeightedLogistic(x, y, w, lambda, 500)
			if err != nil {
				t.Fatal(err)
			}
			fits = append(fits, l)
		}
		between = append(between, Angle(fits[0], fits[1]))
		for i, l := range fits {
			t.Logf("λ = %g, weights %d: %.2f° from the max-margin direction", lambda, i, Angle(l, svm))
			if lambda == 1e-10 && Angle(l, svm) > 3 {
				t.Errorf("λ = %g: still %.2f° from the max-margin direction", lambda, Angle(l, svm))
			}
		}
	}
	if !(between[2] < between[0]) {
		t.Errorf("the two weightings' directions differ by %.2f° at λ = 1e-10, %.2f° at 1e-2: the weights should matter less", between[2], between[0])
	}
	if a := Angle(Linear{W: []float64{1, 0}}, Linear{W: []float64{0, 2}}); math.Abs(a-90) > 1e-12 {
		t.Errorf("angle %v", a)
	}
}

// TestTheorem3Reading: the reading quotes the experiment's own numbers and says which way the
// comparison went.
func TestTheorem3Reading(t *testing.T) {
	c := DefaultTheorem3()
	c.Trials, c.TestPerClass = 20, 2000
	res, err := RunTheorem3(c)
	if err != nil {
		t.Fatal(err)
	}
	r := res.Reading()
	zero, _ := res.Row(0)
	for _, want := range []string{"Over 20 draws", fmt.Sprintf("%.2f %%", 100*zero.Mean()), "Bayes-optimal balanced error is 0.62 %"} {
		if !strings.Contains(r, want) {
			t.Errorf("the reading lacks %q:\n%s", want, r)
		}
	}
	if !strings.Contains(r, "holds") && !strings.Contains(r, "is not confirmed") {
		t.Errorf("no verdict:\n%s", r)
	}
}
