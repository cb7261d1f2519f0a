// Copyright 2023-2026 The GoMLX Authors. SPDX-License-Identifier: Apache-2.0

// Package activations implements several common activations, and includes a generic Apply method to apply an
// activation by its type.
//
// There is also FromName to convert an activation name (string) to its type, and ApplyFromScope that applies
// an activation based on the hyperparameter ParamActivation defined in a model.
package activation

import (
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/support/envutil"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	. "github.com/gomlx/gomlx/support/exceptions"
)

const (
	// ParamActivation scope hyperparameter defines the activation to use, for models using ApplyFromScope.
	// Available values are: `none`, `relu`, `leaky_relu`, `sigmoid`, `tanh`, `swish` (same as `silu`), `hard_swish`,
	// `selu`, `gelu` or `gelu_approx`.
	// The default is `relu`.
	// See activations.TypeValues for complete list.
	ParamActivation = "activation"
)

// Type is an enum for the supported activation functions.
//
// It is converted to snake-format strings (e.g.: TypeLeakyRelu -> "leaky_relu"), and can be converted
// from string by using
type Type int

const (
	TypeNone Type = iota
	TypeRelu
	TypeSigmoid
	TypeHardSigmoid
	TypeLeakyRelu
	TypeSelu
	TypeSwish
	TypeHardSwish

	// TypeSilu is an alias to TypeSwish
	TypeSilu

	TypeTanh

	TypeGelu
	TypeGeluApprox

	TypeSwiGLU
)

// ToBackend converts an activations.Type to the corresponding compute.ActivationConfig.
// Unsupported activation types map to compute.ActivationNone.
func (t Type) ToBackend() compute.ActivationConfig {
	switch t {
	case TypeNone:
		return compute.ActivationConfig{Type: compute.ActivationNone}
	case TypeRelu:
		return compute.ActivationConfig{Type: compute.ActivationRelu}
	case TypeSigmoid:
		return compute.ActivationConfig{Type: compute.ActivationSigmoid}
	case TypeHardSigmoid:
		return compute.ActivationConfig{Type: compute.ActivationHardSigmoid}
	case TypeLeakyRelu:
		return compute.ActivationConfig{Type: compute.ActivationLeakyRelu}
	case TypeSelu:
		return compute.ActivationConfig{Type: compute.ActivationSelu}
	case TypeSwish, TypeSilu:
		return compute.ActivationConfig{Type: compute.ActivationSilu}
	case TypeHardSwish:
		return compute.ActivationConfig{Type: compute.ActivationHardSwish}
	case TypeTanh:
		return compute.ActivationConfig{Type: compute.ActivationTanh}
	case TypeGelu:
		return compute.ActivationConfig{Type: compute.ActivationGelu}
	case TypeGeluApprox:
		return compute.ActivationConfig{Type: compute.ActivationGeluApproximate}
	case TypeSwiGLU:
		return compute.ActivationConfig{Type: compute.ActivationSwiGLU}
	default:
		return compute.ActivationConfig{Type: compute.ActivationNone}
	}
}

// applyActivation executes the activation function for act on x.
// If the backend advertises FusedActivationVJP and fusion is enabled, it uses BackendFusedActivation directly
// without constructing the decomposed fallback graph.
// Otherwise, it attempts BackendFusedActivation via InternalFusedOpCaller with the decomposed fallback.
func applyActivation(x *Node, act Type, decomposed func() *Node) *Node {
	cfg := act.ToBackend()
	if cfg.Type == compute.ActivationNone {
		return decomposed()
	}
	if enabled, err := envutil.ReadBool(FusionEnv, true); err != nil {
		panic(err)
	} else if enabled {
		backend := x.Graph().Backend()
		if backend != nil && backend.Capabilities().Operations[compute.OpTypeFusedActivationVJP] {
			return BackendFusedActivation(x, cfg)
		}
	}
	res, _ := InternalFusedOpCaller(
		func() *Node { return BackendFusedActivation(x, cfg) },
		decomposed,
		true,
	)
	return res
}

//go:generate go tool enumer -type Type -trimprefix=Type -output=gen_type_enumer.go activation.go

// ApplyFromScope picks an activation function from the scope using [ParamActivation] parameter,
// and applies it to x.
//
// It defaults to "relu".
func ApplyFromScope(scope *model.Scope, x *Node) *Node {
	activationName := model.GetParamOr(scope, ParamActivation, "relu")
	return Apply(FromName(activationName), x)
}

