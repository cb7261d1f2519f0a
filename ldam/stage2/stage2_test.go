package stage2

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/ldam/probe"
)

// gaussians draws counts[j] points of N(2·e_j, I) in d = len(counts) dimensions per class j.
func gaussians(rng *rand.Rand, counts []int) Features {
	d := len(counts)
	f := Features{D: d}
	for j, n := range counts {
		for range n {
			for k := range d {
				v := rng.NormFloat64()
				if k == j {
					v += 2
				}
				f.X = append(f.X, v)
			}
			f.Labels = append(f.Labels, j)
		}
	}
	return f
}

// TestPostTraining: on overlapping Gaussian classes of 400, 40 and 8 points, with the head fitted
// by plain (unweighted) logistic regression, every stage is scored on the balanced test set in
// the documented order; "as trained" is the head's own balanced error; post-hoc logit
// adjustment, which moves the boundaries toward the frequent class, lowers the balanced error
// and the rare class's error; weight balancing keeps every class vector within its bound.
func TestPostTraining(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	counts := []int{400, 40, 8}
	train, test := gaussians(rng, counts), gaussians(rng, []int{2000, 2000, 2000})
	fit, err := probe.Fit(train.X, train.D, train.Labels, 3, 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	head := fit.Classifier()
	stages, err := PostTraining(head, train, test, Run{Dataset: "cifar10", ImbFactor: 0.02, Seed: 1, Counts: counts}, 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"as trained", "post-hoc logit adjustment", "τ-normalization", "cRT", "LWS", "weight balancing", "without its weight decay", "MiSLAS", "without smoothing"}
	if len(stages) != len(want) {
		t.Fatalf("%d stages, want %d", len(stages), len(want))
	}
	for i, s := range stages {
		if !strings.Contains(s.Method, want[i]) || len(s.Norms) != 3 {
			t.Errorf("stage %d: %q with %d norms, want %q", i, s.Method, len(s.Norms), want[i])
		}
	}
	if !strings.Contains(stages[7].Method, "0.2 → 0") {
		t.Errorf("MiSLAS at CIFAR-10 ρ = 50 should smooth 0.2 → 0: %q", stages[7].Method)
	}
	pred, err := fit.Predict(test.X)
	if err != nil {
		t.Fatal(err)
	}
	perClass, err := probe.PerClassError(pred, test.Labels, 3)
	if err != nil {
		t.Fatal(err)
	}
	own := (perClass[0] + perClass[1] + perClass[2]) / 3
	if got := stages[0].Result.Top1Error; math.Abs(got-own) > 1e-12 {
		t.Errorf("as trained: %g, the head's own balanced error %g", got, own)
	}
	as, adj := stages[0].Result, stages[1].Result
	if !(adj.Top1Error < as.Top1Error-0.02) || !(adj.PerClassError[2] < as.PerClassError[2]) {
		t.Errorf("logit adjustment: balanced %g → %g, rare class %g → %g; should lower both", as.Top1Error, adj.Top1Error, as.PerClassError[2], adj.PerClassError[2])
	}
	wb, delta, err := WeightBalancing(head, train, counts, 1)
	if err != nil {
		t.Fatal(err)
	}
	for j, n := range wb.RowNorms() {
		if n > delta*(1+1e-9) {
			t.Errorf("class %d's vector has norm %g, over the bound %g", j, n, delta)
		}
	}
	if _, err := PostTraining(head, train, test, Run{Counts: []int{400, 40}}, 1e-3); err == nil {
		t.Error("two class counts for a three-class head were accepted")
	}
}

func TestMiSLASSettings(t *testing.T) {
	for _, tc := range []struct {
		dataset              string
		imbFactor            float64
		head, tail, lrFactor float64
	}{
		{"cifar10", 0.01, 0.3, 0, 0.5},
		{"cifar10", 0.02, 0.2, 0, 0.2},
		{"cifar10", 0.1, 0.1, 0, 0.2},
		{"cifar100", 0.01, 0.4, 0.1, 0.2},
		{"cifar100", 0.02, 0.3, 0, 0.1},
		{"cifar100", 0.1, 0.2, 0, 0.1},
		{"tinyimagenet", 0.01, 0.3, 0, 0.5}, // no config of theirs: CIFAR-10's at ρ = 100
		{"cifar10", 0.005, 0.3, 0, 0.5},
	} {
		h, tl, f := MiSLASSettings(tc.dataset, tc.imbFactor)
		if h != tc.head || tl != tc.tail || f != tc.lrFactor {
			t.Errorf("%s ρ = %g: %g, %g, %g; want %g, %g, %g", tc.dataset, 1/tc.imbFactor, h, tl, f, tc.head, tc.tail, tc.lrFactor)
		}
	}
}
