package models

import (
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// The batch-first, channels-first (NCHW) formulation, for ONNX Runtime: its Conv is NCHW, so
// channels-last activations would be transposed around every convolution and its gradients.

// isONNX reports whether the backend is GoMLX's ONNX Runtime backend (compute-onnx, a cgo
// package this one does not import).
func isONNX(backend compute.Backend) bool {
	return backend != nil && strings.HasPrefix(backend.Name(), "onnx")
}

// nchwAxes is the convolution of NCHW activations with the Conv2D kernel variable
// [k, k, in, out], which stays as every formulation stores it (checkpoints move between
// backends).
var nchwAxes = compute.ConvolveAxesConfig{
	InputBatch: 0, InputChannels: 1, InputSpatial: []int{2, 3},
	KernelSpatial: []int{0, 1}, KernelInputChannels: 2, KernelOutputChannels: 3,
	OutputBatch: 0, OutputChannels: 1, OutputSpatial: []int{2, 3},
}

// convNCHW is Conv2D of NCHW activations [B, C, H, W]: a k×k convolution with the given stride
// and padding (k−1)/2, no bias. GoMLX's gradient of a strided Convolve needs an input-dilated
// convolution, which ONNX's Conv cannot run; so a strided 1×1 convolution subsamples first
// (subsampleNCHW: exact, and cheaper), and a strided k×k one (convNCHWStrided) runs ONNX's
// strided Conv forward with the gradient of the stride-1 convolution subsampled: its output
// gradient spread back to every s-th position, then convNCHWStride1's hand gradients (the
// backward pass costs s² times the strided products, as it does anyway). A space-to-depth
// formulation would need a 2×2 kernel, and GoMLX v0.28.8's gradient of an even-sized
// convolution with respect to its input is wrong (shifted by one pixel; see
// TestEvenKernelInputGradient).
func convNCHW(scope *model.Scope, x *Node, channels, k, stride int) *Node {
	C := x.Shape().Dimensions[1]
	kernel := scope.VariableWithShape("weights", shapes.Make(x.DType(), k, k, C, channels)).NodeValue(x.Graph())
	switch {
	case stride == 1:
		return convNCHWStride1(x, kernel)
	case k == 1:
		return convNCHWStride1(subsampleNCHW(x, stride), kernel)
	}
	return convNCHWStrided(x, kernel, stride)
}

// convNCHWConfig is ONNX's Conv of NCHW x with the kernel [k, k, C, O] at the given stride,
// padding (k−1)/2.
func convNCHWConfig(x, kernel *Node, stride int) *Node {
	p := (kernel.Shape().Dimensions[0] - 1) / 2
	return Convolve(x, kernel).AxesConfig(nchwAxes).StridePerAxis(stride, stride).PaddingPerDim([][2]int{{p, p}, {p, p}}).Done()
}

// convNCHWStride1 is the stride-1 convolution of NCHW activations x [B, C, H, W] with the kernel
// [k, k, C, O] (k odd, padding (k−1)/2) by ONNX's Conv, with its gradients written by hand
// (stride1Gradients).
func convNCHWStride1(x, kernel *Node) *Node {
	return customGradient([]*Node{x, kernel},
		func(in []*Node) *Node { return convNCHWConfig(in[0], in[1], 1) },
		func(dy *Node, in []*Node) []*Node {
			dx, dk := stride1Gradients(dy, in[0], in[1])
			return []*Node{dx, dk}
		})
}

// convNCHWStrided is x[:, :, ::s, ::s] of the stride-1 convolution (as convNCHW's strided
// k×k convolutions), computed by ONNX's strided Conv; its gradients are those of the stride-1
// convolution for the output gradient spread back to every s-th position.
func convNCHWStrided(x, kernel *Node, s int) *Node {
	d := x.Shape().Dimensions
	H, W := d[2], d[3]
	return customGradient([]*Node{x, kernel},
		func(in []*Node) *Node { return convNCHWConfig(in[0], in[1], s) },
		func(dy *Node, in []*Node) []*Node {
			dx, dk := stride1Gradients(spread(dy, 2, s, H, W), in[0], in[1])
			return []*Node{dx, dk}
		})
}

// stride1Gradients are the gradients of the stride-1 convolution of x [B, C, H, W] with the
// kernel [k, k, C, O] (padding (k−1)/2) for its output gradient dy [B, O, H, W]: the input's as
// a convolution of dy with the flipped kernel (the one GoMLX derives too), the kernel's as
// batched matrix products of the input's k·k shifted copies with dy (kernelGradientNCHW).
// GoMLX derives the kernel's gradient as a convolution over the batch axis — to ONNX Runtime
// a convolution with 128 input channels and an H×W kernel, which it runs at a fraction of its
// usual speed: measured in one ResNet-32 training step, those convolutions took 2.0 s of the
// 2.9 s spent in convolutions.
func stride1Gradients(dy, x, kernel *Node) (dx, dk *Node) {
	k := kernel.Shape().Dimensions[0]
	p := (k - 1) / 2
	swapped := nchwAxes
	swapped.KernelInputChannels, swapped.KernelOutputChannels = 3, 2
	flipped := kernel
	if k > 1 {
		flipped = Reverse(flipped, 0, 1)
	}
	dx = Convolve(dy, flipped).AxesConfig(swapped).PaddingPerDim([][2]int{{p, p}, {p, p}}).Done()
	return dx, kernelGradientNCHW(x, dy, k)
}

// subsampleNCHW is x[:, :, ::s, ::s] of NCHW x as one strided Slice, with its gradient (the
// output gradient spread back to every s-th position) in operations ONNX runs: GoMLX's own
// is an interior padding, which ONNX's Pad cannot.
func subsampleNCHW(x *Node, s int) *Node {
	if s == 1 {
		return x
	}
	d := x.Shape().Dimensions
	H, W := d[2], d[3]
	return customGradient([]*Node{x},
		func(in []*Node) *Node { return stridedSlice(in[0], 2, s) },
		func(dy *Node, _ []*Node) []*Node { return []*Node{spread(dy, 2, s, H, W)} })
}

// reluNCHW is max(x, 0) with PyTorch's gradient dy·[x > 0], in the passes ONNX Runtime runs
// fastest: Greater, Cast and Mul. GoMLX derives Max's gradient through NonNegativeIndicator,
// two Signs, an Add and a Sub, and ONNX Runtime's Sign is not vectorized (1.8 ms against 0.3 ms
// for Greater on [128, 16, 32, 32]); it also passes the gradient where x = 0 exactly, PyTorch
// does not. Used after the residual additions; the ReLUs after batch norms are batchNorm's.
func reluNCHW(x *Node) *Node {
	return customGradient([]*Node{x},
		func(in []*Node) *Node { return MaxScalar(in[0], 0) },
		func(dy *Node, in []*Node) []*Node {
			z := in[0]
			return []*Node{Mul(dy, ConvertDType(GreaterThan(z, ScalarZero(z.Graph(), z.DType())), z.DType()))}
		})
}

// kernelGradientNCHW is the gradient of a stride-1 k×k convolution (padding (k−1)/2) with respect
// to its kernel [k, k, C, O]: Σ_{b,h,w} xp[b, c, h+i, w+j]·dy[b, o, h, w], for x [B, C, H, W] and
// the output gradient dy [B, O, H, W]. For each tap (i, j), one matrix product of the shifted
// window of the zero-padded input, channel-major [C, B·H·W] (x moved to [C, B, H, W], which
// moves whole images), with the output gradient [O, B·H·W], contracted over the positions: the
// layout ONNX Runtime multiplies without copying (MatMul with a transposed right operand, which
// its optimizer fuses). Measured on ResNet-32's gradient graph in ONNX Runtime's profiler
// (scripts/ort-profile.js): compute-onnx writes batched products as Einsum, which with its
// transposes took 3 times the product itself; one product of the nine windows concatenated
// spent 11 % of the step in the concatenation; per tap is 8 % faster than that and holds one
// window at a time.
func kernelGradientNCHW(x, dy *Node, k int) *Node {
	d := x.Shape().Dimensions
	B, C, H, W := d[0], d[1], d[2], d[3]
	O := dy.Shape().Dimensions[1]
	p := (k - 1) / 2
	xc := TransposeAllAxes(x, 1, 0, 2, 3) // [C, B, H, W]
	dyC := Reshape(TransposeAllAxes(dy, 1, 0, 2, 3), O, B*H*W)
	product := func(cols *Node) *Node { // [C, B·H·W]·dyCᵀ
		return DotGeneral(Reshape(cols, C, B*H*W), []int{1}, nil, dyC, []int{1}, nil)
	}
	if k == 1 {
		return Reshape(product(xc), 1, 1, C, O)
	}
	xp := padSpatialZeros(xc, 2, p)
	windows := make([]*Node, 0, k*k)
	for i := range k {
		for j := range k {
			windows = append(windows, Slice(xp, AxisRange(), AxisRange(), AxisRange(i, i+H), AxisRange(j, j+W)))
		}
	}
	for t, w := range windows {
		windows[t] = product(w)
	}
	return Reshape(Stack(windows, 0), k, k, C, O)
}

// padSpatialZeros pads the axes h and h+1 with p zeros on each side: one Pad (ONNX Runtime:
// one pass; PadZeros on each axis took two), PadZeros on the pure-Go backend.
func padSpatialZeros(x *Node, h, p int) *Node {
	if b := x.Graph().Backend(); b == nil || b.String() == gobackend.BackendName {
		return PadZeros(PadZeros(x, h, p, p), h+1, p, p)
	}
	return padAxes(x, 0, p, p, h, h+1)
}

// Subsample returns x[…, ::s, ::s, …] over the axes h and h+1 (s ≥ 1), by reshaping each axis
// into blocks of s and keeping the first of every block, with zero padding when the size is not
// a multiple of s. Its gradient is a plain (not interior) padding, which every backend runs;
// GoMLX's strided Slice has an interior-padded gradient that ONNX's Pad cannot.
func Subsample(x *Node, h, s int) *Node {
	if s == 1 {
		return x
	}
	for axis := h; axis <= h+1; axis++ {
		n := x.Shape().Dimensions[axis]
		if r := n % s; r != 0 {
			x = PadZeros(x, axis, 0, s-r)
		}
		dims := x.Shape().Dimensions
		blocked := append(append(append([]int(nil), dims[:axis]...), dims[axis]/s, s), dims[axis+1:]...)
		x = Reshape(x, blocked...)
		ranges := make([]SliceAxisSpec, x.Rank())
		for i := range ranges {
			ranges[i] = AxisRange()
		}
		ranges[axis+1] = AxisRange(0, 1)
		x = Reshape(Slice(x, ranges...), append(append(append([]int(nil), dims[:axis]...), (n+s-1)/s), dims[axis+1:]...)...)
	}
	return x
}

// subsampleFor is x[…, ::s, ::s, …] over the axes h and h+1 as the backend runs it best: a
// strided Slice on the pure-Go backend (as before), Subsample on the others.
func subsampleFor(x *Node, h, s int) *Node {
	if s == 1 {
		return x
	}
	if b := x.Graph().Backend(); b != nil && b.String() == gobackend.BackendName {
		return stridedSlice(x, h, s)
	}
	return Subsample(x, h, s)
}

// stridedSlice is x[…, ::s, ::s, …] over the axes h and h+1 as one strided Slice: what every
// backend runs forward, but whose gradient ONNX cannot (see Subsample).
func stridedSlice(x *Node, h, s int) *Node {
	ranges := make([]SliceAxisSpec, x.Rank())
	for i := range ranges {
		ranges[i] = AxisRange()
	}
	ranges[h], ranges[h+1] = AxisRange().Stride(s), AxisRange().Stride(s)
	return Slice(x, ranges...)
}

// window is xp[…, dy::s, dx::s, …][:n, :m] over the axes h and h+1 (n, m outputs).
func window(xp *Node, h, dy, dx, n, m, s int) *Node {
	dims := xp.Shape().Dimensions
	ranges := make([]SliceAxisSpec, xp.Rank())
	for i := range ranges {
		ranges[i] = AxisRange()
	}
	ranges[h] = AxisRange(dy, min(dims[h], dy+n*s))
	ranges[h+1] = AxisRange(dx, min(dims[h+1], dx+m*s))
	return subsampleFor(Slice(xp, ranges...), h, s)
}

// spread places v's elements of the axes h and h+1 at every s-th position (0, s, 2s, …) of a
// zero tensor with n and m elements on those axes (for v's d elements on an axis,
// (d−1)·s < n ≤ d·s): the gradient of a subsampling x[…, ::s, ::s, …], with Stack and Reshape.
func spread(v *Node, h, s, n, m int) *Node {
	if s == 1 {
		return v
	}
	for i, size := range []int{n, m} {
		axis := h + i
		dims := v.Shape().Dimensions
		parts := []*Node{v}
		for range s - 1 {
			parts = append(parts, ZerosLike(v))
		}
		grown := append([]int(nil), dims...)
		grown[axis] = dims[axis] * s
		v = Reshape(Stack(parts, axis+1), grown...)
		ranges := make([]SliceAxisSpec, v.Rank())
		for i := range ranges {
			ranges[i] = AxisRange()
		}
		ranges[axis] = AxisRange(0, size)
		v = Slice(v, ranges...)
	}
	return v
}
