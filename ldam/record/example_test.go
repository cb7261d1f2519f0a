package record_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/ldamlab/ldamlab/ldam/record"
)

// Reading a committed run: its configuration, how many epochs it trained and its final
// balanced error — without linking an engine.
func ExampleReadResult() {
	dir := filepath.Join("..", "..", "results", "lite", "reference", "cifar10-exp100-erm", "seed-0")
	r, err := record.ReadResult(filepath.Join(dir, record.ResultsFile))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s %s/%s, %d epochs, done %v: balanced error %.2f %%\n", r.Config.Dataset, r.Config.LossType, r.Config.TrainRule, len(r.History), r.Done, 100*r.Final.Top1Error)
	// Output: cifar10 CE/None, 20 epochs, done true: balanced error 60.93 %
}

// Storing a measurement of a run's network beside it: computed once, read back while the
// checkpoint and the parameters stay the same.
func ExampleDerive() {
	dir, err := os.MkdirTemp("", "run")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, record.CheckpointFile), []byte("the network's weights"), 0o644); err != nil {
		panic(err)
	}
	measure := func() ([]float64, error) {
		fmt.Println("a pass over the data")
		return []float64{0.25, 0.5}, nil
	}
	params := struct{ Version int }{1}
	for range 2 {
		errs, err := record.Derive(dir, "per-class-error", record.CheckpointFile, params, measure)
		if err != nil {
			panic(err)
		}
		fmt.Println(errs)
	}
	// Output:
	// a pass over the data
	// [0.25 0.5]
	// [0.25 0.5]
}
