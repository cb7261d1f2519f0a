package losses_test

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"

	"github.com/ldamlab/ldamlab/ldam/losses"
)

// The follow-up losses: in the lossFn convention, m plays the additive term (τ log π, or the
// VS multiplier) and w the class weights or the second per-class term.
var adjustedLosses = []struct {
	name string
	fn   lossFn
	ref  func(z []float64, y int, m, w []float64) (loss, weight float64)
}{
	{"logit-adjusted", func(l, y, m, w *Node) *Node { return losses.LogitAdjusted(l, y, m, nil) },
		func(z []float64, y int, m, w []float64) (float64, float64) {
			// Menon et al. Eq. 10, second form: log(1 + Σ_{j≠y} e^{m_j − m_y} e^{z_j − z_y}).
			s := 1.0
			for j := range z {
				if j != y {
					s += math.Exp(m[j]-m[y]) * math.Exp(z[j]-z[y])
				}
			}
			return math.Log(s), 1
		}},
	{"logit-adjusted, weighted", func(l, y, m, w *Node) *Node { return losses.LogitAdjusted(l, y, m, w) },
		func(z []float64, y int, m, w []float64) (float64, float64) {
			return crossEntropyRef(shift(z, m), y), w[y]
		}},
	{"balanced softmax", func(l, y, m, w *Node) *Node { return losses.BalancedSoftmax(l, y, m, nil) },
		func(z []float64, y int, m, w []float64) (float64, float64) {
			// Ren et al.: −log(n_y e^{η_y} / Σ n_j e^{η_j}) with log n_j = m_j (+ a constant).
			s := 0.0
			for j := range z {
				s += math.Exp(m[j] + 7 + z[j])
			}
			return -math.Log(math.Exp(m[y]+7+z[y]) / s), 1
		}},
	{"LA + margin", func(l, y, m, w *Node) *Node { return losses.LogitAdjustedMargin(l, y, m, w, nil) },
		func(z []float64, y int, m, w []float64) (float64, float64) {
			// Pairwise form (Menon et al. Eq. 11): Δ_{yj} = m_j − m_y + w_y.
			s := 1.0
			for j := range z {
				if j != y {
					s += math.Exp(m[j]-m[y]+w[y]) * math.Exp(z[j]-z[y])
				}
			}
			return math.Log(s), 1
		}},
	{"VS", func(l, y, m, w *Node) *Node { return losses.VS(l, y, m, w, nil) },
		func(z []float64, y int, m, w []float64) (float64, float64) {
			v := make([]float64, len(z))
			for j := range z {
				v[j] = m[j]*z[j] + w[j]
			}
			return crossEntropyRef(v, y), 1
		}},
}

func shift(z, a []float64) []float64 {
	out := make([]float64, len(z))
	for j := range z {
		out[j] = z[j] + a[j]
	}
	return out
}

func TestAdjustedLossesAgainstPlainGo(t *testing.T) {
	p := newProblem(3, 9, 5)
	for _, tc := range adjustedLosses {
		sum, wsum := 0.0, 0.0
		for i := range p.B {
			l, w := tc.ref(p.logits[i*p.C:(i+1)*p.C], int(p.labels[i]), p.margins, p.weights)
			sum += w * l
			wsum += w
		}
		if got, want := evalLoss(t, tc.fn, p, p.logits), sum/wsum; math.Abs(got-want) > 1e-9 {
			t.Errorf("%s: got %.10f, want %.10f", tc.name, got, want)
		}
	}
}

func TestAdjustedGradientsMatchFiniteDifferences(t *testing.T) {
	p := newProblem(4, 6, 5)
	for _, tc := range adjustedLosses {
		t.Run(tc.name, func(t *testing.T) { checkFiniteDifferences(t, tc.fn, p) })
	}
}

func TestAdjustmentTerms(t *testing.T) {
	counts := []int{5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50}
	lp, err := losses.LogPriors(counts)
	if err != nil {
		t.Fatal(err)
	}
	if got := math.Exp(lp[9]); math.Abs(got-50.0/12406) > 1e-12 {
		t.Errorf("π of the tail class %g, want 50/12406", got)
	}
	mult, add, err := losses.VSFactors(counts, 0.3, 1)
	if err != nil {
		t.Fatal(err)
	}
	if mult[0] != 1 || math.Abs(mult[9]-math.Pow(0.01, 0.3)) > 1e-12 || add[4] != lp[4] {
		t.Errorf("VS factors: Δ %v, ι %v", mult, add)
	}
	d, _ := losses.AdaptiveMargins(counts)
	if math.Abs(d[9]-math.Pow(12406.0/50, 0.25)) > 1e-9 || d[0] >= d[9] {
		t.Errorf("adaptive margins %v", d)
	}
	// Post-hoc adjustment moves a borderline prediction to the rarer class.
	adj, err := losses.PostHocAdjust([]float64{1.0, 0.9}, []float64{math.Log(0.9), math.Log(0.1)}, 1)
	if err != nil || adj[1] <= adj[0] {
		t.Errorf("post-hoc logits %v (%v): the rare class should win", adj, err)
	}
	for _, bad := range []func() error{
		func() error { _, err := losses.LogPriors([]int{3, 0}); return err },
		func() error { _, _, err := losses.VSFactors([]int{3, 1}, -1, 1); return err },
		func() error { _, err := losses.PostHocAdjust([]float64{1, 2, 3}, []float64{0, 0}, 1); return err },
	} {
		if bad() == nil {
			t.Error("bad input accepted")
		}
	}
}
