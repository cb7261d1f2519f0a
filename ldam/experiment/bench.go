package experiment

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
// With micro-batches it runs each micro-batch's step and then the update.
func (run *Run) Step(b train.Batch) error {
	run.inferStale = true
	if run.accum == nil {
		_, err := run.trainer.TrainStep(b)
		return err
	}
	parts, err := splitBatch(b, run.accum.K)
	if err != nil {
		return err
	}
	for _, p := range parts {
		if _, err := run.trainer.TrainStep(p); err != nil {
			return err
		}
	}
	return run.accum.Apply(run.Backend, run.Store)
}

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

// BenchArchs are the networks `ldam bench` times, each on random inputs of its dataset's
// shapes: ResNet-32 on CIFAR (32×32, 10 classes), ResNet-18 on Tiny ImageNet (64×64, 200
// classes), the BiLSTM on IMDB (256 tokens of a 20,000-word vocabulary, 2 classes).
var BenchArchs = []string{"resnet32", "resnet18", "bilstm"}

// BenchConfig is one benchmark: a network of BenchArchs on the backend at a batch size, timed
// over Steps steps after a warm-up step.
type BenchConfig struct {
	Arch, Backend    string
	Batch, Steps     int
	CheckpointBlocks bool
	// MicroBatches is Config.MicroBatches (0: the training default).
	MicroBatches int
}

// benchData returns a random data set of the network's shapes with at least n examples and
// every class present, and the inputs of its first batch of n.
func benchData(arch string, n int) (*Data, func() []*tensors.Tensor, error) {
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
		return &Data{Name: "random", Classes: classes, TrainImages: imgs, TestImages: imgs}, inputs, nil
	case "bilstm":
		m := max(n, 2)
		t := &datasets.Text{Name: "random", Classes: datasets.IMDBClasses, MaxLen: IMDBMaxLen, Vocab: &datasets.Vocab{Words: make([]string, IMDBVocab)},
			Tokens: make([]int32, m*IMDBMaxLen), Lengths: make([]int32, m), Labels: make([]int, m)}
		for i := range t.Tokens {
			t.Tokens[i] = int32(2 + rng.IntN(IMDBVocab-2))
		}
		for i := range t.Lengths {
			t.Lengths[i], t.Labels[i] = IMDBMaxLen, i%2 // the longest reviews: every step runs
		}
		inputs := func() []*tensors.Tensor {
			return []*tensors.Tensor{tensors.FromFlatDataAndDimensions(append([]int32(nil), t.Tokens[:n*IMDBMaxLen]...), n, IMDBMaxLen),
				tensors.FromFlatDataAndDimensions(append([]int32(nil), t.Lengths[:n]...), n)}
		}
		return &Data{Name: "random", Classes: t.Classes, TrainText: t, TestText: t}, inputs, nil
	}
	return nil, nil, fmt.Errorf("bench: unknown network %q; use one of %v", arch, BenchArchs)
}

// Bench times the training step (forward, backward, SGD-momentum update; CE loss) and an
// evaluation forward pass of a network on random inputs of its dataset's shapes: the median of
// Steps runs after one warm-up run (which includes compilation).
func Bench(c BenchConfig) (StepTimes, error) {
	data, inputs, err := benchData(c.Arch, c.Batch)
	if err != nil {
		return StepTimes{}, err
	}
	run, err := Prepare(Config{Data: data, Arch: c.Arch, LossType: "CE", Preset: "paper", BatchSize: c.Batch, Backend: c.Backend,
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
	st := StepTimes{Batch: c.Batch, MicroBatches: run.cfg.MicroBatches, TrainSteps: c.Steps, EvalRuns: c.Steps}
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

// BenchResNet32 is Bench of ResNet-32 on CIFAR shapes.
func BenchResNet32(backendName string, batch, steps int, checkpointBlocks bool) (StepTimes, error) {
	return Bench(BenchConfig{Arch: "resnet32", Backend: backendName, Batch: batch, Steps: steps, CheckpointBlocks: checkpointBlocks})
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

// GradientGraph builds the computation at the heart of a step of c's network on random
// inputs of its dataset's shapes, at batch c.Batch, compiles and runs it once on c.Backend, and
// hands the compiled graph to save (for example backend.SaveONNX, to profile it in ONNX
// Runtime's own profiler: scripts/ort-profile.js). With training, the computation is the
// forward pass in training mode, the loss Σ logits² and the gradients of every trainable
// variable (no optimizer update); without, it is the evaluation forward pass (running batch
// statistics) that returns the logits, with the variables as constants where the backend
// prefers them, as Evaluate runs it. It returns the dimensions of the graph's parameters in
// order (the inputs, then the variables).
func GradientGraph(c BenchConfig, training bool, save func(*Graph) error) ([][]int, error) {
	data, inputs, err := benchData(c.Arch, c.Batch)
	if err != nil {
		return nil, err
	}
	run, err := Prepare(Config{Data: data, Arch: c.Arch, LossType: "CE", Preset: "paper", BatchSize: c.Batch, Backend: c.Backend,
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
		defer run.constantVariables()() // as Evaluate compiles it
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
