package losses

import (
	"math"
	"testing"
)

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// TestTwoClassMatchesFormulas checks the two-class losses against their closed forms:
// cross-entropy log(1 + e^{−s·g}), LDAM log(1 + e^{−s(g−Δ)}), hinge s·max(Δ − g, 0), and the
// gradients −s·σ(−s(g−Δ)).
func TestTwoClassMatchesFormulas(t *testing.T) {
	gaps := Gaps(-1, 1, 9)
	const s, d = 10.0, 0.3
	for _, c := range []struct {
		kind     string
		loss, dg func(g float64) float64
	}{
		{"ce", func(g float64) float64 { return math.Log1p(math.Exp(-s * g)) }, func(g float64) float64 { return -s * sigmoid(-s*g) }},
		{"ldam", func(g float64) float64 { return math.Log1p(math.Exp(-s * (g - d))) }, func(g float64) float64 { return -s * sigmoid(-s*(g-d)) }},
		{"hinge", func(g float64) float64 { return s * math.Max(d-g, 0) }, func(g float64) float64 {
			if g < d {
				return -s
			}
			return 0
		}},
	} {
		l, gr, err := TwoClass(c.kind, gaps, d, s, 1)
		if err != nil {
			t.Fatal(err)
		}
		for i, g := range gaps {
			if math.Abs(l[i]-c.loss(g)) > 1e-4*(1+c.loss(g)) || math.Abs(gr[i]-c.dg(g)) > 1e-4*(1+math.Abs(c.dg(g))) {
				t.Errorf("%s at g = %g: loss %g grad %g, want %g and %g", c.kind, g, l[i], gr[i], c.loss(g), c.dg(g))
			}
		}
	}
	if _, _, err := TwoClass("l2", gaps, 0, 1, 1); err == nil {
		t.Error("unknown loss accepted")
	}
}

func TestGradientFactors(t *testing.T) {
	gaps := Gaps(-1, 0.2, 13) // float32 resolves cross-entropy's gradient at s = 30 up to about 0.3
	rw, ld, err := GradientFactors(gaps, 3, 0.5, 30)
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range gaps {
		if math.Abs(rw[i]-3) > 1e-4 {
			t.Errorf("re-weighting factor %g at %g, want 3 everywhere", rw[i], g)
		}
		want := sigmoid(-30*(g-0.5)) / sigmoid(-30*g)
		if math.Abs(ld[i]-want) > 1e-3*want {
			t.Errorf("LDAM factor %g at %g, want %g", ld[i], g, want)
		}
	}
}
