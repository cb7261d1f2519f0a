package probe

import (
	"math"
	"testing"
)

// imbalancedBlobs draws counts[c] points of class c around the c-th unit vector (times sep) in
// d dimensions.
func imbalancedBlobs(counts []int, d int, sep float64, seed uint64) ([]float64, []int) {
	var x []float64
	var y []int
	for c, n := range counts {
		xs, _ := blobs(1, d, n, 0, seed+uint64(c))
		for i := range n {
			xs[i*d+c%d] += sep
		}
		x = append(x, xs...)
		for range n {
			y = append(y, c)
		}
	}
	return x, y
}

func balancedError(pred, labels []int, k int) float64 {
	e, _ := PerClassError(pred, labels, k)
	m := 0.0
	for _, v := range e {
		m += v / float64(k)
	}
	return m
}

func TestCRTBalancesTheClassifier(t *testing.T) {
	counts := []int{400, 40, 8}
	x, y := imbalancedBlobs(counts, 3, 1.5, 1)
	xt, yt := imbalancedBlobs([]int{300, 300, 300}, 3, 1.5, 50)
	plain, err := Fit(x, 3, y, 3, 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	crt, err := CRT(x, 3, y, 3, 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	pp, _ := plain.Predict(xt)
	pc, _ := crt.Predict(xt)
	ep, ec := balancedError(pp, yt, 3), balancedError(pc, yt, 3)
	if !(ec < ep-0.02) {
		t.Errorf("balanced test error: plain %.3f, cRT %.3f; the balanced re-training should lower it", ep, ec)
	}
}

func TestTauNormalize(t *testing.T) {
	c := Classifier{K: 2, D: 2, W: []float64{3, 4, 0, 0.5}, B: []float64{0.1, -0.2}}
	same := TauNormalize(c, 0)
	unit := TauNormalize(c, 1)
	for i := range c.W {
		if same.W[i] != c.W[i] {
			t.Errorf("τ = 0 changed w[%d]: %g", i, same.W[i])
		}
	}
	if math.Abs(unit.W[0]-0.6) > 1e-12 || math.Abs(unit.W[1]-0.8) > 1e-12 || math.Abs(unit.W[3]-1) > 1e-12 {
		t.Errorf("τ = 1: %v, want unit rows", unit.W)
	}
	if unit.B[1] != -0.2 || &unit.W[0] == &c.W[0] {
		t.Error("biases changed or weights shared")
	}
}

func TestLWS(t *testing.T) {
	// A classifier whose rare class's vector is shrunk (as training on imbalanced data does):
	// LWS on class-balanced data grows that scale back.
	counts := []int{400, 40, 8}
	x, y := imbalancedBlobs(counts, 3, 2, 2)
	c := Classifier{K: 3, D: 3, W: []float64{2, 0, 0, 0, 2, 0, 0, 0, 0.3}, B: make([]float64, 3)}
	scaled, f, err := LWS(c, x, y)
	if err != nil {
		t.Fatal(err)
	}
	if !(f[2] > 2*f[0]) {
		t.Errorf("scales %v: the shrunk rare class should get the largest", f)
	}
	xt, yt := imbalancedBlobs([]int{300, 300, 300}, 3, 2, 60)
	before, _ := c.Logits(xt)
	after, _ := scaled.Logits(xt)
	if eb, ea := balancedError(ArgMax(before, 3), yt, 3), balancedError(ArgMax(after, 3), yt, 3); !(ea < eb) {
		t.Errorf("balanced test error %.3f before LWS, %.3f after", eb, ea)
	}
	// Its gradient, against finite differences.
	wx, _ := c.Logits(x)
	cw, _ := BalancedWeights(y, 3)
	ew := exampleWeights(y, cw)
	fs := []float64{0.7, 1.3, 2.1}
	g := make([]float64, 3)
	lwsObjective(fs, g, wx, c.B, y, ew)
	for j := range fs {
		p, m := append([]float64(nil), fs...), append([]float64(nil), fs...)
		p[j] += 1e-6
		m[j] -= 1e-6
		num := (lwsObjective(p, nil, wx, c.B, y, ew) - lwsObjective(m, nil, wx, c.B, y, ew)) / 2e-6
		if math.Abs(num-g[j]) > 1e-6*(1+math.Abs(num)) {
			t.Errorf("∂/∂f[%d]: %g, finite differences %g", j, g[j], num)
		}
	}
}

func TestWeightedObjectiveGradient(t *testing.T) {
	x, y := blobs(3, 2, 6, 1, 9)
	o := objective{z: x, labels: y, n: len(y), d: 2, k: 3, lambda: 0.05, weights: exampleWeights(y, []float64{1, 3, 0.5})}
	w := []float64{0.3, -0.2, 0.1, 0.5, 0.4, -0.6, 0.2, 0.1, -0.3}
	g := make([]float64, len(w))
	o.eval(w, g)
	for i := range w {
		p, m := append([]float64(nil), w...), append([]float64(nil), w...)
		p[i] += 1e-6
		m[i] -= 1e-6
		num := (o.eval(p, nil) - o.eval(m, nil)) / 2e-6
		if math.Abs(num-g[i]) > 1e-6*(1+math.Abs(num)) {
			t.Errorf("∂/∂w[%d]: %g, finite differences %g", i, g[i], num)
		}
	}
}
