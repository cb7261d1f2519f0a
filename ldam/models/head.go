package models

import (
	"math"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// Linear is the biased linear classifier of the CE/Focal baselines (nn.Linear in the official
// code): weights [in, classes] Kaiming-normal (fan-in), bias uniform(±1/√in) as PyTorch's default.
func Linear(scope *model.Scope, x *Node, classes int) *Node {
	g := x.Graph()
	in := x.Shape().Dimensions[1]
	w := scope.VariableWithShape("weights", shapes.Make(x.DType(), in, classes)).NodeValue(g)
	bound := 1 / math.Sqrt(float64(in))
	b := scope.WithInitializer(initializer.RandomUniformFn(scope, -bound, bound)).
		VariableWithShape("biases", shapes.Make(x.DType(), classes)).NodeValue(g)
	return Add(MatMul(x, w), ExpandAxes(b, 0))
}

// Cosine is the official code's NormedLinear, the classifier of the LDAM losses (section 3.2 of
// the paper, after additive-margin softmax): the output is the cosine between the L2-normalized
// feature and each L2-normalized class vector, z_j = cos θ_j ∈ [−1, 1], with no bias. Class
// vectors start uniform(−1, 1) and rescaled to unit norm, as in the official code.
func Cosine(scope *model.Scope, x *Node, classes int) *Node {
	g := x.Graph()
	in := x.Shape().Dimensions[1]
	init := func(g *Graph, shape shapes.Shape) *Node {
		u := AddScalar(MulScalar(scope.RandomUniform(g, shape), 2), -1)
		return L2Normalize(u, 0)
	}
	w := scope.WithInitializer(init).VariableWithShape("weights", shapes.Make(x.DType(), in, classes)).NodeValue(g)
	return MatMul(normalize(x, 1), normalize(w, 0))
}

// normalize is F.normalize: x / max(‖x‖₂, 1e-12) along axis.
func normalize(x *Node, axis int) *Node {
	norm := Sqrt(ReduceAndKeep(Square(x), ReduceSum, axis))
	return Div(x, MaxScalar(norm, 1e-12))
}
