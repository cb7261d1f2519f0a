package theory

import (
	"math"
	"testing"
)

func TestMargins(t *testing.T) {
	logits := []float64{
		2, 1, 0, // y=0: margin 1
		3, 0.5, 0, // y=0: margin 2.5
		1, 0, 2, // y=1: margin −2
	}
	g, err := ClassMargins(logits, []int{0, 0, 1}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if g[0] != 1 || g[1] != -2 || !math.IsInf(g[2], 1) {
		t.Errorf("class margins %v, want [1 −2 +Inf]", g)
	}
	if _, err := ClassMargins(logits, []int{0, 0}, 3); err == nil {
		t.Error("mismatched sizes accepted")
	}
}

func TestTwoClassOptimum(t *testing.T) {
	for _, tc := range []struct{ n1, n2 int }{{5000, 50}, {100, 100}, {1000, 10}, {7, 700}} {
		g1, g2 := TwoClassOptimum(1, tc.n1, tc.n2)
		m1, m2 := MinimizeTradeOff(1, tc.n1, tc.n2)
		if math.Abs(g1-m1) > 1e-6 || math.Abs(g2-m2) > 1e-6 {
			t.Errorf("n=(%d,%d): closed form (%g, %g), numerical (%g, %g)", tc.n1, tc.n2, g1, g2, m1, m2)
		}
		// Eq. 8: γ1/γ2 = (n2/n1)^{1/4}.
		if r := g1 / g2; math.Abs(r-math.Pow(float64(tc.n2)/float64(tc.n1), 0.25)) > 1e-12 {
			t.Errorf("γ1/γ2 = %g", r)
		}
		// Optimality: perturbing γ1 in either direction increases Eq. 6.
		for _, d := range []float64{-0.01, 0.01} {
			if TradeOff(g1+d, 1, tc.n1, tc.n2) <= TradeOff(g1, 1, tc.n1, tc.n2) {
				t.Errorf("n=(%d,%d): γ1+%g is no worse than the optimum", tc.n1, tc.n2, d)
			}
		}
	}
}

func TestKClassOptimum(t *testing.T) {
	counts := []int{5000, 1000, 200, 50}
	g := OptimalMargins(counts, 2)
	sum := 0.0
	for j := range g {
		sum += g[j]
		if r := g[j] / g[0]; math.Abs(r-math.Pow(float64(counts[0])/float64(counts[j]), 0.25)) > 1e-12 {
			t.Errorf("γ_%d/γ_0 = %g", j, r)
		}
	}
	if math.Abs(sum-2) > 1e-12 {
		t.Errorf("Σγ = %g, want 2", sum)
	}
	// The optimum beats uniform margins with the same sum on the Eq. 5 bound.
	uniform := []float64{0.5, 0.5, 0.5, 0.5}
	if Bound(g, counts, 1) >= Bound(uniform, counts, 1) {
		t.Error("n^{-1/4} margins do not improve the bound over uniform margins")
	}
	f := FastRateMargins(counts, 1)
	if r := f[3] / f[0]; math.Abs(r-math.Pow(100, 1.0/3)) > 1e-9 {
		t.Errorf("fast-rate ratio %g, want 100^{1/3}", r)
	}
}

func TestClassMarginQuantiles(t *testing.T) {
	// Class 0: margins 2, −1, 0.5, 3, 1 (the second example is misclassified); class 1: 0.25.
	logits := []float64{2, 0, 0, 1, 0.5, 0, 3, 0, 1, 0, 0, 0.25}
	labels := []int{0, 0, 0, 0, 0, 1}
	tests := []struct {
		q    float64
		want []float64
	}{
		{0, []float64{-1, 0.25}},
		{0.25, []float64{0.5, 0.25}},
		{0.5, []float64{1, 0.25}},
		{1, []float64{3, 0.25}},
	}
	for _, tc := range tests {
		got, err := ClassMarginQuantiles(logits, labels, 2, tc.q)
		if err != nil {
			t.Fatal(err)
		}
		for j := range tc.want {
			if got[j] != tc.want[j] {
				t.Errorf("q = %g, class %d: %g, want %g", tc.q, j, got[j], tc.want[j])
			}
		}
	}
	min, _ := ClassMargins(logits, labels, 2)
	q0, _ := ClassMarginQuantiles(logits, labels, 2, 0)
	for j := range min {
		if min[j] != q0[j] {
			t.Errorf("class %d: q = 0 gives %g, Eq. 2 gives %g", j, q0[j], min[j])
		}
	}
	if _, err := ClassMarginQuantiles(logits, labels, 2, 1.5); err == nil {
		t.Error("q = 1.5: no error")
	}
}
