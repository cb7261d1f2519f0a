package lab

import (
	"fmt"
	"strings"

	"gonum.org/v1/plot"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/figures"
)

// Section 1 of the paper (01-long-tailed-data.ipynb): the imbalanced training sets of section
// 4 and appendix B, the balanced test metric, and the permuted test distributions of Table 6.

// ImbalancedSet is one training-set profile: a dataset's per-class counts under an imbalance
// profile and ratio ρ.
type ImbalancedSet struct {
	Dataset string
	Profile datasets.Profile
	Rho     float64
	Counts  []int
}

// Total is the number of training examples.
func (s ImbalancedSet) Total() int {
	n := 0
	for _, c := range s.Counts {
		n += c
	}
	return n
}

// HeadShare is the fraction of the training set in the most frequent class, TailShare the
// fraction in the rarer half of the classes.
func (s ImbalancedSet) HeadShare() float64 { return float64(s.Counts[0]) / float64(s.Total()) }

// TailShare is the fraction of the training set in the rarer half of the classes.
func (s ImbalancedSet) TailShare() float64 {
	n := 0
	for _, c := range s.Counts[len(s.Counts)-len(s.Counts)/2:] {
		n += c
	}
	return float64(n) / float64(s.Total())
}

// paperSets are the datasets of Tables 2 and 4: name, classes, training images per class.
var paperSets = []struct {
	name              string
	classes, perClass int
}{{"CIFAR-10", 10, 5000}, {"CIFAR-100", 100, 500}, {"Tiny ImageNet", 200, 500}}

// ImbalancedSets returns the training sets of Tables 2 and 4 — CIFAR-10, CIFAR-100 and Tiny
// ImageNet, long-tailed and step (μ = 0.5), ρ = 10 and 100 — with the official code's counts.
func ImbalancedSets(rhos ...float64) ([]ImbalancedSet, error) {
	var out []ImbalancedSet
	for _, d := range paperSets {
		for _, p := range []datasets.Profile{datasets.LongTailed, datasets.Step} {
			for _, rho := range rhos {
				counts, err := datasets.ClassCounts(p, d.perClass, d.classes, 1/rho, 0.5)
				if err != nil {
					return nil, err
				}
				out = append(out, ImbalancedSet{Dataset: d.name, Profile: p, Rho: rho, Counts: counts})
			}
		}
	}
	return out, nil
}

// profileName is "long-tailed" or "step".
func profileName(p datasets.Profile) string {
	if p == datasets.Step {
		return "step"
	}
	return "long-tailed"
}

// countsText lists every count of up to 10 classes, else the first and last three.
func countsText(c []int) string {
	if len(c) <= 10 {
		return strings.Trim(fmt.Sprint(c), "[]")
	}
	return fmt.Sprintf("%d %d %d … %d %d %d", c[0], c[1], c[2], c[len(c)-3], c[len(c)-2], c[len(c)-1])
}

// ImbalancedSetsTable is the table of the sets: counts, total, head and tail shares.
func ImbalancedSetsTable(sets []ImbalancedSet) Table {
	t := Table{Header: []string{"dataset", "profile", "ρ", "training images per class", "total", "most frequent class", "rarer half of the classes"}}
	for _, s := range sets {
		t.Rows = append(t.Rows, []string{s.Dataset, profileName(s.Profile), fmt.Sprint(s.Rho), countsText(s.Counts), fmt.Sprint(s.Total()),
			fmt.Sprintf("%.1f %%", 100*s.HeadShare()), fmt.Sprintf("%.1f %%", 100*s.TailShare())})
	}
	return t
}

// histogram is one panel of Fig. 4 or 7.
func histogram(title string, counts []int) (*plot.Plot, error) {
	names := make([]string, len(counts))
	for i := range names {
		names[i] = fmt.Sprint(i)
	}
	return figures.ClassHistogram(title, counts, names)
}

// Fig4 is Figure 4 of the paper: the CIFAR-10 training set per class, (a) long-tailed ρ = 10,
// (b) long-tailed ρ = 100, (c) step ρ = 10 with μ = 0.5.
func Fig4() (*figures.Panels, error) {
	panels := []struct {
		title string
		p     datasets.Profile
		rho   float64
	}{{"(a) long-tailed, ρ = 10", datasets.LongTailed, 10}, {"(b) long-tailed, ρ = 100", datasets.LongTailed, 100}, {"(c) step, ρ = 10", datasets.Step, 10}}
	var plots []*plot.Plot
	for _, p := range panels {
		counts, err := datasets.ClassCounts(p.p, 5000, 10, 1/p.rho, 0.5)
		if err != nil {
			return nil, err
		}
		h, err := histogram(p.title, counts)
		if err != nil {
			return nil, err
		}
		plots = append(plots, h)
	}
	return figures.Row("Fig. 4: CIFAR-10 training sets", plots...), nil
}

// Fig7 is Figure 7 of the paper (appendix C.5): (a) the CIFAR-10 long-tailed ρ = 100 training
// set and (b), (c) two imbalanced test distributions of the same profile with 1000 images for
// the most frequent class, their classes permuted with the two seeds.
func Fig7(seeds [2]uint64) (*figures.Panels, error) {
	train, err := datasets.ClassCounts(datasets.LongTailed, 5000, 10, 0.01, 0.5)
	if err != nil {
		return nil, err
	}
	a, err := histogram("(a) training set", train)
	if err != nil {
		return nil, err
	}
	plots := []*plot.Plot{a}
	for i, seed := range seeds {
		test, err := datasets.PermutedTestCounts(datasets.LongTailed, 1000, 10, 0.01, 0.5, seed)
		if err != nil {
			return nil, err
		}
		h, err := histogram(fmt.Sprintf("(%c) test distribution %d (seed %d)", 'b'+i, i+1, seed), test)
		if err != nil {
			return nil, err
		}
		plots = append(plots, h)
	}
	return figures.Row("Fig. 7: CIFAR-10-LT ρ = 100, training and permuted test distributions", plots...), nil
}

// TestErrors returns the error of a classifier with the given per-class error rates on a test
// set with the given class counts (the plain, count-weighted error) and on a balanced test set
// (the mean of the per-class errors, the metric of the paper's tables).
func TestErrors(perClassError []float64, testCounts []int) (plain, balanced float64, err error) {
	if len(perClassError) != len(testCounts) || len(testCounts) == 0 {
		return 0, 0, fmt.Errorf("lab: %d per-class errors for %d classes", len(perClassError), len(testCounts))
	}
	n := 0
	for j, e := range perClassError {
		plain += e * float64(testCounts[j])
		balanced += e
		n += testCounts[j]
	}
	if n == 0 {
		return 0, 0, fmt.Errorf("lab: an empty test set")
	}
	return plain / float64(n), balanced / float64(len(testCounts)), nil
}