// Apply the given activation type.
// The TypeNone activation is a no-op.
//
// See TypeValues for valid values.
func Apply(activation Type, x *Node) *Node {
	switch activation {
	case TypeNone:
		return x
	case TypeRelu:
		return Relu(x)
	case TypeLeakyRelu:
		return LeakyRelu(x)
	case TypeSigmoid:
		return applyActivation(x, TypeSigmoid, func() *Node { return Sigmoid(x) })
	case TypeHardSigmoid:
		return HardSigmoid(x)
	case TypeTanh:
		return applyActivation(x, TypeTanh, func() *Node { return Tanh(x) })
	case TypeSwish, TypeSilu:
		return Swish(x)
	case TypeHardSwish:
		return HardSwish(x)
	case TypeSelu:
		return Selu(x)
	case TypeGelu:
		return Gelu(x)
	case TypeGeluApprox:
		return GeluApproximate(x)
	case TypeSwiGLU:
		return SwiGLU(x)
	default:
		Panicf("Apply got invalid activation value %q: options are %v", activation, TypeValues())
	}
	return nil
}

// HiddenDimMultiplier returns the multiplier of the hidden dimension for the given activation.
// This is 2 for SwiGLU, and 1 for all other activations.
func (act Type) HiddenDimMultiplier() int {
	switch act {
	case TypeSwiGLU:
		return 2
	default:
		return 1
	}
}

var (
	// Aliases are alternative names to activations.
	Aliases = map[string]Type{
		"gelu_pytorch_tanh": TypeGeluApprox,
	}
)

// FromName converts the name of an activation to its type.
// It panics with a helpful message if name is invalid.
//
// And empty string is converted to TypeNone.
func FromName(activationName string) Type {
	if activationName == "" {
		return TypeNone
	}
	if act, ok := Aliases[activationName]; ok {
		return act
	}
	activation, err := TypeString(activationName)
	if err != nil {
		Panicf("invalid activation name %q: options are %v", activationName, TypeValues())
	}
	return activation
}

// Relu activation function. It returns Max(x, 0), and is commonly used as an activation function in neural networks.
func Relu(x *Node) *Node {
	return applyActivation(x, TypeRelu, func() *Node {
		return Max(x, ZerosLike(x))
	})
}

// LeakyRelu activation function. It allows a small gradient when the unit is not active (x < 0).
// The `alpha` parameter is fixed at 0.3.
//
// It returns `x if x >= 0; alpha*x if x < 0`.
func LeakyRelu(x *Node) *Node {
	return applyActivation(x, TypeLeakyRelu, func() *Node {
		return leakyReluDecomposed(x, 0.3)
	})
}

// LeakyReluWith activation function. It allows a small gradient when the unit is not active (x < 0).
//
// It returns `x if x >= 0; alpha*x if x < 0`.
func LeakyReluWith(x *Node, alpha float64) *Node {
	if alpha == 0.3 {
		return LeakyRelu(x)
	}
	return leakyReluDecomposed(x, alpha)
}

func leakyReluDecomposed(x *Node, alpha float64) *Node {
	g := x.Graph()
	return Where(
		GreaterOrEqual(x, ScalarZero(g, x.DType())),
		x,
		MulScalar(x, alpha))
}

// Swish activation (or SiLU) returns `x * Sigmoid(x)`.
//
// The SiLU activation function was introduced in "Gaussian Error Linear Units
// (GELUs)" [Hendrycks et al. 2016](https://arxiv.org/abs/1606.08415) and
// "Sigmoid-Weighted Linear Units for Neural Network Function Approximation in
// Reinforcement Learning"
// [Elfwing et al. 2017](https://arxiv.org/abs/1702.03118) and was independently
// discovered (and called swish) in "Searching for Apply Functions"
// [Ramachandran et al. 2017](https://arxiv.org/abs/1710.05941)
//
// Here the beta parameter is fixed at 1.0.
func Swish(x *Node) *Node {
	return applyActivation(x, TypeSwish, func() *Node {
		return Mul(x, Sigmoid(x))
	})
}

// HardSigmoid activation function.
//
// It returns max(0, min(1, alpha*x + beta)) with default alpha=0.2, beta=0.5.
func HardSigmoid(x *Node) *Node {
	return applyActivation(x, TypeHardSigmoid, func() *Node {
		return hardSigmoidDecomposed(x, 0.2, 0.5)
	})
}

// HardSigmoidWith activation function with configurable alpha and beta.
//
// It returns max(0, min(1, alpha*x + beta)).
func HardSigmoidWith(x *Node, alpha, beta float64) *Node {
	if alpha == 0.2 && beta == 0.5 {
		return HardSigmoid(x)
	}
	return hardSigmoidDecomposed(x, alpha, beta)
}

func hardSigmoidDecomposed(x *Node, alpha, beta float64) *Node {
	g := x.Graph()
	result := AddScalar(MulScalar(x, alpha), beta)
	return Min(Max(result, ScalarZero(g, x.DType())), ScalarOne(g, x.DType()))
}

