package analysis

import (
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/probe"
)

// PerClassTrainError is the per-class error of a trained run on its own (imbalanced,
// un-augmented) training split, in evaluation mode: Fig. 2's "train err".
func PerClassTrainError(run *experiment.Run) ([]float64, error) {
	logits, k, labels, err := Logits(run, false)
	if err != nil {
		return nil, err
	}
	wrong, count := make([]float64, k), make([]float64, k)
	for i, p := range probe.ArgMax(logits, k) {
		count[labels[i]]++
		if p != labels[i] {
			wrong[labels[i]]++
		}
	}
	for j := range wrong {
		if count[j] > 0 {
			wrong[j] /= count[j]
		}
	}
	return wrong, nil
}
