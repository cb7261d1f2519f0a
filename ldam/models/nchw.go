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

// forceNCHW makes ConvNative run NCHW on every backend (tests compare the layouts on one).
var forceNCHW bool

// nchwAxes is the convolution of NCHW activations with the Conv2D kernel variable
// [k, k, in, out], which stays as every formulation stores it (checkpoints move between
// backends).
var nchwAxes = compute.ConvolveAxesConfig{
	InputBatch: 0, InputChannels: 1, InputSpatial: []int{2, 3},
	KernelSpatial: []int{0, 1}, KernelInputChannels: 2, KernelOutputChannels: 3,
	OutputBatch: 0, OutputChannels: 1, OutputSpatial: []int{2, 3},
}

// convNCHW is Conv2D of NCHW activations [B, C, H, W]: a k×k convolution with the given stride
// and padding (k−1)/2, no bias. The gradient of a strided Convolve needs an input-dilated
// convolution, which ONNX's Conv cannot run; so a strided 1×1 convolution subsamples first
// (exact, and cheaper), and a strided k×k one is computed at stride 1 and subsampled
// (s² times the strided convolution's products, as its backward pass costs anyway; in
// ResNet-32 the two stride-2 convolutions then cost about 10 % more products in all). A
// space-to-depth formulation would need a 2×2 kernel, and GoMLX v0.28.8's gradient of an
// even-sized convolution with respect to its input is wrong (shifted by one pixel; see
// TestEvenKernelInputGradient).
func convNCHW(scope *model.Scope, x *Node, channels, k, stride int) *Node {
	C := x.Shape().Dimensions[1]
	kernel := scope.VariableWithShape("weights", shapes.Make(x.DType(), k, k, C, channels)).NodeValue(x.Graph())
	if k == 1 {
		return convNCHWStride1(Subsample(x, 2, stride), kernel)
	}
	return Subsample(convNCHWStride1(x, kernel), 2, stride)
}

// convNCHWStride1 is the stride-1 convolution of NCHW activations x [B, C, H, W] with the kernel
// [k, k, C, O] (k odd, padding (k−1)/2) by ONNX's Conv, with its gradients written by hand when
// nchwHandGradients (the default): the input's as a convolution of the output gradient with
// the flipped kernel (the one GoMLX derives too), the kernel's as one batched matrix product
// of the input's k·k shifted copies with the output gradient (kernelGradientNCHW). GoMLX
// derives the kernel's gradient as a convolution over the batch axis — to ONNX Runtime a
// convolution with 128 input channels and an H×W kernel, which it runs at a fraction of its
// usual speed: measured in one ResNet-32 training step, those convolutions took 2.0 s of the
// 2.9 s spent in convolutions.
func convNCHWStride1(x, kernel *Node) *Node {
	k := kernel.Shape().Dimensions[0]
	p := (k - 1) / 2
	conv := func(x, kernel *Node) *Node {
		return Convolve(x, kernel).AxesConfig(nchwAxes).PaddingPerDim([][2]int{{p, p}, {p, p}}).Done()
	}
	if !nchwHandGradients {
		return conv(x, kernel)
	}
	return customGradient([]*Node{x, kernel},
		func(in []*Node) *Node { return conv(in[0], in[1]) },
		func(dy *Node, in []*Node) []*Node {
			swapped := nchwAxes
			swapped.KernelInputChannels, swapped.KernelOutputChannels = 3, 2
			flipped := in[1]
			if k > 1 {
				flipped = Reverse(flipped, 0, 1)
			}
			dx := Convolve(dy, flipped).AxesConfig(swapped).PaddingPerDim([][2]int{{p, p}, {p, p}}).Done()
			return []*Node{dx, kernelGradientNCHW(in[0], dy, k)}
		})
}

// nchwHandGradients selects convNCHWStride1's hand-written gradients (tests compare both).
var nchwHandGradients = true

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
	xp := PadZeros(PadZeros(xc, 2, p, p), 3, p, p)
	windows := make([]*Node, 0, k*k)
	for i := range k {
		for j := range k {
			windows = append(windows, Slice(xp, AxisRange(), AxisRange(), AxisRange(i, i+H), AxisRange(j, j+W)))
		}
	}
	if b := x.Graph().Backend(); b != nil && b.String() == gobackend.BackendName {
		// The pure-Go backend (tests of this layout only) deadlocks when independent products
		// start together (README, pitfall): one product of the concatenated windows.
		g := DotGeneral(Reshape(Concatenate(windows, 0), k*k*C, B*H*W), []int{1}, nil, dyC, []int{1}, nil)
		return Reshape(g, k, k, C, O)
	}
	for t, w := range windows {
		windows[t] = product(w)
	}
	return Reshape(Stack(windows, 0), k, k, C, O)
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
		ranges := make([]SliceAxisSpec, x.Rank())
		for i := range ranges {
			ranges[i] = AxisRange()
		}
		ranges[h], ranges[h+1] = AxisRange().Stride(s), AxisRange().Stride(s)
		return Slice(x, ranges...)
	}
	return Subsample(x, h, s)
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

// dilate inserts s−1 zeros between consecutive elements of the axes h and h+1 (n elements
// become (n−1)·s+1), as an interior padding would, with Stack and Reshape.
func dilate(v *Node, h, s int) *Node {
	if s == 1 {
		return v
	}
	for axis := h; axis <= h+1; axis++ {
		dims := v.Shape().Dimensions
		n := dims[axis]
		parts := []*Node{v}
		for range s - 1 {
			parts = append(parts, ZerosLike(v))
		}
		grown := append([]int(nil), dims...)
		grown[axis] = n * s
		v = Reshape(Stack(parts, axis+1), grown...)
		ranges := make([]SliceAxisSpec, v.Rank())
		for i := range ranges {
			ranges[i] = AxisRange()
		}
		ranges[axis] = AxisRange(0, (n-1)*s+1)
		v = Slice(v, ranges...)
	}
	return v
}
