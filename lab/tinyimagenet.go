package lab

import (
	"fmt"
	"strings"

	"gonum.org/v1/plot"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/figures"
	"github.com/ldamlab/ldamlab/ldam/paper"
	"github.com/ldamlab/ldamlab/ldam/registry"
)

// Appendix C.2 on Tiny ImageNet (07-tiny-imagenet.ipynb): Table 4.

// TinyImageNetProfiles draws Tiny ImageNet's four training profiles of Table 4 (long-tailed
// and step, ρ = 100 and 10, the official formula with 500 images per class) as count profiles.
func TinyImageNetProfiles() (*plot.Plot, error) {
	sets, err := datasets.ImbalancedSets(100, 10)
	if err != nil {
		return nil, err
	}
	var series []figures.Series
	for _, s := range sets {
		if s.Dataset != "Tiny ImageNet" {
			continue
		}
		v := make([]float64, len(s.Counts))
		for i, n := range s.Counts {
			v[i] = float64(n)
		}
		series = append(series, figures.Series{Name: fmt.Sprintf("%s ρ = %g (%d images)", profileName(s.Profile), s.Rho, s.Total()), Values: v})
	}
	return figures.CountProfiles("Tiny ImageNet training sets of Table 4", series)
}

// Table4QuickEpochMinutes is the measured time of one quick-preset Tiny ImageNet epoch on 2 CPU
// cores (quarter-width ResNet-18, about 4,300 training images of 64×64, ONNX Runtime with 4
// micro-batches per batch: 136 s for the epoch, 2 min 54 s with loading the data; README, Memory).
const Table4QuickEpochMinutes = 2.3

// Table4Runs trains (or loads) Table 4's methods on Tiny ImageNet LT ρ = 100 in the notebook
// preset — except in quick, where the five runs would take about 2 hours on 2 cores
// (Table4QuickEpochMinutes per epoch): it then trains nothing and returns a message saying so.
// Committed lite runs are read by PaperComparison instead.
func Table4Runs(seed uint64) ([]CommittedRun, string, error) {
	preset, err := Preset()
	if err != nil {
		return nil, "", err
	}
	if preset == "quick" {
		return nil, fmt.Sprintf("quick preset: not training Table 4 here — one quick Tiny ImageNet run takes about %.0f minutes on 2 CPU cores (10 epochs × %.1f), %d runs about %.1f hours; use LDAMLAB_PRESET=lite with a GPU, or `ldam sweep --table table4 --preset lite`",
			10*Table4QuickEpochMinutes, Table4QuickEpochMinutes, len(paper.Table4LT100.Methods), float64(len(paper.Table4LT100.Methods))*10*Table4QuickEpochMinutes/60), nil
	}
	runs, _, err := TrainCells(paper.Table4LT100.Table, paper.Table4LT100.Column, paper.Table4LT100.Methods, seed, 0, false)
	return runs, "", err
}

// Table4Table shows Tiny ImageNet runs: balanced top-1 and top-5 error beside the paper's.
func Table4Table(runs []CommittedRun) Table {
	t := Table{Header: []string{"method", "ours: top-1 / top-5 error (%)", "paper: top-1 / top-5 (%)", "ours: preset, epochs, seed, backend, data"}}
	for _, c := range runs {
		f := c.Result.Final
		p := "–"
		if g, err := registry.Grid("table4"); err == nil {
			col5 := strings.Replace(c.Column, "top-1", "top-5", 1)
			v1, ok1 := g.Value(c.Method, c.Column)
			v5, ok5 := g.Value(c.Method, col5)
			if ok1 && ok5 {
				p = fmt.Sprintf("%.2f / %.2f", v1, v5)
			}
		}
		t.Rows = append(t.Rows, []string{c.Method, fmt.Sprintf("%.2f / %.2f", 100*f.Top1Error, 100*f.Top5Error), p, provenance(c.Result)})
	}
	return t
}
