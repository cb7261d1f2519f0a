package probe

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestMaxNormBoundAndProjection(t *testing.T) {
	c := Classifier{K: 3, D: 2, W: []float64{3, 4, 0, 1, 0.6, 0.8}, B: []float64{5, 6, 7}} // norms 5, 1, 1
	delta, err := MaxNormBound(c, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 + 0.1*(5-1); math.Abs(delta-want) > 1e-12 {
		t.Fatalf("δ = %g, want min + 0.1(max − min) = %g", delta, want)
	}
	ProjectMaxNorm(c, delta)
	norms := c.RowNorms()
	if math.Abs(norms[0]-delta) > 1e-12 || norms[1] != 1 || math.Abs(norms[2]-1) > 1e-12 {
		t.Errorf("norms after projection %v: want the long vector at δ = %g, the others kept", norms, delta)
	}
	if math.Abs(c.W[0]/c.W[1]-0.75) > 1e-12 || !slices.Equal(c.B, []float64{5, 6, 7}) {
		t.Errorf("projection changed a direction or a bias: %v %v", c.W, c.B)
	}
	if _, err := MaxNormBound(Classifier{K: 2, D: 1, W: []float64{0, 0}, B: []float64{0, 0}}, 0.1); err == nil {
		t.Error("a zero classifier gave a bound")
	}
}

func TestMaxNormFineTune(t *testing.T) {
	counts := []int{400, 40, 8}
	x, y := imbalancedBlobs(counts, 3, 2, 3)
	// Start from the plain (unweighted) softmax classifier, as the first stage hands it over:
	// its tail class is rarely predicted.
	plain, err := FitWeighted(x, 3, y, 3, 1e-3, []float64{1, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	start := plain.Classifier()
	before := slices.Clone(start.W)
	w := []float64{0.05, 0.5, 2.45} // class-balanced-like weights, Σ = k
	f := AuthorsMaxNorm()
	f.Seed = 7
	tuned, delta, err := f.Run(start, x, y, w)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(start.W, before) {
		t.Error("Run modified the classifier it started from")
	}
	if want, _ := MaxNormBound(start, f.Threshold); delta != want {
		t.Errorf("δ = %g, want the bound of the starting classifier %g", delta, want)
	}
	for j, n := range tuned.RowNorms() {
		if n > delta*(1+1e-12) {
			t.Errorf("class %d: ‖w‖ = %g above δ = %g", j, n, delta)
		}
	}
	xt, yt := imbalancedBlobs([]int{300, 300, 300}, 3, 2, 70)
	errorOf := func(c Classifier) float64 {
		l, err := c.Logits(xt)
		if err != nil {
			t.Fatal(err)
		}
		return balancedError(ArgMax(l, 3), yt, 3)
	}
	e0, e1 := errorOf(start), errorOf(tuned)
	t.Logf("balanced test error %.3f → %.3f, δ = %.3f", e0, e1, delta)
	if !(e1 < e0) {
		t.Errorf("balanced test error %g after the fine-tune, %g before: the class-balanced stage should lower it", e1, e0)
	}
	again, _, err := f.Run(start, x, y, w)
	if err != nil || !slices.Equal(again.W, tuned.W) {
		t.Errorf("same seed, different classifier (err %v)", err)
	}
}

func TestMaxNormFineTuneBadInput(t *testing.T) {
	c := Classifier{K: 2, D: 2, W: []float64{1, 0, 0, 1}, B: []float64{0, 0}}
	x, y := []float64{1, 0, 0, 1}, []int{0, 1}
	bad := AuthorsMaxNorm()
	bad.Epochs = 0
	for _, tc := range []struct {
		name, want string
		f          MaxNormFineTune
		c          Classifier
		x          []float64
		y          []int
		w          []float64
	}{
		{"no epochs", "AuthorsMaxNorm", bad, c, x, y, []float64{1, 1}},
		{"features", "feature values", AuthorsMaxNorm(), c, x[:3], y, []float64{1, 1}},
		{"label", "outside", AuthorsMaxNorm(), c, x, []int{0, 2}, []float64{1, 1}},
		{"weights", "class weights", AuthorsMaxNorm(), c, x, y, []float64{1}},
		{"classifier", "classifier", AuthorsMaxNorm(), Classifier{K: 2, D: 2, W: []float64{1}, B: []float64{0, 0}}, x, y, []float64{1, 1}},
	} {
		if _, _, err := tc.f.Run(tc.c, tc.x, tc.y, tc.w); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming %q", tc.name, err, tc.want)
		}
	}
}
