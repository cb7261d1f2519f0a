package models

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// ConvCF is the k×k convolution of a channels-first input x [C, B, H, W] with `channels` output
// channels, the given stride and PyTorch's padding (k−1)/2, no bias: the output is
// [channels, B, Ho, Wo]. Its kernel variable "weights" [k, k, C, channels] is the one of
// [Conv2D], so checkpoints are interchangeable.
//
// It is written for the pure-Go backend, whose element-wise Slice and Transpose dominated the
// im2col convolution: every image is laid out in a zero-bordered "frame" and all frames of
// the batch are one flat row per channel, so that each tap of the kernel is the same row
// shifted by a constant. The k·k shifted copies (the columns, [C·k·k, N]) are then built from
// block copies only — one Concatenate of whole rows and a Reshape (frame.shifted) — and every matrix
// product is in a layout the backend multiplies without transposing:
//
//	out[O, N]  = W[O, C·k·k] · cols[C·k·k, N]           (forward)
//	dW[O, C·k·k] = dout[O, N] · cols[C·k·k, N]ᵀ          (kernel gradient, cols rebuilt from x)
//	dx[C, N]   = Wflip[C, O·k·k] · doutCols[O·k·k, N]   (input gradient: a convolution of the
//	                                                       output gradient with the flipped kernel)
//
// The gradients are given to GoMLX through graph.InternalFusedOpCaller's alternate graph
// (see customGradient). A stride s > 1 is computed at stride 1 and subsampled by the final
// crop. The frames cost (H+p)(W+p)/(HW) more products than the valid output (p = (k−1)/2):
// 1.06× at 32×32, 1.27× at 8×8.
func ConvCF(scope *model.Scope, x *Node, channels, k, stride int) *Node {
	return convCF(scope, x, channels, k, stride, false)
}

// convCF is ConvCF; keepColumns keeps the forward pass's columns for the kernel gradient
// instead of rebuilding them in the backward pass (k·k times the input more memory).
func convCF(scope *model.Scope, x *Node, channels, k, stride int, keepColumns bool) *Node {
	C := x.Shape().Dimensions[0]
	kernel := scope.VariableWithShape("weights", shapes.Make(x.DType(), k, k, C, channels)).NodeValue(x.Graph())
	return convCFWithKernel(x, kernel, stride, keepColumns)
}

// ConvCFWithKernel is [ConvCF] with a given kernel [k, k, C, O].
func ConvCFWithKernel(x, kernel *Node, stride int) *Node {
	return convCFWithKernel(x, kernel, stride, false)
}

func convCFWithKernel(x, kernel *Node, stride int, keepColumns bool) *Node {
	if x.Rank() != 4 || kernel.Rank() != 4 || kernel.Shape().Dimensions[2] != x.Shape().Dimensions[0] ||
		kernel.Shape().Dimensions[0] != kernel.Shape().Dimensions[1] || kernel.Shape().Dimensions[0]%2 != 1 {
		panic(fmt.Sprintf("models: ConvCF takes x [C, B, H, W] and an odd square kernel [k, k, C, O], got %s and %s",
			x.Shape(), kernel.Shape()))
	}
	f := newFrame(x.Shape().Dimensions, kernel.Shape().Dimensions[0])
	var kept *Node // the forward's columns, when keepColumns
	forward := func(in []*Node) *Node {
		cols := f.columns(in[0])
		if keepColumns && kept == nil {
			kept = cols
		}
		return f.crop(framedProduct(kernelMatrix(in[1]), cols), stride)
	}
	return customGradient([]*Node{x, kernel}, forward, func(dy *Node, in []*Node) []*Node {
		x, kernel := in[0], in[1]
		// Input gradient: the output gradient convolved with the flipped kernel.
		dx := f.crop(framedProduct(flippedKernelMatrix(kernel), f.shifted(f.flat(dy, stride, true))), 1)
		// Kernel gradient: dout[O, N] · cols[C·k·k, N]ᵀ.
		dyRows, cols := f.flat(dy, stride, false), kept
		if cols == nil {
			// Scheduled after the output gradient exists: built in the forward pass, the
			// columns would be kept until here.
			cols = f.columns(SchedulingBarrier(x, dyRows))
		}
		dw := DotGeneral(dyRows, []int{1}, nil, cols, []int{1}, nil) // [O, C·k·k]
		d := kernel.Shape().Dimensions
		return []*Node{dx, TransposeAllAxes(Reshape(dw, d[3], d[2], d[0], d[1]), 2, 3, 1, 0)}
	})
}

// frame is the flat layout of ConvCF: each image [H, W] is placed at rows and columns p.. of
// an [Hf, Wf] = [H+p, W+p] frame whose first p rows and columns are zero (they are also the
// bottom and right borders of the previous image and row), the B frames are followed by
// `extra` zero frames, and a row of a channel is these frames flattened, with `margin` zeros
// in front so that every tap's shift is non-negative.
type frame struct {
	B, H, W, k, p int
	Hf, Wf, F     int // frame size and F = Hf·Wf
	extra         int // zero frames after the batch
	margin        int // zeros in front of the first frame: p·Wf + p
	N             int // positions of the output grid: (B+extra)·F
}

func newFrame(dims []int, k int) frame {
	f := frame{B: dims[1], H: dims[2], W: dims[3], k: k, p: (k - 1) / 2}
	f.Hf, f.Wf = f.H+f.p, f.W+f.p
	f.F = f.Hf * f.Wf
	f.margin = f.p*f.Wf + f.p
	// The tail after the batch's frames must hold the largest shift past the last valid
	// output (margin zeros).
	f.extra = 1
	for f.tail() < f.margin {
		f.extra++
	}
	f.N = (f.B + f.extra) * f.F
	return f
}

