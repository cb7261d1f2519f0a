package models

import (
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// SphereCNN is the small CNN of the feature-sphere figure (Fig. 5): three conv–BN–ReLU stages
// (32, 64, 128 channels, 2×2 average pooling after the first two), global average pooling and a
// linear layer to a featureDim-dimensional feature (3 for the figure), which the cosine head
// L2-normalizes so the features lie on the unit sphere. The paper's "7-layer CNN of Liu et al.
// 2017b" is not specified further; this is our stand-in.
func SphereCNN(scope *model.Scope, x *Node, featureDim int) *Node {
	for i, ch := range []int{32, 64, 128} {
		x = BatchNormRelu(scope.In("bn%d", i), Conv2D(scope.In("conv%d", i), x, ch, 3, 1))
		if i < 2 && x.Shape().Dimensions[1]%2 == 0 && x.Shape().Dimensions[2]%2 == 0 {
			x = AvgPool2(x)
		}
	}
	x = ReduceMean(x, 1, 2)
	return Linear(scope.In("feature"), x, featureDim)
}

// MLP is a multi-layer perceptron with ReLU hidden layers on flattened inputs, used for the
// synthetic sets and tests.
func MLP(scope *model.Scope, x *Node, hidden ...int) *Node {
	x = Reshape(x, x.Shape().Dimensions[0], -1)
	for i, h := range hidden {
		x = Relu(Linear(scope.In("hidden%d", i), x, h))
	}
	return x
}
