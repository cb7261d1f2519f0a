package lab

import (
	"fmt"

	"github.com/ldamlab/ldamlab/ldam/paper"
)

// Appendix C.2 on Tiny ImageNet (07-tiny-imagenet.ipynb): Table 4.

// table4QuickEpochMinutes is the measured time of one quick-preset Tiny ImageNet epoch on 2 CPU
// cores (quarter-width ResNet-18, about 4,300 training images of 64×64, ONNX Runtime with 4
// micro-batches per batch: 136 s for the epoch, 2 min 54 s with loading the data; README, Memory).
const table4QuickEpochMinutes = 2.3

// Table4Runs trains (or loads) Table 4's methods on Tiny ImageNet LT ρ = 100 in the notebook
// preset — except in quick, where the five runs would take about 2 hours on 2 cores
// (table4QuickEpochMinutes per epoch): it then trains nothing and returns a message saying so.
// Committed lite runs are read by PaperComparison instead.
func Table4Runs(seed uint64) ([]CommittedRun, string, error) {
	preset, err := Preset()
	if err != nil {
		return nil, "", err
	}
	if preset == "quick" {
		return nil, fmt.Sprintf("quick preset: not training Table 4 here — one quick Tiny ImageNet run takes about %.0f minutes on 2 CPU cores (10 epochs × %.1f), %d runs about %.1f hours; use LDAMLAB_PRESET=lite with a GPU, or `ldam sweep --table table4 --preset lite`",
			10*table4QuickEpochMinutes, table4QuickEpochMinutes, len(paper.Table4LT100.Methods), float64(len(paper.Table4LT100.Methods))*10*table4QuickEpochMinutes/60), nil
	}
	runs, _, err := trainCells(paper.Table4LT100.Table, paper.Table4LT100.Column, paper.Table4LT100.Methods, seed, 0, false)
	return runs, "", err
}