// tail is the number of zeros after the batch's frames in a flat row.
func (f frame) tail() int {
	return f.rowLength() - f.margin - f.B*f.F
}

// rowLength is the length N0 of a flat row (margin, frames, tail) for which the k·k shifted
// copies have exactly (B+extra)·F positions (see shifted).
func (f frame) rowLength() int {
	return (f.B+f.extra)*f.F - f.maxStep()
}

// maxStep is the largest difference between the shifts of consecutive taps in the order
// (ky, kx): 1 within a kernel row, Wf − k + 1 to the next row (0 for a 1×1 kernel).
func (f frame) maxStep() int {
	if f.k == 1 {
		return 0
	}
	return max(1, f.Wf-f.k+1)
}

// flat lays out v [C, B, Ho, Wo] (output-grid values with the given stride: zeros are
// interleaved between them) as [C, N0] rows: margin, frames, tail.
func (f frame) flat(v *Node, stride int, margin bool) *Node {
	dims := v.Shape().Dimensions
	var framed *Node
	if stride == 1 {
		// Concatenate copies whole image rows; the backend's Pad copies element by element
		// when the last axis is padded.
		framed = PadZeros(PadZeros(v, 3, f.p, 0), 2, f.p, 0)
	} else if b := v.Graph().Backend(); b == nil || b.String() != gobackend.BackendName {
		// ONNX's Pad has no interior padding: interleave the zeros with Stack instead.
		span := func(n int) int { return (n-1)*stride + 1 }
		d := dilate(v, 2, stride)
		framed = PadZeros(PadZeros(d, 2, f.p, f.Hf-f.p-span(dims[2])), 3, f.p, f.Wf-f.p-span(dims[3]))
	} else {
		span := func(n int) int { return (n-1)*stride + 1 }
		framed = Pad(v, ScalarZero(v.Graph(), v.DType()),
			compute.PadAxis{},
			compute.PadAxis{},
			compute.PadAxis{Start: f.p, End: f.Hf - f.p - span(dims[2]), Interior: stride - 1},
			compute.PadAxis{Start: f.p, End: f.Wf - f.p - span(dims[3]), Interior: stride - 1})
	}
	row := Reshape(framed, dims[0], f.B*f.F)
	if !margin {
		return PadZeros(row, 1, 0, f.N-f.B*f.F)
	}
	return PadZeros(row, 1, f.margin, f.tail())
}

// columns returns the shifted copies of x [C, B, H, W]: [C·k·k, N] with rows ordered (c, ky, kx).
func (f frame) columns(x *Node) *Node {
	return f.shifted(f.flat(x, 1, true))
}

// shifted returns, for rows r [M, N0], the k·k shifted copies [M·k·k, N]: copy (ky, kx) of
// row m is r[m, q + ky·Wf + kx] at position q (for q + ky·Wf + kx < N0; past that it holds
// zeros or other values of the row, which only reach outputs that crop drops). It is one
// Concatenate of whole rows — copy t of each row placed at t·N − s_t, zeros between — reshaped
// to [M·k·k, N], so that copy t starts s_t elements into the row: block copies only.
func (f frame) shifted(rows *Node) *Node {
	M, n0 := rows.Shape().Dimensions[0], rows.Shape().Dimensions[1]
	if f.k == 1 {
		return rows
	}
	var shifts []int
	for ky := range f.k {
		for kx := range f.k {
			shifts = append(shifts, ky*f.Wf+kx)
		}
	}
	zeros := func(n int) *Node { return Zeros(rows.Graph(), shapes.Make(rows.DType(), M, n)) }
	var parts []*Node
	for t, s := range shifts {
		parts = append(parts, rows)
		gap := f.N - n0 + s // zeros up to the next copy's start, (t+1)·N − s_{t+1}
		if t+1 < len(shifts) {
			gap -= shifts[t+1]
		}
		if gap > 0 {
			parts = append(parts, zeros(gap))
		}
	}
	return Reshape(Concatenate(parts, 1), M*len(shifts), f.N)
}

// crop takes the valid outputs (with the stride) out of the grid values g [O, N].
func (f frame) crop(g *Node, stride int) *Node {
	O := g.Shape().Dimensions[0]
	g = Reshape(g, O, f.B+f.extra, f.Hf, f.Wf)
	return subsampleFor(Slice(g, AxisRange(), AxisRange(0, f.B), AxisRange(f.p, f.p+f.H), AxisRange(f.p, f.p+f.W)), 2, stride)
}

// kernelMatrix is the kernel [k, k, C, O] as [O, C·k·k] with columns ordered (c, ky, kx).
func kernelMatrix(kernel *Node) *Node {
	d := kernel.Shape().Dimensions
	return Reshape(TransposeAllAxes(kernel, 3, 2, 0, 1), d[3], d[2]*d[0]*d[1])
}

// flippedKernelMatrix is the kernel rotated by 180° as [C, O·k·k] with columns ordered
// (o, ky, kx): the kernel of the input gradient's convolution.
func flippedKernelMatrix(kernel *Node) *Node {
	d := kernel.Shape().Dimensions
	return Reshape(TransposeAllAxes(Reverse(kernel, 0, 1), 2, 3, 0, 1), d[2], d[3]*d[0]*d[1])
}

// framedProduct is w[O, K] · cols[K, N].
func framedProduct(w, cols *Node) *Node {
	return DotGeneral(w, []int{1}, nil, cols, []int{0}, nil)
}
