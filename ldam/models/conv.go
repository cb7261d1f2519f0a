package models

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Conv2D is a k×k convolution of an NHWC input with `channels` output channels, the given
// stride and PyTorch's padding (k−1)/2 on each side, no bias, computed by the formula ConvForm
// selects (ConvFormFor): on the pure-Go backend by default the channels-first framed
// convolution (ConvCF, with a transpose in and out), otherwise im2col + one matrix product, or
// GoMLX's own convolution op (the default on XLA). GoMLX's own convolution runs about 240×
// slower than PyTorch on the pure-Go backend. The kernel is a variable "weights" of shape
// [k, k, inChannels, channels] initialized by the Store's default (He/Kaiming normal with
// fan-in k·k·inChannels, as the official code's kaiming_normal_).
func Conv2D(scope *model.Scope, x *Node, channels, k, stride int) *Node {
	return conv2D(scope, x, channels, k, stride, false)
}

// Conv2DRecomputed is [Conv2D] that, in training, does not keep its im2col columns for the
// backward pass (k·k times the input: at batch 128 ResNet-32 would keep ~0.9 GB of them) but
// recomputes them from the input there, with GoMLX gradient checkpointing around the
// column construction. Results are bit-identical; on the pure-Go backend ResNet-32's peak
// memory falls from 2.4 to 1.5 GB at batch 128 with no measurable change in speed (the columns
// are rebuilt by the same slices that the backward pass would otherwise read from memory).
func Conv2DRecomputed(scope *model.Scope, x *Node, channels, k, stride int) *Node {
	return conv2D(scope, x, channels, k, stride, scope.IsTraining(x.Graph()))
}

func conv2D(scope *model.Scope, x *Node, channels, k, stride int, recompute bool) *Node {
	form := ConvFormFor(x.Graph().Backend())
	if form == ConvNative {
		kernel := scope.VariableWithShape("weights", shapes.Make(x.DType(), k, k, x.Shape().Dimensions[3], channels)).NodeValue(x.Graph())
		p := (k - 1) / 2
		return Convolve(x, kernel).Strides(stride).PaddingPerDim([][2]int{{p, p}, {p, p}}).Done()
	}
	if form == ConvFramed {
		// The framed convolution is channels-first; it rebuilds its columns itself.
		cf := convCF(scope, TransposeAllAxes(x, 3, 0, 1, 2), channels, k, stride, !recompute)
		return TransposeAllAxes(cf, 1, 2, 3, 0)
	}
	if recompute {
		// Everything from here to the product's output is rematerialized in the backward pass;
		// the output (StopCheckpoint below) is kept.
		x = x.Checkpoint()
	}
	dims := x.Shape().Dimensions
	B, H, W, C := dims[0], dims[1], dims[2], dims[3]
	p := (k - 1) / 2
	xp := PadZeros(PadZeros(x, 1, p, p), 2, p, p)
	Ho := (H+2*p-k)/stride + 1
	Wo := (W+2*p-k)/stride + 1
	N := B * Ho * Wo
	patches := make([]*Node, 0, k*k)
	for dy := range k {
		for dx := range k {
			patches = append(patches, window(xp, 1, dy, dx, Ho, Wo, stride))
		}
	}
	kernel := scope.VariableWithShape("weights", shapes.Make(x.DType(), k, k, C, channels)).NodeValue(x.Graph())
	cols := patches[0]
	if len(patches) > 1 {
		cols = Concatenate(patches, -1)
	}
	cols = Reshape(cols, N, k*k*C)
	w := Reshape(kernel, k*k*C, channels)
	var out *Node
	switch form {
	case ConvTransposed:
		// outᵀ[O, N] = wᵀ[O, K]·colsᵀ: both operands have the contracted axis last, the
		// layout the Go backend multiplies without copying; so does the weight gradient
		// (Σ_n doutᵀ[o,n]·cols[n,k]), which with out = cols·w transposes the large cols matrix
		// on every step.
		out = transposedProduct(cols, w)
	case ConvSplitGradients:
		out = splitGradientsProduct(cols, w)
	default:
		out = MatMul(cols, w)
	}
	if recompute {
		out = out.StopCheckpoint()
	}
	return Reshape(out, B, Ho, Wo, channels)
}

// splitGradientsProduct returns cols·w [N, O], computed as in ConvTransposed, with each gradient
// taken from its own formulation, chosen so that the Go backend multiplies without copying the
// large operands: the columns' gradient as dout·wᵀ (both operands with the contracted axis
// last; GoMLX's own gradient of the transposed product makes the backend transpose dout first)
// and the kernel's as (doutᵀ·cols)ᵀ. GoMLX builds the backward pass from the second formulation
// (graph.InternalFusedOpCaller's alternate gradient graph); of it, only the products that the
// gradients need are ever computed. Its value equals the first (the forW term; forCols −
// StopGradient(forCols) is zero), so it stays correct when GoMLX fusion is disabled
// ($GOMLX_FUSION=0), then at the cost of computing it.
func splitGradientsProduct(cols, w *Node) *Node {
	out, _ := InternalFusedOpCaller(
		func() *Node { return transposedProduct(cols, w) },
		func() *Node {
			forW := transposedProduct(StopGradient(cols), w)
			forCols := DotGeneral(cols, []int{1}, nil, StopGradient(w), []int{0}, nil)
			return Add(forW, Sub(forCols, StopGradient(forCols)))
		}, true)
	return out
}

