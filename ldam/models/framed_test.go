package models

import (
	"fmt"
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// directConvCF is the k×k convolution with padding (k−1)/2 of x [C, B, H, W] by kernel
// [k, k, C, O], and the gradients of Σy² with respect to x and the kernel, by loops in float64.
func directConvCF(x, kernel []float32, C, B, H, W, k, O, stride int) (y, dx, dw []float64) {
	p := (k - 1) / 2
	Ho, Wo := (H+2*p-k)/stride+1, (W+2*p-k)/stride+1
	y = make([]float64, O*B*Ho*Wo)
	dx = make([]float64, len(x))
	dw = make([]float64, len(kernel))
	visit := func(fn func(yi, xi, wi int)) {
		for o := range O {
			for b := range B {
				for oy := range Ho {
					for ox := range Wo {
						yi := ((o*B+b)*Ho+oy)*Wo + ox
						for ky := range k {
							for kx := range k {
								iy, ix := oy*stride+ky-p, ox*stride+kx-p
								if iy < 0 || iy >= H || ix < 0 || ix >= W {
									continue
								}
								for c := range C {
									fn(yi, ((c*B+b)*H+iy)*W+ix, ((ky*k+kx)*C+c)*O+o)
								}
							}
						}
					}
				}
			}
		}
	}
	visit(func(yi, xi, wi int) { y[yi] += float64(x[xi]) * float64(kernel[wi]) })
	visit(func(yi, xi, wi int) {
		dx[xi] += 2 * y[yi] * float64(kernel[wi])
		dw[wi] += 2 * y[yi] * float64(x[xi])
	})
	return
}

func checkConvCF(t *testing.T) {
	backend := newBackend(t)
	for _, tc := range []struct{ C, B, H, W, k, O, stride int }{
		{3, 2, 5, 4, 3, 4, 1},
		{3, 2, 5, 4, 3, 4, 2},
		{2, 3, 6, 6, 3, 5, 2},
		{4, 2, 2, 2, 3, 3, 1}, // frames smaller than the margins: several extra frames
		{3, 2, 7, 5, 5, 2, 1},
		{2, 2, 9, 8, 7, 3, 2},
		{3, 2, 4, 5, 1, 4, 1},
		{3, 2, 4, 5, 1, 4, 2},
	} {
		t.Run(fmt.Sprintf("%+v", tc), func(t *testing.T) {
			x := normals(tc.C*tc.B*tc.H*tc.W, 3)
			store := model.NewStore()
			store.SetParam(model.ParamInitialSeed, int64(11))
			exec, err := model.NewExec(backend, store, func(scope *model.Scope, in *Node) (*Node, *Node, *Node) {
				cs := scope.In("c")
				y := ConvCF(cs, in, tc.O, tc.k, tc.stride)
				g := Gradient(ReduceAllSum(Square(y)), in, cs.GetVariable("weights").NodeValue(in.Graph()))
				return y, g[0], g[1]
			})
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Call(tensors.FromFlatDataAndDimensions(x, tc.C, tc.B, tc.H, tc.W))
			if err != nil {
				t.Fatal(err)
			}
			kernel := tensors.MustCopyFlatData[float32](store.GetVariable("/c/weights").MustValue())
			wantY, wantDx, wantDw := directConvCF(x, kernel, tc.C, tc.B, tc.H, tc.W, tc.k, tc.O, tc.stride)
			for i, want := range [][]float64{wantY, wantDx, wantDw} {
				got := tensors.MustCopyFlatData[float32](out[i])
				if len(got) != len(want) {
					t.Fatalf("output %d: %d values, want %d (shape %s)", i, len(got), len(want), out[i].Shape())
				}
				for j := range got {
					if math.Abs(float64(got[j])-want[j]) > 1e-3*(1+math.Abs(want[j])) {
						t.Fatalf("output %d (y, dx, dkernel) at %d: %g, direct loop %g", i, j, got[j], want[j])
					}
				}
			}
		})
	}
}

// TestConvCF checks the framed convolution's output and both gradients against direct loops
// for several kernel sizes, strides and frame geometries.
func TestConvCF(t *testing.T) { checkConvCF(t) }

// With GoMLX fusion off the alternate graph also gives the value.
func TestConvCFWithoutFusion(t *testing.T) {
	t.Setenv("GOMLX_FUSION", "0")
	checkConvCF(t)
}

// BenchmarkConvCF: the framed 3×3, 16→16 convolution on [16, 128, 32, 32] (compare with
// BenchmarkConv2D, the same convolution channels-last).
func BenchmarkConvCF(b *testing.B) {
	benchPieceShape(b, []int{16, 128, 32, 32}, func(scope *model.Scope, x *Node) *Node {
		return ConvCF(scope.In("conv"), x, 16, 3, 1)
	})
}

// TestBatchNormHandGradients checks the batch norms with hand-written gradients — channels-first
// (BatchNormCF, BatchNormReluCF) and NCHW (batchNormNCHW, ONNX Runtime's) — with and without
// the fused ReLU against the plain formulation differentiated by GoMLX: outputs, gradients with
// respect to x, γ and β, and running statistics, in training and evaluation, with fusion on
// and off.
func TestBatchNormHandGradients(t *testing.T) {
	for _, layout := range []string{"cf", "nchw"} {
		for _, fusion := range []string{"1", "0"} {
			for _, relu := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s,fusion=%s,relu=%v", layout, fusion, relu), func(t *testing.T) {
					t.Setenv("GOMLX_FUSION", fusion)
					checkBatchNorm(t, layout == "nchw", relu)
				})
			}
		}
	}
}

