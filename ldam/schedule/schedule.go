// Package schedule holds the learning-rate schedule of section 5.3 of the facts file (the
// official cifar_train.py adjust_learning_rate) and the named presets: "paper" (the 200-epoch
// CIFAR recipe), "lite" (its schedule on 20 epochs, full data) and "quick" (the same shape on
// 10 epochs and a tenth of the data, for CI on a 2-core CPU).
package schedule

import (
	"fmt"
	"math"
	"strings"
)

// Schedule is a per-epoch step learning-rate schedule with a linear warm-up.
type Schedule struct {
	// BaseLR is the learning rate after warm-up (0.1 in the paper).
	BaseLR float64
	// WarmupEpochs: epoch e (0-based) with e+1 ≤ WarmupEpochs uses BaseLR·(e+1)/WarmupEpochs,
	// a step per epoch as in the official code (0.02, 0.04, …, 0.1 for 5 epochs).
	WarmupEpochs int
	// DecayEpochs are the 0-based epochs from which the rate is multiplied by DecayFactor once
	// more (160 and 180 for CIFAR).
	DecayEpochs []int
	// DecayFactor is the factor of each decay (0.01 for CIFAR: 0.1 → 1e-3 → 1e-5).
	DecayFactor float64
}

// LR returns the learning rate of the given 0-based epoch.
func (s Schedule) LR(epoch int) float64 {
	if epoch+1 <= s.WarmupEpochs {
		return s.BaseLR * float64(epoch+1) / float64(s.WarmupEpochs)
	}
	lr := s.BaseLR
	for _, d := range s.DecayEpochs {
		if epoch >= d {
			lr *= s.DecayFactor
		}
	}
	return lr
}

// Preset is a complete training recipe: schedule, optimizer settings and data scale.
type Preset struct {
	Name   string
	Epochs int
	Schedule
	// DeferEpoch is T0, the epoch where DRW/DRS switch on (the first decay for CIFAR).
	DeferEpoch  int
	BatchSize   int
	Momentum    float64
	WeightDecay float64
	// MaxPerClass caps the training images of the most frequent class (img_max of the
	// long-tailed formula) before the imbalance profile is applied; 0 keeps the dataset's own
	// (5000 for CIFAR-10). The imbalance ratio ρ is unchanged.
	MaxPerClass int
	// TestPerClass caps the (balanced) test images per class; 0 keeps the whole test split.
	TestPerClass int
	// Width multiplies the channels of the CIFAR ResNet (1 = the paper's 16/32/64).
	Width float64
	// Optimizer is "sgd" (SGD with Momentum and WeightDecay, the paper's for images; also when
	// empty) or "adam" (Adam with PyTorch's defaults β = (0.9, 0.999), ε = 1e-8, and
	// WeightDecay decoupled as in AdamW, GoMLX's form: the paper's optimizer for IMDB).
	Optimizer string `json:"optimizer,omitempty"`
}

// Optimizers are the values of Preset.Optimizer.
const (
	SGD  = "sgd"
	Adam = "adam"
)

// Paper is the CIFAR recipe of appendix B and the official code: 200 epochs, batch 128,
// SGD momentum 0.9, weight decay 2e-4, LR 0.1 with a 5-epoch warm-up, ×0.01 at epochs 160 and
// 180, DRW from epoch 160.
var Paper = Preset{
	Name: "paper", Epochs: 200,
	Schedule:   Schedule{BaseLR: 0.1, WarmupEpochs: 5, DecayEpochs: []int{160, 180}, DecayFactor: 0.01},
	DeferEpoch: 160, BatchSize: 128, Momentum: 0.9, WeightDecay: 2e-4, Width: 1,
}

// Quick keeps the paper's shape (warm-up, two ×0.01 decays at 80 % and 90 % of the run, DRW at
// the first decay) on 10 epochs, 1/10 of the CIFAR training images per class (500 for the head
// class) and 100 test images per class, so a run fits in minutes on a 2-core CPU. Its numbers
// are a demonstration, not a reproduction of the paper's.
var Quick = Preset{
	Name: "quick", Epochs: 10,
	Schedule:   Schedule{BaseLR: 0.1, WarmupEpochs: 1, DecayEpochs: []int{8, 9}, DecayFactor: 0.01},
	DeferEpoch: 8, BatchSize: 128, Momentum: 0.9, WeightDecay: 2e-4,
	MaxPerClass: 500, TestPerClass: 100, Width: 1,
}

// Lite is the paper's CIFAR recipe with its schedule scaled from 200 to 20 epochs, on the full
// imbalanced training set and the full balanced test set: the official warm-up rule with 5
// epochs scaled to 1, LR 0.1, ×0.01 from epoch index 16 and ×0.0001 from 18 (0-based, as the
// official epoch // 160), DRW/DRS from 16, batch 128, weight decay 2e-4, momentum 0.9. A
// ResNet-32 run on CIFAR-10-LT (ρ = 100, about 250,000 training images) takes about an hour on
// 2 CPU cores: long enough for the paper's effects to show, short enough for a CPU.
var Lite = func() Preset {
	p := Paper.Scaled(20)
	p.Name = "lite"
	return p
}()

