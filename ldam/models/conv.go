package models

import (
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Conv2D is a k×k convolution of an NHWC input with `channels` output channels, the given
// stride and PyTorch's padding (k−1)/2 on each side, no bias: GoMLX's own convolution op, which
// compute v0.1.35's pure-Go backend runs with AVX2/AVX-512 direct-convolution kernels (forward,
// input gradient and kernel gradient) and XLA with its own. The kernel is a variable "weights"
// of shape [k, k, inChannels, channels] initialized by the Store's default (He/Kaiming normal
// with fan-in k·k·inChannels, as the official code's kaiming_normal_).
func Conv2D(scope *model.Scope, x *Node, channels, k, stride int) *Node {
	kernel := scope.VariableWithShape("weights", shapes.Make(x.DType(), k, k, x.Shape().Dimensions[3], channels)).NodeValue(x.Graph())
	p := (k - 1) / 2
	return Convolve(x, kernel).Strides(stride).PaddingPerDim([][2]int{{p, p}, {p, p}}).Done()
}

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