// checkBatchNorm compares a hand-differentiated batch norm with batchNormAxis: channels-first
// [C, B, H, W] (BatchNormCF) or, with nchw, [B, C, H, W] (batchNormNCHW).
func checkBatchNorm(t *testing.T, nchw, relu bool) {
	const C, B, H, W = 3, 4, 5, 2
	dims, axis := []int{C, B, H, W}, 0
	if nchw {
		dims, axis = []int{B, C, H, W}, 1
	}
	x := normals(C*B*H*W, 21)
	for i := range x {
		x[i] = x[i]*1.5 + float32(i/(H*W)%C) // channel-dependent offsets (NCHW; mixed for CF)
	}
	weights := normals(C*B*H*W, 22) // the loss is Σ y·weights: a generic output gradient
	backend := newBackend(t)
	store := model.NewStore()
	build := func(training bool) *model.Exec {
		exec, err := model.NewExec(backend, store, func(scope *model.Scope, in, w *Node) []*Node {
			g := in.Graph()
			scope.Store().SetTraining(g, training)
			fast := BatchNormCF
			ref := func(s *model.Scope, v *Node) *Node { return batchNormAxis(s, v, axis) }
			switch {
			case nchw:
				fast = func(s *model.Scope, v *Node) *Node { return batchNormNCHW(s, v, relu) }
				if relu {
					ref = func(s *model.Scope, v *Node) *Node { return Relu(batchNormAxis(s, v, axis)) }
				}
			case relu:
				fast = BatchNormReluCF
				ref = func(s *model.Scope, v *Node) *Node { return Relu(batchNormAxis(s, v, axis)) }
			}
			outs := []*Node{}
			for _, p := range []struct {
				name string
				fn   func(*model.Scope, *Node) *Node
			}{{"fast", fast}, {"ref", ref}} {
				s := scope.In("%s", p.name).In("bn")
				y := p.fn(s, in)
				outs = append(outs, y)
				if training {
					vars := []*Node{in, s.GetVariable("gamma").NodeValue(g), s.GetVariable("beta").NodeValue(g)}
					outs = append(outs, Gradient(ReduceAllSum(Mul(y, w)), vars...)...)
				}
			}
			return outs
		})
		if err != nil {
			t.Fatal(err)
		}
		return exec
	}
	in := tensors.FromFlatDataAndDimensions(x, dims...)
	w := tensors.FromFlatDataAndDimensions(weights, dims...)
	train := build(true)
	train.MustCall(in, w) // creates the variables
	gamma, beta := normals(C, 23), normals(C, 24)
	for _, name := range []string{"fast", "ref"} {
		store.GetVariable("/" + name + "/bn/gamma").MustSetValue(tensors.FromFlatDataAndDimensions(gamma, C))
		store.GetVariable("/" + name + "/bn/beta").MustSetValue(tensors.FromFlatDataAndDimensions(beta, C))
	}
	compare := func(what string, outs []*tensors.Tensor, n int) {
		for i := range n {
			a := tensors.MustCopyFlatData[float32](outs[i])
			b := tensors.MustCopyFlatData[float32](outs[n+i])
			for j := range a {
				if math.Abs(float64(a[j]-b[j])) > 2e-4*(1+math.Abs(float64(b[j]))) {
					t.Fatalf("%s: output %d (y, dx, dγ, dβ) differs at %d: %g, reference %g", what, i, j, a[j], b[j])
				}
			}
		}
	}
	compare("training", train.MustCall(in, w), 4)
	for _, v := range []string{"running_mean", "running_var"} {
		a := tensors.MustCopyFlatData[float32](store.GetVariable("/fast/bn/" + v).MustValue())
		b := tensors.MustCopyFlatData[float32](store.GetVariable("/ref/bn/" + v).MustValue())
		for j := range a {
			if math.Abs(float64(a[j]-b[j])) > 1e-4*(1+math.Abs(float64(b[j]))) {
				t.Fatalf("%s[%d] = %g, reference %g", v, j, a[j], b[j])
			}
		}
	}
	compare("evaluation", build(false).MustCall(in, w), 1)
}

