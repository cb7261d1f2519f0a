// Package bench times the networks of the paper on a backend, as `ldam bench` reports it: a
// training step and an evaluation pass on random inputs of each dataset's shapes ([Time]), the
// matrix-product floor of ResNet-32's convolutions ([MatMulFloor]), the CIFAR input pipeline
// ([Loader]), and the step's graph for an engine's own profiler ([GradientGraph]).
package bench

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/ldam/experiment"
)

// StepTimes are the measured durations of a benchmark.
type StepTimes struct {
	Batch int
	// MicroBatches is the number of micro-batches of each training step (1: none).
	MicroBatches         int
	Train, Eval          time.Duration // medians after warm-up
	TrainSteps, EvalRuns int
}

// ImagesPerSecond returns the training and evaluation throughputs.
func (s StepTimes) ImagesPerSecond() (trainIPS, evalIPS float64) {
	return float64(s.Batch) / s.Train.Seconds(), float64(s.Batch) / s.Eval.Seconds()
}

// Archs are the networks `ldam bench` times, each on random inputs of its dataset's
// shapes: ResNet-32 on CIFAR (32×32, 10 classes), ResNet-18 on Tiny ImageNet (64×64, 200
// classes), the BiLSTM on IMDB (256 tokens of a 20,000-word vocabulary, 2 classes).
var Archs = []string{"resnet32", "resnet18", "bilstm"}

// Config is one benchmark: a network of Archs on the backend at a batch size, timed
// over Steps steps after a warm-up step.
type Config struct {
	Arch, Backend    string
	Batch, Steps     int
	CheckpointBlocks bool
	// MicroBatches is experiment.Config.MicroBatches (0: the training default).
	MicroBatches int
}

// benchData returns a random data set of the network's shapes with at least n examples and
// every class present, and the inputs of its first batch of n.
func benchData(arch string, n int) (*experiment.Data, func() []*tensors.Tensor, error) {
	rng := rand.New(rand.NewPCG(1, 1))
	switch arch {
	case "resnet32", "resnet18":
		size, classes := 32, datasets.CIFAR10Classes
		if arch == "resnet18" {
			size, classes = 64, make([]string, 200)
			for i := range classes {
				classes[i] = fmt.Sprintf("class%d", i)
			}
		}
		m := max(n, len(classes))
		imgs := &datasets.Images{Name: "random", Classes: classes, Height: size, Width: size, Channels: 3,
			Pixels: make([]uint8, m*size*size*3), Labels: make([]int, m)}
		for i := range imgs.Pixels {
			imgs.Pixels[i] = uint8(rng.IntN(256))
		}
		for i := range imgs.Labels {
			imgs.Labels[i] = i % len(classes)
		}
		x := make([]float32, n*size*size*3)
		for i := range x {
			x[i] = float32(imgs.Pixels[i])/127.5 - 1
		}
		inputs := func() []*tensors.Tensor {
			return []*tensors.Tensor{tensors.FromFlatDataAndDimensions(append([]float32(nil), x...), n, size, size, 3)}
		}
		return &experiment.Data{Name: "random", Classes: classes, TrainImages: imgs, TestImages: imgs}, inputs, nil
	case "bilstm":
		m := max(n, 2)
		t := &datasets.Text{Name: "random", Classes: datasets.IMDBClasses, MaxLen: experiment.IMDBMaxLen, Vocab: &datasets.Vocab{Words: make([]string, experiment.IMDBVocab)},
			Tokens: make([]int32, m*experiment.IMDBMaxLen), Lengths: make([]int32, m), Labels: make([]int, m)}
		for i := range t.Tokens {
			t.Tokens[i] = int32(2 + rng.IntN(experiment.IMDBVocab-2))
		}
		for i := range t.Lengths {
			t.Lengths[i], t.Labels[i] = experiment.IMDBMaxLen, i%2 // the longest reviews: every step runs
		}
		inputs := func() []*tensors.Tensor {
			return []*tensors.Tensor{tensors.FromFlatDataAndDimensions(append([]int32(nil), t.Tokens[:n*experiment.IMDBMaxLen]...), n, experiment.IMDBMaxLen),
				tensors.FromFlatDataAndDimensions(append([]int32(nil), t.Lengths[:n]...), n)}
		}
		return &experiment.Data{Name: "random", Classes: t.Classes, TrainText: t, TestText: t}, inputs, nil
	}
	return nil, nil, fmt.Errorf("bench: unknown network %q; use one of %v", arch, Archs)
}