// transposedProduct is cols·w [N, O] computed as (wᵀ·colsᵀ)ᵀ (see ConvTransposed).
func transposedProduct(cols, w *Node) *Node {
	return Transpose(DotGeneral(Transpose(w, 0, 1), []int{1}, nil, cols, []int{1}, nil), 0, 1)
}

// ConvFormula selects how [Conv2D] multiplies; they compute the same convolution.
type ConvFormula int

// The convolution formulas (see Conv2D and BenchmarkConvForms).
const (
	ConvTransposed     ConvFormula = iota // im2col, one transposed product
	ConvMatMul                            // im2col, cols·w
	ConvSplitGradients                    // im2col, transposed product, gradients with fewer transposes
	ConvFramed                            // channels-first frames, shifted rows, no transposes (ConvCF)
	ConvNative                            // GoMLX's convolution op (graph.Convolve)
	ConvAuto                              // ConvNative on every backend (default)
)

// ConvFormulas lists the formulas, the default first.
var ConvFormulas = []ConvFormula{ConvAuto, ConvFramed, ConvSplitGradients, ConvTransposed, ConvMatMul, ConvNative}

// ConvFormFor is the formula ConvForm selects on a backend: ConvForm itself, or for ConvAuto
// ConvNative, GoMLX's own convolution, everywhere: XLA compiles it to its own CPU and cuDNN
// kernels, and compute v0.1.35's pure-Go backend runs it with AVX2/AVX-512 direct-convolution
// kernels faster than any formulation of ours (README, Performance).
func ConvFormFor(backend compute.Backend) ConvFormula {
	if ConvForm != ConvAuto {
		return ConvForm
	}
	return ConvNative
}

// String is the formula's name in `ldam bench --conv_form`.
func (f ConvFormula) String() string {
	switch f {
	case ConvTransposed:
		return "transposed"
	case ConvMatMul:
		return "matmul"
	case ConvSplitGradients:
		return "split"
	case ConvFramed:
		return "framed"
	case ConvNative:
		return "native"
	case ConvAuto:
		return "auto"
	}
	return fmt.Sprintf("ConvFormula(%d)", int(f))
}

// ConvForm is the formula [Conv2D] and the ResNets use (see ConvFormFor); a variable so that
// benchmarks can compare them. With ConvFramed, Conv2D transposes its input to channels-first
// and back around [ConvCF], and [ResNetFeatures] runs channels-first throughout.
var ConvForm = ConvAuto

// PadZeros pads one axis with zeros before and after: on the pure-Go backend with Concatenate
// (graph.Pad had no gradient in GoMLX v0.28.2, and the formulations tuned for that backend
// were measured so), elsewhere with one Pad (ONNX Runtime: one pass instead of a Concat of
// broadcast zeros).
func PadZeros(x *Node, axis, before, after int) *Node {
	return padConst(x, axis, before, after, 0)
}

// padAxes pads each of the axes with before and after elements of value, as one Pad.
func padAxes(x *Node, value float64, before, after int, axes ...int) *Node {
	cfg := make([]compute.PadAxis, x.Rank()) // every axis: GoMLX's Pad gradient reads them all
	for _, a := range axes {
		cfg[a] = compute.PadAxis{Start: before, End: after}
	}
	return Pad(x, Scalar(x.Graph(), x.DType(), value), cfg...)
}

func padConst(x *Node, axis, before, after int, value float64) *Node {
	if before == 0 && after == 0 {
		return x
	}
	if b := x.Graph().Backend(); b != nil && b.String() != gobackend.BackendName {
		return padAxes(x, value, before, after, axis)
	}
	block := func(n int) *Node {
		dims := append([]int(nil), x.Shape().Dimensions...)
		dims[axis] = n
		return BroadcastToDims(Scalar(x.Graph(), x.DType(), value), dims...)
	}
	var parts []*Node
	if before > 0 {
		parts = append(parts, block(before))
	}
	parts = append(parts, x)
	if after > 0 {
		parts = append(parts, block(after))
	}
	return Concatenate(parts, axis)
}

// MaxPool2D is a k×k max pooling of an NHWC input with the given stride and padding (k−1)/2
// (−∞ padded), built from strided slices and Max because GoMLX's MaxPool has no gradient on the
// Go backend.
func MaxPool2D(x *Node, k, stride int) *Node { return maxPool2D(x, k, stride, 1) }

// maxPool2D is MaxPool2D over the axes h and h+1.
func maxPool2D(x *Node, k, stride, h int) *Node {
	dims := x.Shape().Dimensions
	H, W := dims[h], dims[h+1]
	p := (k - 1) / 2
	xp := padConst(padConst(x, h, p, p, -1e30), h+1, p, p, -1e30)
	Ho := (H+2*p-k)/stride + 1
	Wo := (W+2*p-k)/stride + 1
	var out *Node
	for dy := range k {
		for dx := range k {
			s := window(xp, h, dy, dx, Ho, Wo, stride)
			if out == nil {
				out = s
			} else {
				out = Max(out, s)
			}
		}
	}
	return out
}

// AvgPool2 is a non-overlapping 2×2 average pooling of an NHWC input with even H and W.
func AvgPool2(x *Node) *Node {
	d := x.Shape().Dimensions
	return ReduceMean(Reshape(x, d[0], d[1]/2, 2, d[2]/2, 2, d[3]), 2, 4)
}
