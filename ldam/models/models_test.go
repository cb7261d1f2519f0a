package models

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// newBackend is the pure-Go backend with its sequential executor: the NCHW layout's backward
// pass (tested here on this backend only) starts independent products together, which
// deadlocks the parallel executor (README, pitfall; one models run hung for 10 minutes).
func newBackend(t testing.TB) compute.Backend {
	t.Helper()
	b, err := gobackend.New("ops_sequential")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func trainableParams(store *model.Store) int {
	n := 0
	for v := range store.IterVariables() {
		if v.Trainable {
			n += v.Shape().Size()
		}
	}
	return n
}

// buildOnce runs the network once on a zero batch so that its variables exist.
func buildOnce(t *testing.T, cfg Config, dims ...int) *model.Store {
	t.Helper()
	net, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	exec, err := model.NewExec(newBackend(t), store, func(scope *model.Scope, x *Node) *Node {
		logits, _ := net(scope, []*Node{x})
		return logits
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Call(tensors.FromShape(shapesFloat32(dims...)))
	if err != nil {
		t.Fatal(err)
	}
	if got := out[0].Shape().Dimensions; got[0] != dims[0] || got[1] != cfg.Classes {
		t.Fatalf("logits shape %v, want [%d %d]", got, dims[0], cfg.Classes)
	}
	return store
}

func TestResNet32ParameterCount(t *testing.T) {
	// PyTorch's resnet32 (models/resnet_cifar.py) with nn.Linear(64, 10): 464,154 parameters;
	// with NormedLinear(64, 10) (no bias): 464,144.
	cases := []struct {
		cosine bool
		want   int
	}{{false, 464154}, {true, 464144}}
	for _, tc := range cases {
		store := buildOnce(t, Config{Arch: ResNet32, Classes: 10, Cosine: tc.cosine}, 2, 32, 32, 3)
		if got := trainableParams(store); got != tc.want {
			t.Errorf("ResNet-32 (cosine=%v) has %d trainable parameters, PyTorch has %d", tc.cosine, got, tc.want)
		}
	}
}

func TestBatchNormMatchesHandComputation(t *testing.T) {
	const B, C = 4, 3
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]float32, B*C)
	for i := range x {
		x[i] = float32(rng.NormFloat64()*2 + 1)
	}
	store := model.NewStore()
	backend := newBackend(t)
	train, err := model.NewExec(backend, store, func(scope *model.Scope, in *Node) *Node {
		scope.Store().SetTraining(in.Graph(), true)
		return BatchNorm(scope.In("bn"), in)
	})
	if err != nil {
		t.Fatal(err)
	}
	out := tensors.MustCopyFlatData[float32](train.MustCall(tensors.FromFlatDataAndDimensions(x, B, C))[0])
	for c := range C {
		mean, v := 0.0, 0.0
		for b := range B {
			mean += float64(x[b*C+c])
		}
		mean /= B
		for b := range B {
			d := float64(x[b*C+c]) - mean
			v += d * d
		}
		biased := v / B
		for b := range B {
			want := (float64(x[b*C+c]) - mean) / math.Sqrt(biased+1e-5)
			if math.Abs(float64(out[b*C+c])-want) > 1e-5 {
				t.Errorf("train y[%d,%d] = %g, want %g", b, c, out[b*C+c], want)
			}
		}
		rm := tensors.MustCopyFlatData[float32](store.GetVariable("/bn/running_mean").MustValue())
		rv := tensors.MustCopyFlatData[float32](store.GetVariable("/bn/running_var").MustValue())
		if math.Abs(float64(rm[c])-0.1*mean) > 1e-5 || math.Abs(float64(rv[c])-(0.9+0.1*v/(B-1))) > 1e-5 {
			t.Errorf("channel %d running stats (%g, %g), want (%g, %g)", c, rm[c], rv[c], 0.1*mean, 0.9+0.1*v/(B-1))
		}
	}
	// Gradient flows through the batch statistics: for y = BN(x) (γ=1, β=0), Σ_b ∂(Σ y)/∂x_b = 0
	// and ∂(Σ y²)/∂x = 0 exactly (both are constants in x); without that gradient they are not.
	grad, err := model.NewExec(backend, model.NewStore(), func(scope *model.Scope, in *Node) *Node {
		scope.Store().SetTraining(in.Graph(), true)
		y := BatchNorm(scope.In("bn"), in)
		return Gradient(ReduceAllSum(Square(y)), in)[0]
	})
	if err != nil {
		t.Fatal(err)
	}
	g := tensors.MustCopyFlatData[float32](grad.MustCall(tensors.FromFlatDataAndDimensions(x, B, C))[0])
	for i, v := range g {
		if math.Abs(float64(v)) > 1e-3 {
			t.Errorf("∂Σy²/∂x[%d] = %g, want 0 (gradient through the batch statistics)", i, v)
		}
	}
}

func TestNetworksBuild(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		dims []int
	}{
		{"resnet18 64×64", Config{Arch: ResNet18, Classes: 200}, []int{1, 64, 64, 3}},
		{"sphere cnn", Config{Arch: Sphere, Classes: 10, Cosine: true, FeatureDim: 3}, []int{2, 28, 28, 1}},
		{"mlp", Config{Arch: MLPArch, Classes: 3, Hidden: []int{8}}, []int{5, 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { buildOnce(t, tc.cfg, tc.dims...) })
	}
	// ResNet-18: 11.17 M parameters without the 1000-class head (torchvision: 11,689,512 with
	// fc 512×1000+1000 and a 7×7 stem; our 3×3 stem has 64·3·9 instead of 64·3·49 weights).
	store := buildOnce(t, Config{Arch: ResNet18, Classes: 200}, 1, 64, 64, 3)
	want := 11689512 - (512*1000 + 1000) - 64*3*49 + 64*3*9 + 512*200 + 200
	if got := trainableParams(store); got != want {
		t.Errorf("ResNet-18 has %d parameters, want %d", got, want)
	}
}

func TestResNet50ParameterCount(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ResNet-50")
	}
	// torchvision resnet50: 25,557,032 parameters with its 1000-class fc (2048·1000 + 1000).
	// Parameter counts do not depend on the input size, so a 32×32 image keeps this fast.
	store := buildOnce(t, Config{Arch: ResNet50A, Classes: 1000}, 1, 32, 32, 3)
	if got := trainableParams(store); got != 25557032 {
		t.Errorf("ResNet-50 has %d parameters, torchvision has 25,557,032", got)
	}
}

