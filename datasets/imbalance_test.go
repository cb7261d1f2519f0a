package datasets

import (
	"slices"
	"testing"
)

func sum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

func TestClassCountsMatchFactsFile(t *testing.T) {
	cifar100LT100 := []int{500, 477, 455, 434, 415, 396, 378, 361, 344, 328, 314, 299, 286, 273, 260, 248, 237, 226, 216, 206, 197, 188, 179, 171, 163, 156, 149, 142, 135, 129, 123, 118, 112, 107, 102, 98, 93, 89, 85, 81, 77, 74, 70, 67, 64, 61, 58, 56, 53, 51, 48, 46, 44, 42, 40, 38, 36, 35, 33, 32, 30, 29, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 15, 14, 13, 13, 12, 12, 11, 11, 10, 10, 9, 9, 8, 8, 7, 7, 7, 6, 6, 6, 6, 5, 5, 5, 5}
	cases := []struct {
		name               string
		p                  Profile
		imgMax, classes    int
		imb                float64
		want               []int // nil: check total and ends only
		total, first, last int
	}{
		{"C10 LT100", LongTailed, 5000, 10, 0.01, []int{5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50}, 12406, 5000, 50},
		{"C10 LT10", LongTailed, 5000, 10, 0.1, []int{5000, 3871, 2997, 2320, 1796, 1391, 1077, 834, 645, 500}, 20431, 5000, 500},
		{"C10 step100", Step, 5000, 10, 0.01, []int{5000, 5000, 5000, 5000, 5000, 50, 50, 50, 50, 50}, 25250, 5000, 50},
		{"C10 step10", Step, 5000, 10, 0.1, nil, 27500, 5000, 500},
		{"C100 LT100", LongTailed, 500, 100, 0.01, cifar100LT100, 10847, 500, 5},
		{"C100 LT10", LongTailed, 500, 100, 0.1, nil, 19573, 500, 50},
		{"C100 step100", Step, 500, 100, 0.01, nil, 25250, 500, 5},
		{"C100 step10", Step, 500, 100, 0.1, nil, 27500, 500, 50},
		{"Tiny LT100", LongTailed, 500, 200, 0.01, nil, 21549, 500, 5},
		{"Tiny LT10", LongTailed, 500, 200, 0.1, nil, 39072, 500, 50},
		{"Tiny step100", Step, 500, 200, 0.01, nil, 50500, 500, 5},
		{"Tiny step10", Step, 500, 200, 0.1, nil, 55000, 500, 50},
	}
	for _, tc := range cases {
		got, err := ClassCounts(tc.p, tc.imgMax, tc.classes, tc.imb, 0.5)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if tc.want != nil && !slices.Equal(got, tc.want) {
			t.Errorf("%s: counts %v, want %v", tc.name, got, tc.want)
		}
		if sum(got) != tc.total || got[0] != tc.first || got[len(got)-1] != tc.last {
			t.Errorf("%s: total %d first %d last %d, want %d %d %d", tc.name, sum(got), got[0], got[len(got)-1], tc.total, tc.first, tc.last)
		}
	}
	// The CIFAR-100 LT ρ=10 head listed in the facts file.
	c, _ := ClassCounts(LongTailed, 500, 100, 0.1, 0.5)
	if !slices.Equal(c[:10], []int{500, 488, 477, 466, 455, 445, 434, 424, 415, 405}) {
		t.Errorf("C100 LT10 head %v", c[:10])
	}
}

func TestImpossibleImbalance(t *testing.T) {
	for _, tc := range []struct {
		p   Profile
		imb float64
		mu  float64
	}{{LongTailed, 0, 0.5}, {LongTailed, 1.5, 0.5}, {LongTailed, -0.1, 0.5}, {Step, 0.1, 1}, {LongTailed, 0.0001, 0.5}, {"zigzag", 0.1, 0.5}} {
		if _, err := ClassCounts(tc.p, 500, 10, tc.imb, tc.mu); err == nil {
			t.Errorf("ClassCounts(%s, imb %g, μ %g) accepted", tc.p, tc.imb, tc.mu)
		}
	}
	if _, err := ParseProfile("zigzag"); err == nil {
		t.Error("unknown profile accepted")
	}
}

func TestSelectPerClassSeeded(t *testing.T) {
	labels := make([]int, 1000)
	for i := range labels {
		labels[i] = i % 4
	}
	counts := []int{250, 100, 10, 1}
	for name, sel := range map[string]Selector{"official": SelectPerClass, "earlier": SelectPerClassEarlier} {
		a, err := sel(labels, counts, 1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := sel(labels, counts, 1)
		c, _ := sel(labels, counts, 2)
		if !slices.Equal(a, b) {
			t.Errorf("%s: same seed gave different subsets", name)
		}
		if slices.Equal(a, c) {
			t.Errorf("%s: different seeds gave the same subset", name)
		}
		got := CountLabels(func() []int {
			var ys []int
			for _, i := range a {
				ys = append(ys, labels[i])
			}
			return ys
		}(), 4)
		if !slices.Equal(got, counts) {
			t.Errorf("%s: subset counts %v, want %v", name, got, counts)
		}
		if _, err := sel(labels, []int{300, 1, 1, 1}, 1); err == nil {
			t.Errorf("%s: asking for more images than a class has was accepted", name)
		}
	}
	// The two choose other images of the same counts.
	a, _ := SelectPerClass(labels, counts, 1)
	e, _ := SelectPerClassEarlier(labels, counts, 1)
	if slices.Equal(a, e) {
		t.Error("the official and the earlier selection chose the same images")
	}
}

func TestPermutedTestCounts(t *testing.T) {
	a, err := PermutedTestCounts(LongTailed, 1000, 10, 0.01, 0.5, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := PermutedTestCounts(LongTailed, 1000, 10, 0.01, 0.5, 2)
	base, _ := ClassCounts(LongTailed, 1000, 10, 0.01, 0.5)
	if slices.Equal(a, b) || slices.Equal(a, base) {
		t.Errorf("seeds 1 and 2 gave %v and %v (base %v): not permuted", a, b, base)
	}
	sa, sb := slices.Clone(a), slices.Clone(base)
	slices.Sort(sa)
	slices.Sort(sb)
	if !slices.Equal(sa, sb) {
		t.Errorf("%v is not a permutation of %v", a, base)
	}
}

func TestSyntheticSets(t *testing.T) {
	p, err := GaussianMixture(RingMeans(3, 2, 2), 0.3, []int{100, 10, 1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Counts(), []int{100, 10, 1}) || len(p.X) != 111*2 {
		t.Errorf("mixture counts %v, %d values", p.Counts(), len(p.X))
	}
	s := Separable2D(50, 5, 0.4, 1)
	for i, y := range s.Labels {
		x := s.X[2*i]
		if (y == 0 && x > -0.2) || (y == 1 && x < 0.2) {
			t.Fatalf("point %d (class %d) at x=%g is inside the gap", i, y, x)
		}
	}
	if _, err := GaussianMixture([][]float64{{0, 0}, {1}}, 1, []int{1, 1}, 1); err == nil {
		t.Error("means of different dimensions accepted")
	}
}
