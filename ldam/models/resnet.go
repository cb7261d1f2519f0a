package models

import (
	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// ResNetConfig describes a residual network on NHWC images.
type ResNetConfig struct {
	// Blocks per stage and the output channels of each stage.
	Blocks, Channels []int
	// Bottleneck selects 1×1–3×3–1×1 bottleneck blocks with expansion 4 (ResNet-50) instead of
	// two 3×3 basic blocks.
	Bottleneck bool
	// OptionA selects the parameter-free shortcut of the CIFAR ResNets (stride-2 subsampling and
	// zero channel padding); otherwise a 1×1 convolution + batch norm projects the shortcut.
	OptionA bool
	// StemChannels, StemKernel and StemStride define the first convolution; StemMaxPool adds a
	// 3×3/2 max pooling after it (ImageNet ResNets).
	StemChannels, StemKernel, StemStride int
	StemMaxPool                          bool
	// Checkpoint makes training recompute each residual block's activations in the backward
	// pass instead of keeping them (GoMLX gradient checkpointing): less memory for more compute.
	Checkpoint bool
	// NCHW runs the network in ONNX Runtime's NCHW formulation (nchw.go) on any backend; ONNX
	// Runtime always uses it. Elsewhere it is the same network with other float32 rounding, for
	// comparing the formulations on one backend.
	NCHW bool
}

// CIFARResNet32 is the ResNet-32 of the official code (models/resnet_cifar.py): a 3×3 stem with
// 16 channels, 3 stages of 5 basic blocks with 16/32/64 channels (stride 2 at the start of the
// last two), option-A shortcuts, global average pooling: a 64-d feature. width scales channels.
func CIFARResNet32(width float64) ResNetConfig {
	c := func(n int) int { return max(1, int(float64(n)*width+0.5)) }
	return ResNetConfig{
		Blocks: []int{5, 5, 5}, Channels: []int{c(16), c(32), c(64)}, OptionA: true,
		StemChannels: c(16), StemKernel: 3, StemStride: 1,
	}
}

// ResNet18TinyImageNet is ResNet-18 (4 stages of 2 basic blocks, 64…512 channels, projection
// shortcuts) for 64×64 Tiny ImageNet images. Following the usual practice for 64×64 inputs the
// stem is a 3×3 stride-1 convolution without max pooling (the paper does not give its stem).
// width scales the channels (1 = the paper's network; the quick preset uses a quarter).
func ResNet18TinyImageNet(width float64) ResNetConfig {
	c := func(n int) int { return max(1, int(float64(n)*width+0.5)) }
	return ResNetConfig{
		Blocks: []int{2, 2, 2, 2}, Channels: []int{c(64), c(128), c(256), c(512)},
		StemChannels: c(64), StemKernel: 3, StemStride: 1,
	}
}

// ResNet50 is the ImageNet ResNet-50 used for iNaturalist 2018 (He et al. 2016): 7×7/2 stem,
// 3×3/2 max pooling, bottleneck stages [3, 4, 6, 3] with 256…2048 output channels: a 2048-d
// feature.
func ResNet50() ResNetConfig {
	return ResNetConfig{
		Blocks: []int{3, 4, 6, 3}, Channels: []int{256, 512, 1024, 2048}, Bottleneck: true,
		StemChannels: 64, StemKernel: 7, StemStride: 2, StemMaxPool: true,
	}
}

// ResNetFeatures applies the network to images [B, H, W, C] and returns the pooled feature
// [B, Channels[last]]: channels-last with GoMLX's convolution ([Conv2D]) and [BatchNorm], or on
// ONNX Runtime NCHW inside (see resnetLayout). The variables are the same either way.
func ResNetFeatures(scope *model.Scope, cfg ResNetConfig, x *Node) *Node {
	l := resnetLayout(x.Graph().Backend(), cfg.NCHW)
	if l.nchw {
		x = TransposeAllAxes(x, 0, 3, 1, 2)
	}
	x = l.conv(scope.In("stem"), x, cfg.StemChannels, cfg.StemKernel, cfg.StemStride)
	x = l.bnRelu(scope.In("stem_bn"), x)
	if cfg.StemMaxPool {
		x = maxPool2D(x, 3, 2, l.h())
	}
	for s, n := range cfg.Blocks {
		for b := range n {
			stride := 1
			if s > 0 && b == 0 {
				stride = 2
			}
			block := scope.In("stage%d_block%d", s, b)
			if cfg.Checkpoint && scope.IsTraining(x.Graph()) {
				// Keep only block inputs for the backward pass and recompute the rest.
				x = x.Checkpoint()
			}
			if cfg.Bottleneck {
				x = l.bottleneckBlock(cfg, block, x, cfg.Channels[s], stride)
			} else {
				x = l.basicBlock(cfg, block, x, cfg.Channels[s], stride)
			}
			if cfg.Checkpoint && scope.IsTraining(x.Graph()) {
				x = x.StopCheckpoint()
			}
		}
	}
	return ReduceMean(x, l.h(), l.h()+1)
}

// resnetLayout picks the ResNet's layout for a graph: NCHW with ONNX's own Conv (with
// hand-written kernel gradients and batch norms, nchw.go) on ONNX Runtime, where it trains
// ResNet-32 about 1.6× faster than channels-last (README, Performance); channels-last with
// GoMLX's convolution elsewhere (the pure-Go backend's SIMD kernels, XLA). The variables are the
// same in every layout, so one model trains in one and evaluates in another.
func resnetLayout(backend compute.Backend, nchw bool) layout {
	return layout{nchw: nchw || isONNX(backend)}
}

// layout says where the ResNet's activations keep their channels: second ([B, C, H, W]: NCHW,
// ONNX Runtime's layout) or last ([B, H, W, C]).
type layout struct{ nchw bool }

// h is the height axis (the width follows it).
func (l layout) h() int {
	if l.nchw {
		return 2
	}
	return 1
}

// c is the channel axis.
func (l layout) c(x *Node) int {
	if l.nchw {
		return 1
	}
	return x.Rank() - 1
}

func (l layout) bn(scope *model.Scope, x *Node) *Node {
	return batchNorm(scope, x, l.c(x), false)
}

// bnRelu is Relu(bn(x)).
func (l layout) bnRelu(scope *model.Scope, x *Node) *Node {
	return batchNorm(scope, x, l.c(x), true)
}

// conv is the network's convolution in the layout.
func (l layout) conv(scope *model.Scope, x *Node, channels, k, stride int) *Node {
	if l.nchw {
		return convNCHW(scope, x, channels, k, stride)
	}
	return Conv2D(scope, x, channels, k, stride)
}

// Relu is max(x, 0).
func Relu(x *Node) *Node { return MaxScalar(x, 0.0) }

// relu is the layout's ReLU: reluNCHW on NCHW, else Relu.
func (l layout) relu(x *Node) *Node {
	if l.nchw {
		return reluNCHW(x)
	}
	return Relu(x)
}

func (l layout) basicBlock(cfg ResNetConfig, scope *model.Scope, x *Node, channels, stride int) *Node {
	in := x.Shape().Dimensions[l.c(x)]
	out := l.bnRelu(scope.In("bn1"), l.conv(scope.In("conv1"), x, channels, 3, stride))
	out = l.bn(scope.In("bn2"), l.conv(scope.In("conv2"), out, channels, 3, 1))
	return l.relu(Add(out, l.shortcut(cfg, scope, x, in, channels, stride, cfg.OptionA)))
}

func (l layout) bottleneckBlock(cfg ResNetConfig, scope *model.Scope, x *Node, channels, stride int) *Node {
	in := x.Shape().Dimensions[l.c(x)]
	mid := channels / 4
	out := l.bnRelu(scope.In("bn1"), l.conv(scope.In("conv1"), x, mid, 1, 1))
	out = l.bnRelu(scope.In("bn2"), l.conv(scope.In("conv2"), out, mid, 3, stride))
	out = l.bn(scope.In("bn3"), l.conv(scope.In("conv3"), out, channels, 1, 1))
	return l.relu(Add(out, l.shortcut(cfg, scope, x, in, channels, stride, false)))
}

// subsample is x[…, ::s, ::s, …] over the spatial axes.
func (l layout) subsample(x *Node, s int) *Node {
	if l.nchw {
		return subsampleNCHW(x, s)
	}
	return subsampleFor(x, l.h(), s)
}

func (l layout) shortcut(cfg ResNetConfig, scope *model.Scope, x *Node, in, channels, stride int, optionA bool) *Node {
	if stride == 1 && in == channels {
		return x
	}
	if optionA {
		// x[:, ::2, ::2, :] zero-padded with (channels−in)/2 channels on each side.
		s := l.subsample(x, stride)
		extra := channels - in
		return PadZeros(s, l.c(x), extra/2, extra-extra/2)
	}
	return l.bn(scope.In("shortcut_bn"), l.conv(scope.In("shortcut"), x, channels, 1, stride))
}

// LayoutName names the ResNets' layout on a backend (nchw: ResNetConfig.NCHW), as results
// record it: "NHWC, GoMLX convolution" or, on ONNX Runtime or asked for, "NCHW, hand-written
// gradients".
func LayoutName(backend compute.Backend, nchw bool) string {
	if resnetLayout(backend, nchw).nchw {
		return "NCHW, hand-written gradients"
	}
	return "NHWC, GoMLX convolution"
}
