package probe

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/ldamlab/ldamlab/ldam/optim"
)

// Scopes of a fine-tune's variables in its Store.
const (
	headScope   = "/head"   // the classifier: w [K, D] and b [K]
	scalesScope = "/scales" // MiSLAS's per-class scales s [K]
)

// fineTune trains a linear head — and, for MiSLAS, per-class scales of its logits — on frozen
// float64 features with GoMLX: the loss is a graph function of the logits, its gradient comes
// from autodiff, and the step is the project's PyTorch SGD (optim.SGD). It runs on the pure-Go
// backend, in float64 as the features are.
type fineTune struct {
	backend compute.Backend
	store   *model.Store
	w, b, s *model.Variable
	exec    *model.Exec
	x       []float64
	d       int
	labels  []int
	// xb and yb hold a batch's features and labels, reused from step to step.
	xb []float64
	yb []int32
}

// newFineTune prepares the fine-tune of c on the features x [len(labels)][c.D]: scales adds
// the per-class scales (all 1 at the start); loss maps the logits, the labels and the per-class
// vector perClass (smoothing or weights) to the scalar loss; opt is the optimizer.
func newFineTune(c Classifier, x []float64, labels []int, scales bool, perClass []float64,
	loss func(logits, labels, perClass *graph.Node) *graph.Node, opt *optim.SGD) (*fineTune, error) {
	backend, err := gobackend.New("")
	if err != nil {
		return nil, fmt.Errorf("probe: the Go backend for the fine-tune: %w", err)
	}
	f := &fineTune{backend: backend, store: model.NewStore(), x: x, d: c.D, labels: labels}
	head := f.store.Scope(headScope)
	f.w = head.VariableWithValue("w", tensors.FromFlatDataAndDimensions(append([]float64(nil), c.W...), c.K, c.D))
	f.b = head.VariableWithValue("b", append([]float64(nil), c.B...))
	if scales {
		ones := make([]float64, c.K)
		for j := range ones {
			ones[j] = 1
		}
		f.s = f.store.Scope(scalesScope).VariableWithValue("s", ones)
	}
	// The learning rate is a float64 variable, as the loss (optim.SetLearningRate then keeps it).
	optimizer.LearningRateVar(f.store.RootScope(), dtypes.Float64, 0)
	vector := tensors.FromFlatDataAndDimensions(append([]float64(nil), perClass...), c.K)
	f.exec, err = model.NewExec(backend, f.store, func(scope *model.Scope, in []*graph.Node) *graph.Node {
		g := in[0].Graph()
		scope.SetTraining(g, true) // an update graph reads its variables (optim.trainable)
		l := f.logits(in[0])
		value := loss(l, in[1], graph.Const(g, vector))
		opt.UpdateGraph(scope, g, value)
		return value
	})
	if err != nil {
		backend.Finalize()
		return nil, fmt.Errorf("probe: compiling the fine-tune's step: %w", err)
	}
	return f, nil
}

// logits are s ⊙ (x wᵀ + b) of features x [batch, D] (without s when there are no scales).
func (f *fineTune) logits(x *graph.Node) *graph.Node {
	g := x.Graph()
	z := graph.Add(graph.MatMul(x, graph.Transpose(f.w.NodeValue(g), 0, 1)), graph.ExpandAxes(f.b.NodeValue(g), 0))
	if f.s != nil {
		z = graph.Mul(z, graph.ExpandAxes(f.s.NodeValue(g), 0))
	}
	return z
}

// setLR sets the learning rate of the next steps (once an epoch: the schedules step per epoch).
func (f *fineTune) setLR(lr float64) error { return optim.SetLearningRate(f.store, lr) }

// step runs one SGD step on the examples batch and returns the loss.
func (f *fineTune) step(batch []int) (float64, error) {
	f.xb, f.yb = f.xb[:0], f.yb[:0]
	for _, e := range batch {
		f.xb = append(f.xb, f.x[e*f.d:(e+1)*f.d]...)
		f.yb = append(f.yb, int32(f.labels[e]))
	}
	out, err := f.exec.Call(tensors.FromFlatDataAndDimensions(f.xb, len(batch), f.d), tensors.FromFlatDataAndDimensions(f.yb, len(batch)))
	if err != nil {
		return 0, fmt.Errorf("probe: a fine-tune step: %w", err)
	}
	return out[0].Value().(float64), nil
}

// classifier returns the head's current weights and biases.
func (f *fineTune) classifier() (Classifier, error) {
	w, err := f.w.Value()
	if err != nil {
		return Classifier{}, err
	}
	b, err := f.b.Value()
	if err != nil {
		return Classifier{}, err
	}
	k := w.Shape().Dimensions[0]
	return Classifier{K: k, D: f.d, W: tensors.MustCopyFlatData[float64](w), B: tensors.MustCopyFlatData[float64](b)}, nil
}

// setWeights replaces the head's weights (after a projection).
func (f *fineTune) setWeights(c Classifier) error {
	return f.w.SetValue(tensors.FromFlatDataAndDimensions(append([]float64(nil), c.W...), c.K, c.D))
}

// scales returns MiSLAS's per-class scales.
func (f *fineTune) scales() ([]float64, error) {
	s, err := f.s.Value()
	if err != nil {
		return nil, err
	}
	return tensors.MustCopyFlatData[float64](s), nil
}

// finalize frees the compiled step and the backend.
func (f *fineTune) finalize() {
	f.exec.Finalize()
	f.backend.Finalize()
}