// HardSwish activation function.
//
// It returns x·ReLU6(x+3)/6.
//
// See [1] for details and analysis.
//
// [1]: "Evaluating Model Performance with Hard-Swish Activation Function Adjustments", https://arxiv.org/abs/2410.06879
func HardSwish(x *Node) *Node {
	return applyActivation(x, TypeHardSwish, func() *Node {
		g := x.Graph()
		scale := Scalar(g, x.DType(), 1.0/6.0)
		bias := Scalar(g, x.DType(), 0.5)
		return HardSwishWith(x, scale, bias)
	})
}

// HardSwishWith activation function, it allows more flexibility in setting the HardSwish bias
// and scale parameters.
//
// It returns x·Clip((x·scale+bias), 0, 1).
//
// - x: operand to be "activated"
// - scale: scale parameter, scalar.
// - bias: bias parameter, scalar.
//
// See HardSwish for the default parameters and [1] for details and analysis.
//
// [1]: "Evaluating Model Performance with Hard-Swish Activation Function Adjustments", https://arxiv.org/abs/2410.06879
func HardSwishWith(x, scale, bias *Node) *Node {
	return Mul(x,
		ClipScalar(Add(Mul(x, scale), bias), 0, 1)) // (x·scale+bias) cliped to [0, 1].
}

const (
	SeluAlpha = 1.67326324
	SeluScale = 1.05070098
)

// Selu stands for Scaled Exponential Linear Unit (SELU) activation function is defined as:
// . $SeluScale * x$ if $x > 0$
// . $SeluScale * SeluAlpha * (e^x - 1)$ if $x < 0$
//
// Ideally, it should be matched with a "LecunNormal initializer" and the dropout variant called "AlphaDropout"
// -- TODO, neither are implemented yet.
func Selu(x *Node) *Node {
	return applyActivation(x, TypeSelu, func() *Node {
		xWhere := Where(GreaterThan(x, ScalarZero(x.Graph(), x.DType())),
			x,
			MulScalar(MinusOne(Exp(x)), SeluAlpha),
		)
		return MulScalar(xWhere, SeluScale)
	})
}

// Gelu activation function, the original Gelu function.
//
// It is defined as Gelu(x) = x * 0.5 * (1 + Erf(x / √2)).
//
// The GELU activation function was introduced in "Gaussian Error Linear Units
// (GELUs)" [Hendrycks et al. 2016](https://arxiv.org/abs/1606.08415).
//
// The exact version is slower in TPUs due to the "Erf" function, but some argue it is more stable. See discussion in:
// https://github.com/jax-ml/jax/issues/4428
func Gelu(x *Node) *Node {
	return applyActivation(x, TypeGelu, func() *Node {
		// Φ(x) = 0.5 * (1 + Erf(x / √2))
		cdf := MulScalar(AddScalar(Erf(DivScalar(x, math.Sqrt2)), 1), 0.5)
		return Mul(x, cdf)
	})
}

// GeluApproximate is a close approximation to the original Gelu function.
//
// It is defined as Gelu(x) = x * 0.5 * (1 + Tanh(Sqrt(2/Pi) * (x+0.044715*x^3))).
//
// The GELU activation function was introduced in "Gaussian Error Linear Units
// (GELUs)" [Hendrycks et al. 2016](https://arxiv.org/abs/1606.08415).
//
// The exact version is slower in TPUs, some argue it is more stable. See discussion in:
// https://github.com/jax-ml/jax/issues/4428
func GeluApproximate(x *Node) *Node {
	return applyActivation(x, TypeGeluApprox, func() *Node {
		cdfApprox := Add(x, MulScalar(PowScalar(x, 3), 0.044715))
		sqrt2ByPi := math.Sqrt(2.0 / math.Pi)
		cdfApprox = Tanh(MulScalar(cdfApprox, sqrt2ByPi))
		cdfApprox = MulScalar(OnePlus(cdfApprox), 0.5)
		return Mul(x, cdfApprox)
	})
}

// SwiGLU activation takes a pre-projected tensor of size [..., 2 * hiddenDim] and
// applies the Swish-Gated Linear Unit activation.
//
// It uses half for the "gate" (x_gate), and the second for the "value" (x_value).
// The result is the product of the two:
//
// SwiGLU(x) = Swish(x_gate) * x_value
//
// Where Swish(x) = x * sigmoid(x).
func SwiGLU(x *Node) *Node {
	shape := x.Shape()
	lastDim := shape.Dim(-1)
	if lastDim%2 != 0 {
		Panicf("SwiGLU expects the last dimension to be divisible by 2, got shape %s", x.Shape())
	}
	return applyActivation(x, TypeSwiGLU, func() *Node {
		halfDim := lastDim / 2
		// Split into gate and value.
		gate := SliceAxis(x, -1, AxisRangeFromStart(halfDim))
		value := SliceAxis(x, -1, AxisRangeToEnd(halfDim))
		return Mul(Swish(gate), value)
	})
}
