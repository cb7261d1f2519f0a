package record_test

import (
	"fmt"
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
