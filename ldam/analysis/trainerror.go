package analysis

import (
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/probe"
	"github.com/ldamlab/ldamlab/ldam/record"
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

// PerClassTrainErrorOfRun is PerClassTrainError of the finished run in dir (reopened from its
// final checkpoint), stored in the run's record.DerivedFile and read from there while that
// checkpoint stays the same: Fig. 2 passes the whole training split through each network once.
func PerClassTrainErrorOfRun(dir string) ([]float64, error) {
	return record.Derive(dir, "train-error", record.CheckpointFile, derivedParams{Version: 1}, func() ([]float64, error) {
		run, _, err := experiment.Open(dir, nil) // the final checkpoint; Fit is not called
		if err != nil {
			return nil, err
		}
		return PerClassTrainError(run)
	})
}