func TestBiLSTM(t *testing.T) {
	net, err := New(Config{Arch: BiLSTM, Classes: 2, Vocab: 50})
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	exec, err := model.NewExec(newBackend(t), store, func(scope *model.Scope, tokens, lengths *Node) (*Node, *Node) {
		return net(scope, []*Node{tokens, lengths})
	})
	if err != nil {
		t.Fatal(err)
	}
	toks := tensors.FromFlatDataAndDimensions([]int32{3, 4, 5, 0, 7, 8, 0, 0}, 2, 4)
	lens := tensors.FromFlatDataAndDimensions([]int32{3, 2}, 2)
	out, err := exec.Call(toks, lens)
	if err != nil {
		t.Fatal(err)
	}
	if d := out[0].Shape().Dimensions; d[0] != 2 || d[1] != 2 {
		t.Errorf("logits %v", d)
	}
	if d := out[1].Shape().Dimensions; d[0] != 2 || d[1] != 2*128 {
		t.Errorf("features %v, want [2 256] (both directions)", d)
	}
	// Embedding 50×128 + 2 layers × 2 directions × 4 gates of LSTM weights + linear head.
	if n := trainableParams(store); n < 50*128+4*(4*128*128) {
		t.Errorf("BiLSTM has only %d parameters", n)
	}
}