// Time times the training step (forward, backward, SGD-momentum update; CE loss) and an
// evaluation forward pass of a network on random inputs of its dataset's shapes: the median of
// Steps runs after one warm-up run (which includes compilation).
func Time(c Config) (StepTimes, error) {
	data, inputs, err := benchData(c.Arch, c.Batch)
	if err != nil {
		return StepTimes{}, err
	}
	run, err := experiment.Prepare(experiment.Config{Data: data, Arch: c.Arch, LossType: "CE", Preset: "paper", BatchSize: c.Batch, Backend: c.Backend,
		CheckpointBlocks: c.CheckpointBlocks, MicroBatches: c.MicroBatches})
	if err != nil {
		return StepTimes{}, err
	}
	y := make([]int32, c.Batch)
	for i := range y {
		y[i] = int32(i % len(data.Classes))
	}
	newBatch := func() train.Batch {
		return train.Batch{Inputs: inputs(), Labels: []*tensors.Tensor{tensors.FromFlatDataAndDimensions(append([]int32(nil), y...), c.Batch)}}
	}
	st := StepTimes{Batch: c.Batch, MicroBatches: run.MicroBatches(), TrainSteps: c.Steps, EvalRuns: c.Steps}
	var ts []time.Duration
	for i := range c.Steps + 1 {
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
	in := inputs()
	for i := range c.Steps + 1 {
		t0 := time.Now()
		out, err := run.Predict(in...)
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

// ResNet32 is Time of ResNet-32 on CIFAR shapes.
func ResNet32(backendName string, batch, steps int, checkpointBlocks bool) (StepTimes, error) {
	return Time(Config{Arch: "resnet32", Backend: backendName, Batch: batch, Steps: steps, CheckpointBlocks: checkpointBlocks})
}

// Loader measures the images per second the CIFAR training pipeline (re-sampling order,
// pad-4 crop, flip, normalization, on all CPUs) delivers, over `epochs` epochs of n images.
func Loader(n, batch, epochs int) (float64, error) {
	imgs := datasets.RandomCIFAR(n, 2)
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

// GradientGraph builds the computation at the heart of a step of c's network on random
// inputs of its dataset's shapes, at batch c.Batch, compiles and runs it once on c.Backend, and
// hands the compiled graph to save (for example backend.SaveONNX, to profile it in ONNX
// Runtime's own profiler: scripts/ort-profile.js). With training, the computation is the
// forward pass in training mode, the loss Σ logits² and the gradients of every trainable
// variable (no optimizer update); without, it is the evaluation forward pass (running batch
// statistics) that returns the logits, with the variables as constants where the backend
// prefers them, as experiment.Run.Evaluate runs it. It returns the dimensions of the graph's parameters in
// order (the inputs, then the variables).
func GradientGraph(c Config, training bool, save func(*Graph) error) ([][]int, error) {
	data, inputs, err := benchData(c.Arch, c.Batch)
	if err != nil {
		return nil, err
	}
	run, err := experiment.Prepare(experiment.Config{Data: data, Arch: c.Arch, LossType: "CE", Preset: "paper", BatchSize: c.Batch, Backend: c.Backend,
		CheckpointBlocks: c.CheckpointBlocks, MicroBatches: 1})
	if err != nil {
		return nil, err
	}
	if k, ok := run.Backend.(interface{ SetKeepModelProto(bool) }); ok {
		k.SetKeepModelProto(true) // ONNX Runtime: keep the model for SaveONNX
	}
	var g *Graph
	exec, err := model.NewExec(run.Backend, run.Store, func(scope *model.Scope, in []*Node) []*Node {
		g = in[0].Graph()
		scope.Store().SetTraining(g, training)
		logits, _ := run.Net(scope, in)
		if !training {
			return []*Node{logits}
		}
		return scope.BuildTrainableVariablesGradientsGraph(ReduceAllSum(Square(logits)))
	})
	if err != nil {
		return nil, err
	}
	defer exec.Finalize()
	in := inputs()
	args := make([]any, len(in))
	for i, t := range in {
		args[i] = t
	}
	if !training {
		defer run.ConstantVariables()() // as Evaluate compiles it
	}
	out, err := exec.Call(args...)
	if err != nil {
		return nil, fmt.Errorf("gradient graph: %w", err)
	}
	for _, t := range out {
		t.MustFinalizeAll()
	}
	var dims [][]int
	for i := range g.NumParameters() {
		dims = append(dims, g.GetParameterByHandle(ParameterHandle(i)).Shape().Dimensions)
	}
	return dims, save(g)
}
