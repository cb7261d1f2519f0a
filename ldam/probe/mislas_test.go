package probe

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestLASSmoothing(t *testing.T) {
	for _, tc := range []struct {
		name       string
		counts     []int
		head, tail float64
		want       []float64
		wantErr    bool
	}{
		// ε(50) = ε_K + (ε_1 − ε_K)·sin(π·49/198).
		{"CIFAR-10 values", []int{100, 50, 1}, 0.3, 0, []float64{0.3, 0.21044246631189634, 0}, false},
		{"CIFAR-100 values", []int{1, 100, 50}, 0.4, 0.1, []float64{0.1, 0.4, 0.3104424663118963}, false},
		{"balanced counts", []int{10, 10}, 0.3, 0, nil, true},
		{"an empty class", []int{10, 0}, 0.3, 0, nil, true},
		{"smoothing above 1", []int{10, 5}, 1.5, 0, nil, true},
		{"one class", []int{10}, 0.3, 0, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LASSmoothing(tc.counts, tc.head, tc.tail)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v, want error %v", err, tc.wantErr)
			}
			for j := range tc.want {
				if math.Abs(got[j]-tc.want[j]) > 1e-12 {
					t.Errorf("ε_%d = %.15g, want %.15g", j, got[j], tc.want[j])
				}
			}
		})
	}
}

func TestClassAwareSampler(t *testing.T) {
	labels := []int{0, 1, 0, 2, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0} // 10, 3 and 1 examples
	const perClass = 4
	s, err := NewClassAwareSampler(labels, 3, perClass)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var draws []int
	for range 3 * perClass * 20 {
		draws = append(draws, s.Next(rng))
	}
	perClassDraws := map[int][]int{}
	var classOrder []int
	for r := 0; r < len(draws); r += perClass {
		c := labels[draws[r]]
		classOrder = append(classOrder, c)
		for _, i := range draws[r : r+perClass] {
			if labels[i] != c {
				t.Fatalf("draws %d–%d mix classes: %v", r, r+perClass-1, draws[r:r+perClass])
			}
			perClassDraws[c] = append(perClassDraws[c], i)
		}
	}
	// The classes come up in reshuffled cycles, so equally often.
	for r := 0; r < len(classOrder); r += 3 {
		got := slices.Sorted(slices.Values(classOrder[r : r+3]))
		if !slices.Equal(got, []int{0, 1, 2}) {
			t.Fatalf("class cycle %d is %v, want each class once", r/3, classOrder[r:r+3])
		}
	}
	// Each class's examples come up in cycles too: every example once per cycle.
	for c, idx := range perClassDraws {
		var members []int
		for i, y := range labels {
			if y == c {
				members = append(members, i)
			}
		}
		for r := 0; r+len(members) <= len(idx); r += len(members) {
			if got := slices.Sorted(slices.Values(idx[r : r+len(members)])); !slices.Equal(got, members) {
				t.Fatalf("class %d, cycle %d: %v, want each of %v once", c, r/len(members), idx[r:r+len(members)], members)
			}
		}
	}
	for _, tc := range []struct {
		name   string
		labels []int
		k      int
	}{{"empty class", []int{0, 0, 2}, 3}, {"label out of range", []int{0, 3}, 2}} {
		if _, err := NewClassAwareSampler(tc.labels, tc.k, 4); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestMiSLASFineTune(t *testing.T) {
	counts := []int{400, 40, 8}
	x, y := imbalancedBlobs(counts, 3, 2, 3)
	// Start from the plain (unweighted) softmax classifier, as the first stage hands it over:
	// its tail class is rarely predicted.
	plain, err := FitWeighted(x, 3, y, 3, 1e-3, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := plain.Classifier()
	before := slices.Clone(start.W)
	eps, err := LASSmoothing(counts, 0.3, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := AuthorsMiSLAS()
	f.Seed = 7
	tuned, scales, err := f.Run(start, x, y, eps)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(start.W, before) {
		t.Error("Run modified the classifier it started from")
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
	t.Logf("balanced test error %.3f → %.3f, scales %.3f", e0, e1, scales)
	if !(e1 < e0) {
		t.Errorf("balanced test error %g after the fine-tune, %g before: class-aware sampling should lower it", e1, e0)
	}
	again, _, err := f.Run(start, x, y, eps)
	if err != nil || !slices.Equal(again.W, tuned.W) {
		t.Errorf("same seed, different classifier (err %v)", err)
	}
	t.Run("smoothing lowers the head's confidence", func(t *testing.T) {
		none, _, err := f.Run(start, x, y, []float64{0, 0, 0})
		if err != nil {
			t.Fatal(err)
		}
		conf := func(c Classifier) float64 {
			l, err := c.Logits(x[:400*3])
			if err != nil {
				t.Fatal(err)
			}
			m := 0.0
			for i := range 400 {
				r := l[i*3 : i*3+3]
				m += math.Exp(r[0]) / (math.Exp(r[0]) + math.Exp(r[1]) + math.Exp(r[2])) / 400
			}
			return m
		}
		if a, b := conf(none), conf(tuned); !(b < a) {
			t.Errorf("head confidence %g with LAS, %g without: smoothing should lower it", b, a)
		}
	})
	t.Run("a vanishing step keeps the classifier", func(t *testing.T) {
		tiny := f
		tiny.LR = 1e-12
		same, s, err := tiny.Run(start, x, y, eps)
		if err != nil {
			t.Fatal(err)
		}
		for j, v := range s {
			if math.Abs(v-1) > 1e-9 {
				t.Errorf("scale %d moved to %g", j, v)
			}
		}
		for i := range start.W {
			if math.Abs(same.W[i]-start.W[i]) > 1e-9*max(1, math.Abs(start.W[i])) {
				t.Fatalf("weight %d: %g, started at %g", i, same.W[i], start.W[i])
			}
		}
	})
}

func TestMiSLASFineTuneBadInput(t *testing.T) {
	c := Classifier{K: 2, D: 2, W: []float64{1, 0, 0, 1}, B: []float64{0, 0}}
	x, y := []float64{1, 0, 0, 1}, []int{0, 1}
	bad := AuthorsMiSLAS()
	bad.PerClass = 0
	for _, tc := range []struct {
		name, want string
		f          MiSLASFineTune
		c          Classifier
		x          []float64
		y          []int
		eps        []float64
	}{
		{"no draws per class", "AuthorsMiSLAS", bad, c, x, y, []float64{0, 0}},
		{"features", "feature values", AuthorsMiSLAS(), c, x[:3], y, []float64{0, 0}},
		{"label", "outside", AuthorsMiSLAS(), c, x, []int{0, 2}, []float64{0, 0}},
		{"smoothing count", "smoothing values", AuthorsMiSLAS(), c, x, y, []float64{0}},
		{"smoothing range", "[0, 1]", AuthorsMiSLAS(), c, x, y, []float64{0, 1.5}},
		{"empty class", "no example", AuthorsMiSLAS(), c, x, []int{0, 0}, []float64{0, 0}},
	} {
		if _, _, err := tc.f.Run(tc.c, tc.x, tc.y, tc.eps); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming %q", tc.name, err, tc.want)
		}
	}
}
