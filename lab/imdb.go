package lab

import (
	"fmt"

	"github.com/ldamlab/ldamlab/ldam/paper"
)

// Section 4.1 on IMDB (05-imdb.ipynb): Table 1.

// IMDBTable is Table 1 with our runs: per-class error of the negative (minority) and positive
// (majority) reviews and their mean (the balanced error), beside the paper's.
func IMDBTable(runs []CommittedRun) (Table, error) {
	t1, err := paper.Lookup("table1")
	if err != nil {
		return Table{}, err
	}
	t := Table{Header: []string{"method", "negative (%): ours / paper", "positive (%): ours / paper", "mean (%): ours / paper", "training reviews (neg / pos)", "ours: preset, epochs, seed, backend, data"}}
	for _, c := range runs {
		f := c.Result.Final
		if f == nil || len(f.PerClassError) != 2 {
			return Table{}, fmt.Errorf("lab: %s has no per-class error of IMDB's two classes", c.Method)
		}
		cell := func(ours float64, col string) string {
			if v, ok := t1.Value(c.Method, col); ok {
				return fmt.Sprintf("%.2f / %.2f", 100*ours, v)
			}
			return fmt.Sprintf("%.2f / –", 100*ours)
		}
		counts := c.Result.Data.TrainCounts
		t.Rows = append(t.Rows, []string{c.Method, cell(f.PerClassError[0], "negative"), cell(f.PerClassError[1], "positive"), cell(f.Top1Error, "mean"),
			fmt.Sprintf("%d / %d", counts[0], counts[1]), provenance(c.Result)})
	}
	return t, nil
}
