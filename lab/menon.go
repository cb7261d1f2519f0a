package lab

import (
	"fmt"

	"github.com/ldamlab/ldamlab/ldam/theory"
)

// MenonToyTable lists the losses of Menon et al.'s toy ([theory.MenonToy])' balanced test errors beside the Bayes error.
func MenonToyTable(rs []theory.ToyResult) Table {
	t := Table{Header: []string{"loss (Menon et al. Eq. 11)", "balanced test error (%), mean ± std", "Bayes-optimal balanced error (%)", "trials, train / test size"}}
	for _, r := range rs {
		t.Rows = append(t.Rows, []string{r.Loss, fmt.Sprintf("%.2f ± %.2f", 100*r.Mean, 100*r.Std), fmt.Sprintf("%.2f", 100*r.Bayes),
			fmt.Sprintf("%d, %d / %d", r.Trials, r.Train, r.Test)})
	}
	return t
}
