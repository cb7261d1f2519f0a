package probe

import (
	"math"
	"math/rand/v2"
	"testing"
)

// blobs draws n points per class around the class's mean (one coordinate of size sep per
// class) with unit-variance noise in d dimensions.
func blobs(k, d, n int, sep float64, seed uint64) ([]float64, []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	var x []float64
	var y []int
	for c := range k {
		for range n {
			for j := range d {
				v := rng.NormFloat64()
				if j == c%d {
					v += sep
				}
				x = append(x, v)
			}
			y = append(y, c)
		}
	}
	return x, y
}

func TestGradientMatchesFiniteDifferences(t *testing.T) {
	x, y := blobs(3, 4, 10, 2, 1)
	for _, tc := range []struct {
		name    string
		weights []float64
	}{
		{"cross-entropy", nil},
		{"class-weighted", exampleWeights(y, []float64{1, 0.5, 2})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := objective{z: x, labels: y, n: len(y), d: 4, k: 3, lambda: 0.1, weights: tc.weights}
			rng := rand.New(rand.NewPCG(2, 2))
			w := make([]float64, 3*5)
			for i := range w {
				w[i] = rng.NormFloat64()
			}
			g := make([]float64, len(w))
			o.eval(w, g)
			const h = 1e-6
			for i := range w {
				wp, wm := append([]float64(nil), w...), append([]float64(nil), w...)
				wp[i] += h
				wm[i] -= h
				fd := (o.eval(wp, nil) - o.eval(wm, nil)) / (2 * h)
				if math.Abs(fd-g[i]) > 1e-6*max(1, math.Abs(fd)) {
					t.Errorf("∂/∂w[%d]: analytic %.8f, finite differences %.8f", i, g[i], fd)
				}
			}
		})
	}
}

func TestObjectiveAtZeroIsLogK(t *testing.T) {
	// All logits equal: the cross-entropy is log k whatever the data, and the penalty is 0.
	x, y := blobs(4, 3, 5, 1, 3)
	o := objective{z: x, labels: y, n: len(y), d: 3, k: 4, lambda: 1}
	if got := o.eval(make([]float64, 4*4), nil); math.Abs(got-math.Log(4)) > 1e-12 {
		t.Errorf("objective at 0 = %g, want log 4 = %g", got, math.Log(4))
	}
}

func TestFitSeparatesWellSeparatedClasses(t *testing.T) {
	tests := []struct {
		name     string
		sep      float64
		maxError float64
		scale    float64 // features multiplied by this: standardization makes it irrelevant
	}{
		{"separated", 8, 0.01, 1},
		{"separated, large scale", 8, 0.01, 1000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, y := blobs(5, 8, 40, tc.sep, 4)
			for i := range x {
				x[i] *= tc.scale
			}
			m, err := Fit(x, 8, y, 5, 1e-3)
			if err != nil {
				t.Fatal(err)
			}
			xt, yt := blobs(5, 8, 200, tc.sep, 5)
			for i := range xt {
				xt[i] *= tc.scale
			}
			pred, err := m.Predict(xt)
			if err != nil {
				t.Fatal(err)
			}
			errs, err := PerClassError(pred, yt, 5)
			if err != nil {
				t.Fatal(err)
			}
			for c, e := range errs {
				if e > tc.maxError {
					t.Errorf("class %d: held-out error %.3f > %.3f", c, e, tc.maxError)
				}
			}
		})
	}
	// Overlapping classes must not look separable: the check above could fail.
	x, y := blobs(5, 8, 40, 0.5, 6)
	m, err := Fit(x, 8, y, 5, 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	xt, yt := blobs(5, 8, 200, 0.5, 7)
	pred, _ := m.Predict(xt)
	errs, _ := PerClassError(pred, yt, 5)
	mean := 0.0
	for _, e := range errs {
		mean += e / 5
	}
	if mean < 0.2 {
		t.Errorf("classes 0.5σ apart: mean error %.3f, expected well above 0.2", mean)
	}
}

func TestPerClassError(t *testing.T) {
	got, err := PerClassError([]int{0, 1, 1, 2, 0}, []int{0, 1, 0, 2, 0}, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1.0 / 3, 0, 0}
	for c, w := range want {
		if math.Abs(got[c]-w) > 1e-12 {
			t.Errorf("class %d: %g, want %g", c, got[c], w)
		}
	}
	if !math.IsNaN(got[3]) {
		t.Errorf("class 3 has no example: %g, want NaN", got[3])
	}
}

func TestSplitPerClass(t *testing.T) {
	labels := []int{0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2}
	fit, held, err := SplitPerClass(labels, 3, 0.5, 7)
	if err != nil {
		t.Fatal(err)
	}
	count := func(idx []int) []int {
		c := make([]int, 3)
		for _, i := range idx {
			c[labels[i]]++
		}
		return c
	}
	if got := count(fit); got[0] != 2 || got[1] != 3 || got[2] != 1 {
		t.Errorf("probe-training part per class %v, want [2 3 1]", got)
	}
	if len(fit)+len(held) != len(labels) {
		t.Errorf("%d + %d indices for %d examples", len(fit), len(held), len(labels))
	}
	seen := map[int]bool{}
	for _, i := range append(append([]int(nil), fit...), held...) {
		if seen[i] {
			t.Errorf("index %d in both parts", i)
		}
		seen[i] = true
	}
	again, _, _ := SplitPerClass(labels, 3, 0.5, 7)
	for i := range fit {
		if fit[i] != again[i] {
			t.Fatalf("same seed, different split: %v vs %v", fit, again)
		}
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name string
		run  func() error
	}{
		{"too few values", func() error { _, err := Fit([]float64{1, 2, 3}, 2, []int{0, 1}, 2, 0); return err }},
		{"label out of range", func() error { _, err := Fit([]float64{1, 2}, 1, []int{0, 2}, 2, 0); return err }},
		{"one class", func() error { _, err := Fit([]float64{1, 2}, 1, []int{0, 0}, 1, 0); return err }},
		{"negative penalty", func() error { _, err := Fit([]float64{1, 2}, 1, []int{0, 1}, 2, -1); return err }},
		{"split of a class with one example", func() error { _, _, err := SplitPerClass([]int{0, 0, 1}, 2, 0.5, 1); return err }},
		{"fraction 1", func() error { _, _, err := SplitPerClass([]int{0, 0, 1, 1}, 2, 1, 1); return err }},
	}
	for _, tc := range tests {
		if err := tc.run(); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}
