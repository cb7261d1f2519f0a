package models

import (
	"slices"

	. "github.com/gomlx/gomlx/core/graph"
)

// customGradient returns forward(inputs), whose gradients with respect to the inputs GoMLX takes
// from grads(dy, in) instead of differentiating forward's graph: dy is the gradient of the
// output and in are the inputs as the backward pass sees them — in[0] is the clone GoMLX
// rematerializes when it lies in a checkpointed block (ResNetConfig.Checkpoint); put the
// activation first and variables after it. grads returns one gradient per input (nil for
// none); gradients of inputs that need none are never computed (the backend drops unused nodes).
//
// It is built on graph.InternalFusedOpCaller, GoMLX's mechanism for fused operations: the output
// is the forward, and autodiff runs on an alternate graph in which the output gradient is
// captured by an identity with a custom gradient at the top and each input gets its gradient
// from an identity with a custom gradient at the bottom; the two are linked by a sum whose
// nodes are never computed. Its value is forward on stopped inputs, so it is also right with
// fusion disabled ($GOMLX_FUSION=0).
func customGradient(inputs []*Node, forward func(in []*Node) *Node, grads func(dy *Node, in []*Node) []*Node) *Node {
	out, _ := InternalFusedOpCaller(
		func() *Node { return forward(inputs) },
		func() *Node {
			stopped := make([]*Node, len(inputs))
			for i, x := range inputs {
				stopped[i] = StopGradient(x)
			}
			y := forward(stopped)
			var dy *Node // set by the top identity, which autodiff visits first
			seen := slices.Clone(inputs)
			var computed []*Node
			var first *Node // inputs[0]'s identity
			gradient := func(i int, node *Node) *Node {
				if computed == nil {
					if i == 0 && node != first {
						// A rematerialized clone of the identity. The identity itself is
						// not passed on: the backend would copy the activation to compute it.
						seen[0] = node
					}
					computed = grads(dy, seen)
				}
				if computed[i] == nil {
					return ZerosLike(inputs[i])
				}
				return computed[i]
			}
			// Autodiff visits higher node ids first: inputs[0]'s identity is created last so that
			// the gradients are computed with its rematerialized clone.
			var link *Node
			for i := len(inputs) - 1; i >= 0; i-- {
				id := IdentityWithCustomGradient(inputs[i], func(node, _ *Node) *Node { return gradient(i, node) })
				if i == 0 {
					first = id
				}
				if link == nil {
					link = ReduceAllSum(id)
				} else {
					link = Add(link, ReduceAllSum(id))
				}
			}
			linked := BroadcastToShape(link, y.Shape())
			sum := Add(StopGradient(y), Sub(linked, StopGradient(linked)))
			return IdentityWithCustomGradient(sum, func(_, v *Node) *Node {
				// A new reverse pass (each graph.Gradient call makes one) starts here.
				dy, computed = v, nil
				copy(seen, inputs)
				return v
			})
		}, true)
	return out
}
