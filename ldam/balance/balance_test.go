package balance

import (
	"math"
	"math/rand/v2"
	"testing"
)

var cifar10LT100 = []int{5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50}
var cifar10LT10 = []int{5000, 3871, 2997, 2320, 1796, 1391, 1077, 834, 645, 500}

func TestWeightsMatchFactsFile(t *testing.T) {
	cases := []struct {
		name   string
		counts []int
		beta   float64
		want   []float64
	}{
		{"LT100 CB β=0.9999", cifar10LT100, 0.9999, []float64{0.0506, 0.0769, 0.1211, 0.1950, 0.3188, 0.5246, 0.8683, 1.4426, 2.4092, 3.9927}},
		{"LT100 1/n", cifar10LT100, 1, []float64{0.0402, 0.0671, 0.1120, 0.1868, 0.3119, 0.5199, 0.8672, 1.4474, 2.4239, 4.0236}},
		{"LT10 CB β=0.9999", cifar10LT10, 0.9999, []float64{0.2923, 0.3584, 0.4442, 0.5555, 0.6997, 0.8858, 1.1266, 1.4375, 1.8415, 2.3585}},
		{"LT10 1/n", cifar10LT10, 1, []float64{0.2446, 0.3159, 0.4081, 0.5272, 0.6810, 0.8792, 1.1356, 1.4664, 1.8961, 2.4460}},
	}
	for _, tc := range cases {
		got, err := ClassBalanced(tc.counts, tc.beta)
		if err != nil {
			t.Fatal(err)
		}
		sum := 0.0
		for j := range got {
			sum += got[j]
			if math.Abs(got[j]-tc.want[j]) > 6e-5 {
				t.Errorf("%s: w_%d = %.5f, facts file says %.4f", tc.name, j, got[j], tc.want[j])
			}
		}
		if math.Abs(sum-10) > 1e-9 {
			t.Errorf("%s: weights sum to %g, want 10", tc.name, sum)
		}
	}
}

func TestBadWeights(t *testing.T) {
	for _, tc := range []struct {
		counts []int
		beta   float64
	}{{nil, 0.9}, {[]int{3, 0}, 0.9}, {[]int{3, 4}, 1.5}, {[]int{3, 4}, -0.1}} {
		if _, err := ClassBalanced(tc.counts, tc.beta); err == nil {
			t.Errorf("ClassBalanced(%v, %g) accepted bad input", tc.counts, tc.beta)
		}
	}
	if _, err := ParseRule("Magic"); err == nil {
		t.Error("unknown rule accepted")
	}
}

func TestDeferredSwitchAtT0(t *testing.T) {
	const t0 = 160
	uniform := Uniform(10)
	cb, _ := ClassBalanced(cifar10LT100, DefaultBeta)
	cases := []struct {
		rule              Rule
		epoch             int
		weighted, sampled bool
	}{
		{None, 0, false, false}, {None, 199, false, false},
		{Reweight, 0, true, false}, {Resample, 0, false, true},
		{DRW, 0, false, false}, {DRW, t0 - 1, false, false}, {DRW, t0, true, false}, {DRW, 199, true, false},
		{DRS, t0 - 1, false, false}, {DRS, t0, false, true}, {DRS, 199, false, true},
	}
	for _, tc := range cases {
		p, err := NewPlan(tc.rule, cifar10LT100, DefaultBeta, t0)
		if err != nil {
			t.Fatal(err)
		}
		w := p.ClassWeights(tc.epoch)
		want := uniform
		if tc.weighted {
			want = cb
		}
		for j := range w {
			if w[j] != want[j] {
				t.Errorf("%s epoch %d: weight[%d] = %g, want %g", tc.rule, tc.epoch, j, w[j], want[j])
				break
			}
		}
		if got := p.Sampler(tc.epoch).Kind == Weighted; got != tc.sampled {
			t.Errorf("%s epoch %d: re-sampling = %v, want %v", tc.rule, tc.epoch, got, tc.sampled)
		}
	}
}

func TestSamplers(t *testing.T) {
	var labels []int
	for j, n := range cifar10LT100 {
		for range n {
			labels = append(labels, j)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	inst, _ := Sampler{Kind: Instance}.EpochIndices(labels, rng)
	seen := make([]bool, len(labels))
	for _, i := range inst {
		if seen[i] {
			t.Fatalf("instance sampler drew example %d twice", i)
		}
		seen[i] = true
	}
	// Inverse-frequency re-sampling: every class gets about 1/10 of the epoch.
	w, _ := InverseFrequency(cifar10LT100)
	idx, err := Sampler{Kind: Weighted, ClassWeights: w}.EpochIndices(labels, rng)
	if err != nil {
		t.Fatal(err)
	}
	if len(idx) != len(labels) {
		t.Fatalf("re-sampled epoch has %d examples, want %d", len(idx), len(labels))
	}
	per := make([]int, 10)
	for _, i := range idx {
		per[labels[i]]++
	}
	expect := float64(len(labels)) / 10
	for j, c := range per {
		if math.Abs(float64(c)-expect) > 5*math.Sqrt(expect) {
			t.Errorf("class %d drawn %d times, expected about %.0f", j, c, expect)
		}
	}
}