// TestResNetLayoutsAgree checks that ResNet-32 computes the same features and gradients
// channels-first (ConvFramed: ConvCF, BatchNormCF, channel padding on axis 0) as channels-last
// (ConvSplitGradients, and GoMLX's own convolution), in training, from the same variables.
func TestResNetLayoutsAgree(t *testing.T) {
	defer func(f ConvFormula) { ConvForm = f }(ConvForm)
	const B, H, W = 4, 8, 8
	x := normals(B*H*W*3, 31)
	backend := newBackend(t)
	var ref [][]float32
	defer func() { forceNCHW = false }()
	for i, form := range []ConvFormula{ConvFramed, ConvSplitGradients, ConvNative, ConvNative} {
		ConvForm = form
		forceNCHW = i == 3 // the NCHW layout of ONNX Runtime
		store := model.NewStore()
		store.SetParam(model.ParamInitialSeed, int64(5))
		exec, err := model.NewExec(backend, store, func(scope *model.Scope, in *Node) []*Node {
			g := in.Graph()
			scope.Store().SetTraining(g, true)
			f := ResNetFeatures(scope.In("net"), CIFARResNet32(0.5), in)
			vars := []*Node{in}
			for _, v := range []string{"/net/stem/weights", "/net/stage1_block0/conv1/weights", "/net/stage2_block4/bn2/gamma"} {
				vars = append(vars, store.GetVariable(v).NodeValue(g))
			}
			return append([]*Node{f}, Gradient(ReduceAllSum(Square(f)), vars...)...)
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Call(tensors.FromFlatDataAndDimensions(x, B, H, W, 3))
		if err != nil {
			t.Fatal(err)
		}
		var got [][]float32
		for _, o := range out {
			got = append(got, tensors.MustCopyFlatData[float32](o))
		}
		if ref == nil {
			ref = got
			continue
		}
		for i := range got {
			for j := range got[i] {
				if math.Abs(float64(got[i][j]-ref[i][j])) > 2e-3*(1+math.Abs(float64(ref[i][j]))) {
					t.Fatalf("%s vs framed: output %d (features, then gradients) differs at %d: %g vs %g", form, i, j, got[i][j], ref[i][j])
				}
			}
		}
	}
}

// TestCustomGradientTwoPasses: two graph.Gradient calls on one graph each get their own
// output gradient (the custom gradients are computed per reverse pass, not cached across them).
func TestCustomGradientTwoPasses(t *testing.T) {
	const C, B, H, W, O = 2, 2, 4, 4, 3
	x := normals(C*B*H*W, 41)
	backend := newBackend(t)
	exec, err := model.NewExec(backend, model.NewStore(), func(scope *model.Scope, in *Node) []*Node {
		y := ConvCF(scope.In("c"), in, O, 3, 1)
		g1 := Gradient(ReduceAllSum(y), in)[0]
		g2 := Gradient(ReduceAllSum(MulScalar(y, 3)), in)[0]
		return []*Node{g1, g2}
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Call(tensors.FromFlatDataAndDimensions(x, C, B, H, W))
	if err != nil {
		t.Fatal(err)
	}
	g1, g2 := tensors.MustCopyFlatData[float32](out[0]), tensors.MustCopyFlatData[float32](out[1])
	nonzero := false
	for i := range g1 {
		if math.Abs(float64(g2[i]-3*g1[i])) > 1e-4*(1+math.Abs(float64(g2[i]))) {
			t.Fatalf("second gradient at %d = %g, want 3× the first (%g)", i, g2[i], g1[i])
		}
		nonzero = nonzero || g1[i] != 0
	}
	if !nonzero {
		t.Fatal("the first gradient is all zeros")
	}
}
