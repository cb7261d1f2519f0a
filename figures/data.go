package figures

import (
	"fmt"

	"github.com/ldamlab/ldamlab/datasets"
	"gonum.org/v1/plot"
)

// Figures of the data: Figs. 4 and 7, the Tiny ImageNet profiles.

// histogram is one panel of Fig. 4 or 7.
func histogram(title string, counts []int) (*plot.Plot, error) {
	names := make([]string, len(counts))
	for i := range names {
		names[i] = fmt.Sprint(i)
	}
	return ClassHistogram(title, counts, names)
}

// Fig4 is Figure 4 of the paper: the CIFAR-10 training set per class, (a) long-tailed ρ = 10,
// (b) long-tailed ρ = 100, (c) step ρ = 10 with μ = 0.5.
func Fig4() (*Panels, error) {
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
	return Row("Fig. 4: CIFAR-10 training sets", plots...), nil
}

// Fig7 is Figure 7 of the paper (appendix C.5): (a) the CIFAR-10 long-tailed ρ = 100 training
// set and (b), (c) two imbalanced test distributions of the same profile with 1000 images for
// the most frequent class, their classes permuted with the two seeds.
func Fig7(seeds [2]uint64) (*Panels, error) {
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
	return Row("Fig. 7: CIFAR-10-LT ρ = 100, training and permuted test distributions", plots...), nil
}

// TinyImageNetProfiles draws Tiny ImageNet's four training profiles of Table 4 (long-tailed
// and step, ρ = 100 and 10, the official formula with 500 images per class) as count profiles.
func TinyImageNetProfiles() (*plot.Plot, error) {
	sets, err := datasets.ImbalancedSets(100, 10)
	if err != nil {
		return nil, err
	}
	var series []Series
	for _, s := range sets {
		if s.Dataset != "Tiny ImageNet" {
			continue
		}
		v := make([]float64, len(s.Counts))
		for i, n := range s.Counts {
			v[i] = float64(n)
		}
		series = append(series, Series{Name: fmt.Sprintf("%s ρ = %g (%d images)", profileName[s.Profile], s.Rho, s.Total()), Values: v})
	}
	return CountProfiles("Tiny ImageNet training sets of Table 4", series)
}

// profileName names an imbalance profile in a legend.
var profileName = map[datasets.Profile]string{datasets.LongTailed: "long-tailed", datasets.Step: "step"}