// Presets lists the named presets.
var Presets = []Preset{Paper, Lite, Quick}

// INatQuickPerClass caps iNaturalist's training images per class in the quick preset: 8,142
// classes of ResNet-50 at 224×224 are a plumbing check on a CPU, not a result.
const INatQuickPerClass = 2

// IMDBEpochs, IMDBDecay and IMDBLR are our recipe for IMDB (the paper says only "Adam", §4.1):
// Adam at 1e-3 (PyTorch's default) for 10 epochs with the rate ×0.1 from epoch index 8, where
// DRW switches on — the CIFAR schedule's shape (annealing, then re-weighting, at 80 % of the run).
const (
	IMDBEpochs = 10
	IMDBDecay  = 8
	IMDBLR     = 1e-3
	// IMDBQuickPerClass and IMDBQuickTestPerClass are the quick preset's caps for IMDB: 200
	// positive and 20 negative training reviews, 50 test reviews per class, so one of Table 1's
	// runs takes about two minutes on 2 cores (the BiLSTM reads 256 tokens per review).
	IMDBQuickPerClass     = 200
	IMDBQuickTestPerClass = 50
)

// ForDataset adapts the preset to a dataset's own recipe (appendix B of the paper). Tiny
// ImageNet: 120 epochs with the rate ×0.1 at epoch 90, where DRW switches on (paper), that
// schedule on 12 epochs (lite), and for quick a quarter-width ResNet-18 on at most 100 training
// images of the head class (so ρ = 100 keeps one image of the tail class) and 5 test images per
// class — the full-width network trains about 1.5 images/s on 2 CPU cores. IMDB: Adam with the
// IMDB recipe above in every preset (paper and lite alike: the paper gives no schedule to
// scale), quick with the IMDB caps below. iNaturalist 2018: 90 epochs at batch 256, weight decay 1e-4, ×0.1 at 30
// and 60, DRW from 60 (paper), that on 9 epochs (lite), and a plumbing check on 2 images per
// class (quick). Other datasets keep the CIFAR recipe.
func (p Preset) ForDataset(dataset string) Preset {
	if dataset == "inat2018" {
		// Appendix B: "the same training strategy as He et al. 2016" (batch 256, weight decay
		// 1e-4, no warm-up), 90 epochs, ×0.1 at 30 and 60, DRW from 60.
		q := p
		q.Epochs, q.WarmupEpochs, q.DecayEpochs, q.DecayFactor, q.DeferEpoch = 90, 0, []int{30, 60}, 0.1, 60
		q.BatchSize, q.WeightDecay = 256, 1e-4
		switch p.Name {
		case "lite":
			q = q.Scaled(9)
			q.WarmupEpochs = 0
		case "quick":
			q = q.Scaled(10)
			q.WarmupEpochs, q.BatchSize, q.MaxPerClass, q.TestPerClass = 0, 32, INatQuickPerClass, 1
		}
		return q
	}
	if dataset == "imdb" {
		q := p
		q.Optimizer, q.BaseLR, q.Momentum, q.WeightDecay = Adam, IMDBLR, 0, 0
		q.Epochs, q.WarmupEpochs, q.DecayEpochs, q.DecayFactor, q.DeferEpoch = IMDBEpochs, 0, []int{IMDBDecay}, 0.1, IMDBDecay
		if p.Name == "quick" {
			q.MaxPerClass, q.TestPerClass = IMDBQuickPerClass, IMDBQuickTestPerClass
		}
		return q
	}
	if dataset != "tinyimagenet" {
		return p
	}
	switch p.Name {
	case "paper", "lite":
		q := p
		q.Epochs, q.WarmupEpochs, q.DecayEpochs, q.DecayFactor, q.DeferEpoch = 120, 5, []int{90}, 0.1, 90
		if p.Name == "lite" {
			q = q.Scaled(12)
		}
		return q
	case "quick":
		q := p
		q.Width, q.MaxPerClass, q.TestPerClass = 0.25, 100, 5
		return q
	}
	return p
}

// Lookup returns the preset with the given name.
func Lookup(name string) (Preset, error) {
	var names []string
	for _, p := range Presets {
		if strings.EqualFold(p.Name, name) {
			p.DecayEpochs = append([]int(nil), p.DecayEpochs...)
			return p, nil
		}
		names = append(names, p.Name)
	}
	return Preset{}, fmt.Errorf("unknown preset %q; use one of %s", name, strings.Join(names, ", "))
}

// Scaled returns the preset stretched to a different number of epochs, keeping the warm-up,
// decays and T0 at the same fractions of the run (rounded, warm-up at least 1 epoch).
func (p Preset) Scaled(epochs int) Preset {
	if epochs == p.Epochs || p.Epochs == 0 {
		return p
	}
	f := float64(epochs) / float64(p.Epochs)
	scale := func(e int) int { return int(math.Round(float64(e) * f)) }
	q := p
	q.Epochs = epochs
	q.WarmupEpochs = max(1, scale(p.WarmupEpochs))
	q.DecayEpochs = nil
	for _, d := range p.DecayEpochs {
		q.DecayEpochs = append(q.DecayEpochs, scale(d))
	}
	q.DeferEpoch = scale(p.DeferEpoch)
	return q
}
