package optim

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// SAM is sharpness-aware minimization (Foret et al., ICLR 2021) around [SGD], as Rangwani et
// al. (NeurIPS 2022, "Escaping saddle points for effective generalization on class-imbalanced
// data"; code val-iisc/Saddle-LongTail, flag --rho) use it with LDAM-DRW: each step takes the
// gradient g of the batch loss at the parameters w, moves to w + ε with ε = ρ·g/‖g‖ (one norm
// over all parameters), takes the gradient there, and applies that gradient to w with SGD's
// momentum and weight decay. Its two forward and backward passes are one graph. The
// non-trainable variables that the second pass would update again (batch-norm running
// statistics) keep the values of the first pass.
type SAM struct {
	SGD
	// Rho is the radius ρ of the perturbation (0 is plain SGD).
	Rho float64
	// Loss recomputes the batch loss of graph g from the variables' current values: the
	// trainer's model and loss functions on the same inputs (experiment sets it).
	Loss func(g *Graph) *Node
}

var _ optimizer.Interface = (*SAM)(nil)

// UpdateGraph implements optimizer.Interface.
func (o *SAM) UpdateGraph(scope *model.Scope, g *Graph, loss *Node) {
	if !loss.Shape().IsScalar() {
		panic(fmt.Sprintf("optim: SAM needs a scalar loss, got shape %s", loss.Shape()))
	}
	if o.Loss == nil {
		panic("optim: SAM needs its Loss function to recompute the loss at the perturbed parameters")
	}
	vars, values := trainable(scope, g)
	if len(vars) == 0 {
		return
	}
	grads := Gradient(loss, values...)
	if o.Rho == 0 {
		o.apply(scope, g, loss.DType(), vars, values, grads)
		return
	}
	var sq *Node
	for _, gr := range grads {
		s := ReduceAllSum(Square(gr))
		if sq == nil {
			sq = s
		} else {
			sq = Add(sq, s)
		}
	}
	scale := StopGradient(Div(Scalar(g, loss.DType(), o.Rho), AddScalar(Sqrt(sq), 1e-12)))
	saved := map[*model.Variable]*Node{}
	for v := range scope.IterVariables() {
		if !v.Trainable && v.InUseByGraph(g) {
			saved[v] = v.NodeValue(g)
		}
	}
	perturbed := make([]*Node, len(vars))
	for i, v := range vars {
		perturbed[i] = Add(values[i], Mul(StopGradient(grads[i]), ConvertDType(scale, values[i].DType())))
		v.SetNodeValue(perturbed[i])
	}
	sharp := Gradient(o.Loss(g), perturbed...)
	for v, n := range saved {
		v.SetNodeValue(n)
	}
	for i, v := range vars {
		v.SetNodeValue(values[i])
	}
	o.apply(scope, g, loss.DType(), vars, values, sharp)
}
