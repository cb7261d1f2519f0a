package experiment_test

import (
	"fmt"
	"os"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/ldam/experiment"
)

// mixture is a small imbalanced 3-class problem in 2-d (200, 40 and 8 training points).
func mixture() *experiment.Data {
	means := datasets.RingMeans(3, 2, 3)
	train, err := datasets.GaussianMixture(means, 0.5, []int{200, 40, 8}, 1)
	if err != nil {
		panic(err)
	}
	test, err := datasets.GaussianMixture(means, 0.5, []int{100, 100, 100}, 2)
	if err != nil {
		panic(err)
	}
	return &experiment.Data{Name: "mixture", Classes: train.Classes, TrainPoints: train, TestPoints: test}
}

// Train runs one configuration to the end: here LDAM-DRW on a small imbalanced mixture with an
// MLP, the paper's schedule scaled to 8 epochs (re-weighting deferred to the last quarter).
// results.json and the checkpoints go to Out when it is set.
func ExampleTrain() {
	res, err := experiment.Train(experiment.Config{Data: mixture(), Arch: "mlp", LossType: "LDAM", TrainRule: "DRW",
		Preset: "paper", Epochs: 8, BatchSize: 32, Seed: 1})
	if err != nil {
		panic(err)
	}
	fmt.Println("epochs:", len(res.History), "done:", res.Done)
	fmt.Println("training counts:", res.Data.TrainCounts, "re-weighting from epoch", res.Preset.DeferEpoch+1)
	fmt.Println("re-weighted in the last epoch:", res.History[7].Reweighted)
	// Output:
	// epochs: 8 done: true
	// training counts: [200 40 8] re-weighting from epoch 7
	// re-weighted in the last epoch: true
}

// Open reopens a finished run from its directory — its configuration, its data, its last
// checkpoint — to measure it further; nothing is trained or written.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "run")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	res, err := experiment.Train(experiment.Config{Data: mixture(), Arch: "mlp", LossType: "CE", Preset: "paper", Epochs: 4,
		BatchSize: 32, Seed: 1, Out: dir})
	if err != nil {
		panic(err)
	}
	run, recorded, err := experiment.Open(dir, func(c *experiment.Config) { c.Data = mixture() })
	if err != nil {
		panic(err)
	}
	again, err := run.Evaluate()
	if err != nil {
		panic(err)
	}
	fmt.Println("recorded epochs:", len(recorded.History))
	fmt.Println("same final error:", again.Top1Error == res.Final.Top1Error)
	// Output:
	// recorded epochs: 4
	// same final error: true
}
