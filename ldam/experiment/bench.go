package experiment

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/train"

	"github.com/ldamlab/ldamlab/datasets"
)

// RandomCIFAR returns n random 32×32×3 images with random labels of 10 classes, balanced.
func RandomCIFAR(n int, seed uint64) *datasets.Images {
	rng := rand.New(rand.NewPCG(seed, 1))
	d := &datasets.Images{Name: "random-cifar", Classes: datasets.CIFAR10Classes, Height: 32, Width: 32, Channels: 3,
		Pixels: make([]uint8, n*32*32*3), Labels: make([]int, n)}
	for i := range d.Pixels {
		d.Pixels[i] = uint8(rng.IntN(256))
	}
	for i := range d.Labels {
		d.Labels[i] = i % 10
	}
	return d
}

// Step runs one training step on a batch (the trainer takes ownership of its tensors).
func (run *Run) Step(b train.Batch) error {
	_, err := run.trainer.TrainStep(b)
	return err
}

// Predict returns the logits of inputs in evaluation mode.
func (run *Run) Predict(inputs ...*tensors.Tensor) (*tensors.Tensor, error) {
	args := make([]any, len(inputs))
	for i, t := range inputs {
		args[i] = t
	}
	out, err := run.evalExec.Call(args...)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// StepTimes are the measured durations of a benchmark.
type StepTimes struct {
	Batch                int
	Train, Eval          time.Duration // medians after warm-up
	TrainSteps, EvalRuns int
}

// ImagesPerSecond returns the training and evaluation throughputs.
func (s StepTimes) ImagesPerSecond() (trainIPS, evalIPS float64) {
	return float64(s.Batch) / s.Train.Seconds(), float64(s.Batch) / s.Eval.Seconds()
}

// BenchResNet32 times the training step (forward, backward, SGD-momentum update; CE loss) and
// an evaluation forward pass of CIFAR ResNet-32 at the given batch size on the configured
// backend (optionally with checkpointed blocks, or keeping the im2col columns): the median of
// `steps` runs after one warm-up run (which includes compilation).
func BenchResNet32(backendName string, batch, steps int, checkpointBlocks, keepColumns bool) (StepTimes, error) {
	imgs := RandomCIFAR(batch, 1)
	run, err := Prepare(Config{Data: &Data{Name: "random-cifar", Classes: imgs.Classes, TrainImages: imgs, TestImages: imgs},
		Arch: "resnet32", LossType: "CE", Preset: "paper", BatchSize: batch, Backend: backendName, CheckpointBlocks: checkpointBlocks, KeepColumns: keepColumns})
	if err != nil {
		return StepTimes{}, err
	}
	x := make([]float32, len(imgs.Pixels))
	for i, v := range imgs.Pixels {
		x[i] = float32(v)/127.5 - 1
	}
	y := make([]int32, batch)
	for i := range y {
		y[i] = int32(imgs.Labels[i])
	}
	newBatch := func() train.Batch {
		return train.Batch{Inputs: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(append([]float32(nil), x...), batch, 32, 32, 3)},
			Labels: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(append([]int32(nil), y...), batch)}}
	}
	st := StepTimes{Batch: batch, TrainSteps: steps, EvalRuns: steps}
	var ts []time.Duration
	for i := range steps + 1 {
		t0 := time.Now()
		if err := run.Step(newBatch()); err != nil {
			return st, fmt.Errorf("train step: %w", err)
		}
		if i > 0 {
			ts = append(ts, time.Since(t0))
		}
	}
	st.Train = median(ts)
	ts = ts[:0]
	in := tensors.FromFlatDataAndDimensions(x, batch, 32, 32, 3)
	for i := range steps + 1 {
		t0 := time.Now()
		out, err := run.Predict(in)
		if err != nil {
			return st, fmt.Errorf("evaluation: %w", err)
		}
		out.MustFinalizeAll()
		if i > 0 {
			ts = append(ts, time.Since(t0))
		}
	}
	st.Eval = median(ts)
	return st, nil
}

// BenchLoader measures the images per second the CIFAR training pipeline (re-sampling order,
// pad-4 crop, flip, normalization, on all CPUs) delivers, over `epochs` epochs of n images.
func BenchLoader(n, batch, epochs int) (float64, error) {
	imgs := RandomCIFAR(n, 2)
	info := datasets.InfoFor("cifar10")
	l, err := datasets.NewImageLoader("bench", imgs, datasets.LoaderConfig{BatchSize: batch,
		Order:   func(_ int, rng *rand.Rand) ([]int, error) { return rng.Perm(n), nil },
		Augment: info.Augment, Mean: info.Mean, Std: info.Std})
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	count := 0
	for range epochs {
		for b, err := range l.Iter() {
			if err != nil {
				return 0, err
			}
			count += b.Inputs[0].Shape().Dimensions[0]
			b.Finalize()
		}
	}
	return float64(count) / time.Since(t0).Seconds(), nil
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
