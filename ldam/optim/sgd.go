// Package optim is SGD with momentum and weight decay with PyTorch's torch.optim.SGD semantics,
// which GoMLX v0.28 does not offer: for every trainable parameter p with gradient g,
//
//	d = g + λ·p            (weight decay on all parameters, as the official code)
//	b = μ·b + d            (momentum buffer, zero-initialized; no dampening, no Nesterov)
//	p = p − lr·b
//
// The learning rate is a scalar variable of the model Store (optimizer.LearningRateVar), so a
// schedule changes it between steps with [SetLearningRate] without recompiling the graph.
package optim

import (
	"fmt"
	"strings"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// momentumScope is where the momentum buffers live in the Store.
const momentumScope = "/optimizers/sgd_momentum"

// SGD is torch.optim.SGD(lr, momentum, weight_decay) as a GoMLX optimizer.Interface.
type SGD struct {
	// LR is the initial learning rate (used only when the variable does not exist yet).
	LR          float64
	Momentum    float64
	WeightDecay float64
	// LRFactors multiplies the learning rate of the variables under a scope (a key such as
	// "/head", matched against the variable's scope and its parents) by the key's value: PyTorch's
	// parameter groups with their own lr. The longest matching key wins; variables under no key
	// take the rate unchanged. Nil for one rate everywhere.
	LRFactors map[string]float64
}

var _ optimizer.Interface = (*SGD)(nil)

// UpdateGraph implements optimizer.Interface.
func (o *SGD) UpdateGraph(scope *model.Scope, g *Graph, loss *Node) {
	if !loss.Shape().IsScalar() {
		panic(fmt.Sprintf("optim: SGD needs a scalar loss, got shape %s", loss.Shape()))
	}
	vars, values := trainable(scope, g)
	if len(vars) == 0 {
		return
	}
	o.apply(scope, g, loss.DType(), vars, values, Gradient(loss, values...))
}

// trainable returns the trainable variables graph g uses and their current values.
//
// An update graph must be in training mode (scope.SetTraining(g, true), as GoMLX's trainer
// sets it): on a backend that prefers constants for variables (ONNX Runtime; the pure-Go
// backend since compute v0.1.34) GoMLX embeds the variables of a non-training graph as
// constants of their value at compile time, and every later step would start from those.
func trainable(scope *model.Scope, g *Graph) (vars []*model.Variable, values []*Node) {
	if b := g.Backend(); b != nil && b.Capabilities().PreferConstantsForVariables && !scope.IsTraining(g) {
		panic("optim: the update graph is not in training mode; call scope.SetTraining(g, true) before reading the variables (on this backend GoMLX would freeze them as constants of their compile-time values)")
	}
	for v := range scope.IterVariables() {
		if v.Trainable && v.InUseByGraph(g) {
			vars = append(vars, v)
			values = append(values, v.NodeValue(g))
		}
	}
	return vars, values
}

// apply is one SGD step of the parameters vars (values p) with gradients grads.
func (o *SGD) apply(scope *model.Scope, g *Graph, dtype dtypes.DType, vars []*model.Variable, values, grads []*Node) {
	lr := optimizer.LearningRateVar(scope, dtype, o.LR).NodeValue(g)
	optimizer.IncrementGlobalStep(g, dtypes.Int64)
	store := scope.Store()
	for i, v := range vars {
		p := values[i]
		d := grads[i]
		if o.WeightDecay != 0 {
			d = Add(d, MulScalar(p, o.WeightDecay))
		}
		step := d
		if o.Momentum != 0 {
			buf := store.Scope(momentumScope+v.Scope()).WithInitializer(initializer.Zero).
				VariableWithShape(v.Name(), v.Shape()).SetTrainable(false)
			b := Add(MulScalar(buf.NodeValue(g), o.Momentum), d)
			buf.SetNodeValue(b)
			step = b
		}
		rate := ConvertDType(lr, p.DType())
		if f, ok := o.lrFactor(v.Scope()); ok {
			rate = MulScalar(rate, f)
		}
		v.SetNodeValue(Sub(p, Mul(rate, step)))
	}
}

// lrFactor returns the factor of the longest key of LRFactors that is scope or one of its
// parents, and whether one is.
func (o *SGD) lrFactor(scope string) (float64, bool) {
	best, factor := -1, 1.0
	for key, f := range o.LRFactors {
		k := strings.TrimSuffix(key, model.ScopeSeparator)
		if (scope == k || strings.HasPrefix(scope, k+model.ScopeSeparator) || k == "") && len(k) > best {
			best, factor = len(k), f
		}
	}
	return factor, best >= 0
}

// Clear implements optimizer.Interface: it deletes the momentum buffers.
func (o *SGD) Clear(scope *model.Scope) error {
	return scope.Store().Scope(momentumScope).DeleteVariablesInScope()
}

// SetLearningRate sets the learning-rate variable used by the next training steps (creating
// it as float32, the models' dtype, if no graph made it yet).
func SetLearningRate(store *model.Store, lr float64) error {
	path := model.JoinPath(optimizer.Scope, optimizer.ParamLearningRate)
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	v := store.GetVariable(path)
	if v == nil {
		v = optimizer.LearningRateVar(store.RootScope(), dtypes.Float32, lr)
	}
	if v.Shape().DType == dtypes.Float64 {
		return v.SetValue(tensors.FromScalar(lr))
	}
	return v.SetValue(tensors.FromScalar(float32(lr)))
}
