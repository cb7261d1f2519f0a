package optim

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// accumulatorScope is where the accumulated gradients live in the Store.
const accumulatorScope = "/optimizers/accumulated_gradients"

// Accumulate is gradient accumulation over K micro-batches, what a PyTorch user writes as K
// calls of loss.backward() on slices of a batch before one optimizer.step():
//
//	a = a + g_k / K        for each micro-batch k (the trainer's step: UpdateGraph)
//	p = Inner(p, a); a = 0 once per batch (Apply)
//
// With K equal micro-batches a is the gradient of the whole batch's mean loss, so the update
// is the batch's; only batch norm differs (it normalizes and updates its running statistics
// per micro-batch). Memory is that of one micro-batch: what lets ResNet-18 on 64×64 images
// train at the paper's batch of 128 on a CPU.
//
// Unlike GoMLX's train.Trainer.AccumulateGradients, the update runs in its own small graph
// (Apply), so only one graph holds a micro-batch's activations: on ONNX Runtime every graph
// keeps its own memory arena.
type Accumulate struct {
	// K is the number of micro-batches per batch.
	K int
	// Inner is the optimizer applied to the accumulated gradients (SGD, GoMLX's Adam).
	Inner GradientOptimizer

	apply *model.Exec
}

var _ optimizer.Interface = (*Accumulate)(nil)

// GradientOptimizer is an optimizer that can also update from given gradients (SGD here,
// GoMLX's SGD and Adam).
type GradientOptimizer interface {
	optimizer.Interface
	train.OptimizeWithGradients
}

// accumulator is the accumulated gradient of the trainable variable v.
func accumulator(scope *model.Scope, v *model.Variable) *model.Variable {
	return scope.Store().Scope(accumulatorScope+v.Scope()).WithInitializer(initializer.Zero).
		VariableWithShape(v.Name(), v.Shape()).SetTrainable(false)
}

// UpdateGraph implements optimizer.Interface for one micro-batch: it adds the gradients of
// loss, divided by K, to the accumulators and leaves the parameters unchanged.
func (o *Accumulate) UpdateGraph(scope *model.Scope, g *Graph, loss *Node) {
	if o.K < 1 {
		panic(fmt.Sprintf("optim: Accumulate needs K ≥ 1 micro-batches, got %d", o.K))
	}
	if !loss.Shape().IsScalar() {
		panic(fmt.Sprintf("optim: Accumulate needs a scalar loss, got shape %s", loss.Shape()))
	}
	vars, values := trainable(scope, g)
	if len(vars) == 0 {
		return
	}
	grads := Gradient(loss, values...)
	for i, v := range vars {
		acc := accumulator(scope, v)
		acc.SetNodeValue(Add(acc.NodeValue(g), MulScalar(grads[i], 1/float64(o.K))))
	}
}

// Apply updates the parameters with the accumulated gradients through Inner and zeroes the
// accumulators: call it after every K micro-batch steps. Its graph is built on the first call.
func (o *Accumulate) Apply(backend compute.Backend, store *model.Store) error {
	if o.apply == nil {
		exec, err := model.NewExec(backend, store, o.applyGraph)
		if err != nil {
			return err
		}
		o.apply = exec
	}
	out, err := o.apply.Exec()
	if err != nil {
		return fmt.Errorf("optim: applying the accumulated gradients: %w", err)
	}
	for _, t := range out {
		t.MustFinalizeAll()
	}
	return nil
}

// applyGraph is Apply's graph: Inner's update with the accumulators as gradients, in the order
// of the trainable variables that Inner iterates, then the accumulators set to zero.
func (o *Accumulate) applyGraph(scope *model.Scope, g *Graph) *Node {
	// A training graph: backends that prefer constants (ONNX Runtime) would otherwise embed the
	// non-trainable accumulators and momentum buffers as constants of their value at compile time.
	scope.Store().SetTraining(g, true)
	var grads []*Node
	var accs []*model.Variable
	var dtype dtypes.DType = dtypes.Float32
	for v := range scope.IterVariables() {
		if !v.Trainable {
			continue
		}
		v.NodeValue(g) // in use by this graph: Inner updates it
		acc := accumulator(scope, v)
		grads = append(grads, acc.NodeValue(g))
		accs = append(accs, acc)
		dtype = v.Shape().DType
	}
	if len(grads) == 0 {
		panic("optim: Accumulate found no trainable variables to update")
	}
	o.Inner.UpdateGraphWithGradients(scope, grads, dtype)
	for _, acc := range accs {
		acc.SetNodeValue(ZerosLike(acc.NodeValue(g)))
	}
	return ReduceAllSum(grads[0])
}

// Clear implements optimizer.Interface: it deletes the accumulators and Inner's state.
func (o *Accumulate) Clear(scope *model.Scope) error {
	if err := scope.Store().Scope(accumulatorScope).DeleteVariablesInScope(); err != nil {
		return err
	}
	return o.Inner.Clear(scope)
}

// UpdateGraphWithGradients implements train.OptimizeWithGradients: one SGD step of the
// trainable variables in use by the gradients' graph, in the order of the Store.
func (o *SGD) UpdateGraphWithGradients(scope *model.Scope, grads []*Node, lossDType dtypes.DType) {
	if len(grads) == 0 {
		return
	}
	g := grads[0].Graph()
	vars, values := trainable(scope, g)
	if len(vars) != len(grads) {
		panic(fmt.Sprintf("optim: SGD got %d gradients for %d trainable variables", len(grads), len(vars)))
	}
	o.apply(scope, g, lossDType, vars, values, grads)
}
