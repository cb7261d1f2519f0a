// Package models holds the networks of the paper as GoMLX graph functions: GoMLX's own
// convolution ([Conv2D], channels-last), with written by hand what GoMLX lacks or runs slowly:
// PyTorch-style batch norm with full gradients ([BatchNorm]), a differentiable max pooling, the
// cosine (NormedLinear) classifier of LDAM, an LSTM with hand-written back-propagation through
// time, and for ONNX Runtime an NCHW layout with hand-written kernel gradients and batch norms
// (nchw.go). The variables are the same in every layout.
//
// Networks: CIFAR ResNet-32 (Table 2), ResNet-18 for Tiny ImageNet (Table 4), ResNet-50 for
// iNaturalist (Table 3), a 2-layer bidirectional LSTM for IMDB (Table 1), a small CNN with a
// 3-d normalized feature for the feature-sphere figure (Fig. 5), and an MLP.
package models

import (
	"fmt"
	"strings"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Arch names a network.
type Arch string

// The networks.
const (
	ResNet32  Arch = "resnet32"
	ResNet18  Arch = "resnet18"
	ResNet50A Arch = "resnet50"
	BiLSTM    Arch = "bilstm"
	Sphere    Arch = "spherecnn"
	MLPArch   Arch = "mlp"
)

// Archs lists every network.
var Archs = []Arch{ResNet32, ResNet18, ResNet50A, BiLSTM, Sphere, MLPArch}

// Config selects and sizes a network.
type Config struct {
	Arch    Arch
	Classes int
	// Cosine selects the cosine (NormedLinear) classifier used with the LDAM losses; otherwise
	// a biased linear layer.
	Cosine bool
	// Width scales the channels of ResNet-32 (1 = 16/32/64) and ResNet-18 (1 = 64…512).
	Width float64
	// Vocab is the vocabulary size of the BiLSTM.
	Vocab int
	// FeatureDim is the feature size of the sphere CNN (3 for Fig. 5).
	FeatureDim int
	// Hidden are the hidden layer sizes of the MLP.
	Hidden []int
	// CheckpointBlocks recomputes ResNet blocks in the backward pass (see ResNetConfig.Checkpoint).
	CheckpointBlocks bool
	// NCHW runs the ResNets in ONNX Runtime's formulation on any backend (ResNetConfig.NCHW).
	NCHW bool
}

// Net maps inputs (images [B,H,W,C] float32; or tokens [B,T] and lengths [B] for the BiLSTM) to
// logits [B, classes] and the penultimate features [B, d].
type Net func(scope *model.Scope, inputs []*Node) (logits, features *Node)

// New validates cfg and returns the network.
func New(cfg Config) (Net, error) {
	if cfg.Classes < 2 {
		return nil, fmt.Errorf("models: %d classes; a classifier needs at least 2", cfg.Classes)
	}
	w := cfg.Width
	if w == 0 {
		w = 1
	}
	if w < 0 {
		return nil, fmt.Errorf("models: width %g must be positive", w)
	}
	var features func(scope *model.Scope, inputs []*Node) *Node
	switch cfg.Arch {
	case ResNet32:
		rc := CIFARResNet32(w)
		rc.Checkpoint, rc.NCHW = cfg.CheckpointBlocks, cfg.NCHW
		features = func(s *model.Scope, in []*Node) *Node { return ResNetFeatures(s, rc, in[0]) }
	case ResNet18:
		rc := ResNet18TinyImageNet(w)
		rc.Checkpoint, rc.NCHW = cfg.CheckpointBlocks, cfg.NCHW
		features = func(s *model.Scope, in []*Node) *Node { return ResNetFeatures(s, rc, in[0]) }
	case ResNet50A:
		rc := ResNet50()
		rc.Checkpoint, rc.NCHW = cfg.CheckpointBlocks, cfg.NCHW
		features = func(s *model.Scope, in []*Node) *Node { return ResNetFeatures(s, rc, in[0]) }
	case BiLSTM:
		if cfg.Vocab < 2 {
			return nil, fmt.Errorf("models: the BiLSTM needs a vocabulary size ≥ 2, got %d", cfg.Vocab)
		}
		lc := DefaultBiLSTM(cfg.Vocab)
		features = func(s *model.Scope, in []*Node) *Node {
			if len(in) != 2 {
				panic(fmt.Sprintf("models: the BiLSTM takes tokens and lengths, got %d inputs", len(in)))
			}
			return BiLSTMFeatures(s, lc, in[0], in[1])
		}
	case Sphere:
		d := cfg.FeatureDim
		if d == 0 {
			d = 3
		}
		features = func(s *model.Scope, in []*Node) *Node { return SphereCNN(s, in[0], d) }
	case MLPArch:
		hidden := cfg.Hidden
		features = func(s *model.Scope, in []*Node) *Node { return MLP(s, in[0], hidden...) }
	default:
		names := make([]string, len(Archs))
		for i, a := range Archs {
			names[i] = string(a)
		}
		return nil, fmt.Errorf("models: unknown architecture %q; use one of %s", cfg.Arch, strings.Join(names, ", "))
	}
	return func(scope *model.Scope, inputs []*Node) (*Node, *Node) {
		f := features(scope.In("backbone"), inputs)
		if cfg.Cosine {
			return Cosine(scope.In("classifier"), f, cfg.Classes), f
		}
		return Linear(scope.In("classifier"), f, cfg.Classes), f
	}, nil
}
