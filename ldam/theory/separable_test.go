package theory

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestMaxMarginSmallCases(t *testing.T) {
	cases := []struct {
		name   string
		x      [][]float64
		y      []int
		margin float64
	}{
		{"axis", [][]float64{{1, 0}, {1, 1}, {2, -1}, {-1, 0}, {-1, 2}}, []int{0, 0, 0, 1, 1}, 1},
		{"diagonal", [][]float64{{1, 1}, {3, 2}, {-1, -1}}, []int{0, 0, 1}, math.Sqrt2},
	}
	for _, c := range cases {
		l, err := MaxMargin(c.x, c.y, 1e-12, 100000)
		if err != nil {
			t.Fatal(err)
		}
		g0, g1 := l.Margins(c.x, c.y)
		if math.Abs(g0-c.margin) > 1e-6 || math.Abs(g1-c.margin) > 1e-6 {
			t.Errorf("%s: margins %g, %g, want %g", c.name, g0, g1, c.margin)
		}
	}
	if _, err := MaxMargin([][]float64{{0, 0}, {1, 0}, {2, 0}}, []int{0, 1, 0}, 1e-9, 1000); err == nil {
		t.Error("a non-separable set was accepted")
	}
}

// TestMaxMarginBeatsEveryDirection compares the margin with a brute-force search over
// directions on random separable sets.
func TestMaxMarginBeatsEveryDirection(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 5 {
		var x [][]float64
		var y []int
		for i := range 40 {
			c := i % 2
			x = append(x, []float64{rng.NormFloat64()*0.5 + 2*float64(1-2*c), rng.NormFloat64()})
			y = append(y, c)
		}
		l, err := MaxMargin(x, y, 1e-12, 200000)
		if err != nil {
			continue // this draw is not separable
		}
		g0, g1 := l.Margins(x, y)
		best := math.Inf(-1)
		for k := range 20000 {
			th := 2 * math.Pi * float64(k) / 20000
			d := Linear{W: []float64{math.Cos(th), math.Sin(th)}}
			a, b := d.Margins(x, y)
			best = max(best, (a+b)/2)
		}
		if math.Abs(g0-g1) > 1e-9 || (g0+g1)/2 < best-1e-3 {
			t.Errorf("trial %d: margins %g %g, brute force %g", trial, g0, g1, best)
		}
	}
}

func TestShiftingTheBiasTradesMargins(t *testing.T) {
	x := [][]float64{{1, 0}, {2, 1}, {-1, 0}, {-3, 1}}
	y := []int{0, 0, 1, 1}
	l, _ := MaxMargin(x, y, 1e-12, 100000)
	g0, g1 := l.Margins(x, y)
	beta := g0 + g1
	for _, alpha := range []float64{0, 0.25, 1.0 / 3, 0.5, 1} {
		want0, want1 := MarginsProportional(beta, 100, 10, alpha)
		s := l.WithMargins(x, y, want0)
		a, b := s.Margins(x, y)
		if math.Abs(a-want0) > 1e-9 || math.Abs(b-want1) > 1e-9 {
			t.Errorf("α = %g: margins %g %g, want %g %g", alpha, a, b, want0, want1)
		}
	}
	// α = 1/4 is Theorem 3's optimum.
	a, b := MarginsProportional(beta, 100, 10, 0.25)
	c, d := TwoClassOptimum(beta, 100, 10)
	if math.Abs(a-c) > 1e-12 || math.Abs(b-d) > 1e-12 {
		t.Errorf("α = 1/4 gives %g %g, Eq. 8 %g %g", a, b, c, d)
	}
}

func TestWeightedLogistic(t *testing.T) {
	x := [][]float64{{1, 0.5}, {2, -0.5}, {0.5, 0}, {-1, 0.5}, {-2, -0.5}, {-0.5, 0}}
	y := []int{0, 0, 0, 1, 1, 1}
	l, err := WeightedLogistic(x, y, [2]float64{1, 1}, 0.01, 30)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(l.B) > 1e-9 || l.W[0] <= 0 {
		t.Errorf("symmetric data: %+v", l)
	}
	// Heavier class-0 weights push the boundary toward class 1.
	w, _ := WeightedLogistic(x, y, [2]float64{5, 1}, 0.01, 30)
	if w.B <= 0 {
		t.Errorf("re-weighted bias %g, want > 0", w.B)
	}
}