func TestUnknownArch(t *testing.T) {
	if _, err := New(Config{Arch: "vgg", Classes: 10}); err == nil {
		t.Error("unknown architecture accepted")
	}
	if _, err := New(Config{Arch: ResNet32, Classes: 1}); err == nil {
		t.Error("1 class accepted")
	}
}

// TestConv2D: GoMLX's convolution on the pure-Go backend (its SIMD kernels) computes the
// convolution, its input gradient and its kernel gradient of a direct loop, at strides 1 and 2.
func TestConv2D(t *testing.T) {
	const B, H, W, C, O = 2, 5, 4, 3, 4
	x := normals(B*H*W*C, 5)
	backend := newBackend(t)
	for _, stride := range []int{1, 2} {
		store := model.NewStore()
		store.SetParam(model.ParamInitialSeed, int64(7))
		exec, err := model.NewExec(backend, store, func(scope *model.Scope, in *Node) (*Node, *Node, *Node) {
			cs := scope.In("c")
			y := Conv2D(cs, in, O, 3, stride)
			g := Gradient(ReduceAllSum(Square(y)), in, cs.GetVariable("weights").NodeValue(in.Graph()))
			return y, g[0], g[1]
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Call(tensors.FromFlatDataAndDimensions(x, B, H, W, C))
		if err != nil {
			t.Fatal(err)
		}
		y := tensors.MustCopyFlatData[float32](out[0])
		g := tensors.MustCopyFlatData[float32](out[1])
		gw := tensors.MustCopyFlatData[float32](out[2])
		kernel := tensors.MustCopyFlatData[float32](store.GetVariable("/c/weights").MustValue())
		// Direct convolution with padding 1, and the gradients of Σy²: dx = Σ 2y·k, dk = Σ 2y·x.
		Ho, Wo := (H-1)/stride+1, (W-1)/stride+1
		dx, dk := make([]float64, len(x)), make([]float64, len(kernel))
		for b := range B {
			for oy := range Ho {
				for ox := range Wo {
					for o := range O {
						s := 0.0
						for dy := range 3 {
							for dxk := range 3 {
								iy, ix := oy*stride+dy-1, ox*stride+dxk-1
								if iy < 0 || iy >= H || ix < 0 || ix >= W {
									continue
								}
								for c := range C {
									s += float64(x[((b*H+iy)*W+ix)*C+c]) * float64(kernel[((dy*3+dxk)*C+c)*O+o])
								}
							}
						}
						got := y[((b*Ho+oy)*Wo+ox)*O+o]
						if math.Abs(float64(got)-s) > 1e-4 {
							t.Fatalf("stride %d: y[%d,%d,%d,%d] = %g, direct %g", stride, b, oy, ox, o, got, s)
						}
						for dy := range 3 {
							for dxk := range 3 {
								iy, ix := oy*stride+dy-1, ox*stride+dxk-1
								if iy < 0 || iy >= H || ix < 0 || ix >= W {
									continue
								}
								for c := range C {
									dx[((b*H+iy)*W+ix)*C+c] += 2 * s * float64(kernel[((dy*3+dxk)*C+c)*O+o])
									dk[((dy*3+dxk)*C+c)*O+o] += 2 * s * float64(x[((b*H+iy)*W+ix)*C+c])
								}
							}
						}
					}
				}
			}
		}
		for i := range g {
			if math.Abs(float64(g[i])-dx[i]) > 1e-3*(1+math.Abs(dx[i])) {
				t.Fatalf("stride %d: input gradient at %d: %g, direct %g", stride, i, g[i], dx[i])
			}
		}
		for i := range gw {
			if math.Abs(float64(gw[i])-dk[i]) > 1e-3*(1+math.Abs(dk[i])) {
				t.Fatalf("stride %d: kernel gradient at %d: %g, direct %g", stride, i, gw[i], dk[i])
			}
		}
	}
}

// normals returns n standard normal float32 values from a fixed seed.
func normals(n int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, seed))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}
