package lab

import (
	"fmt"
	"strings"

	"gonum.org/v1/plot"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/figures"
)

// Section 1 of the paper (01-long-tailed-data.ipynb): the table of the imbalanced training sets
// of section 4 and appendix B (datasets.ImbalancedSets), Figs. 4 and 7.

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
func ImbalancedSetsTable(sets []datasets.ImbalancedSet) Table {
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
