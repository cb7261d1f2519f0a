package probe

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"

	"github.com/ldamlab/ldamlab/ldam/losses"
	"github.com/ldamlab/ldamlab/ldam/optim"
)

// MiSLAS's second stage (Zhong et al., "Improving Calibration for Long-Tailed Recognition",
// CVPR 2021, §3.2–3.3; code dvlab-research/MiSLAS, methods.py, train_stage2.py and
// datasets/sampler.py): after a first stage trained with mixup, the first stage's classifier
// and a learnable per-class scale s (LWS, all ones at the start) are fine-tuned on the frozen
// backbone with class-aware sampling and label-aware smoothing (LAS). With u = W·x + b and
// logits z = s ⊙ u, the loss of an example of class y is label-aware smoothing
// (losses.LabelAwareSmoothing)
//
//	ℓ(z, y) = (1 − ε_y)·(−log p_y) + ε_y·(1/K)·Σ_c (−log p_c),  p = softmax(z),
//
// whose smoothing ε_y grows with the class's size along the "concave" curve
//
//	ε_y = ε_K + (ε_1 − ε_K)·sin(π (n_y − n_K) / (2 (n_1 − n_K))),
//
// n_1 the largest and n_K the smallest class count, ε_1 (smooth_head) and ε_K (smooth_tail) the
// head's and the tail's smoothing: CIFAR-10-LT 0.3 and 0.0, CIFAR-100-LT 0.4 and 0.1 (the
// authors' configs).

// LASSmoothing returns MiSLAS's concave label-aware smoothing ε_j of each class from the class
// counts, with head ε_1 for the largest class and tail ε_K for the smallest.
func LASSmoothing(counts []int, head, tail float64) ([]float64, error) {
	if len(counts) < 2 {
		return nil, fmt.Errorf("probe: label-aware smoothing needs at least 2 classes, got %d", len(counts))
	}
	for _, e := range []float64{head, tail} {
		if !(e >= 0 && e <= 1) {
			return nil, fmt.Errorf("probe: label smoothing %g is outside [0, 1]", e)
		}
	}
	n1, nK := counts[0], counts[0]
	for j, n := range counts {
		if n <= 0 {
			return nil, fmt.Errorf("probe: class %d has %d examples; label-aware smoothing needs every class", j, n)
		}
		n1, nK = max(n1, n), min(nK, n)
	}
	if n1 == nK {
		return nil, fmt.Errorf("probe: every class has %d examples; label-aware smoothing interpolates between the largest and the smallest class and needs them to differ (use plain label smoothing on balanced data)", n1)
	}
	eps := make([]float64, len(counts))
	for j, n := range counts {
		eps[j] = tail + (head-tail)*math.Sin(math.Pi*float64(n-nK)/(2*float64(n1-nK)))
	}
	return eps, nil
}

// ClassAwareSampler draws training examples as the authors' ClassAwareSampler (from Kang et
// al.'s decoupling code): a class from a cycle over the classes, then PerClass consecutive
// examples from that class's own cycle; every cycle is reshuffled each time it wraps. Each
// class is drawn equally often, whatever its size.
type ClassAwareSampler struct {
	perClass int
	classes  cycle
	members  []cycle
	run      []int // the current class's remaining draws
}

// cycle is RandomCycleIter: a list visited in order, reshuffled at every wrap (and before the
// first draw).
type cycle struct {
	items []int
	next  int
}

func (c *cycle) draw(rng *rand.Rand) int {
	if c.next == 0 {
		rng.Shuffle(len(c.items), func(i, j int) { c.items[i], c.items[j] = c.items[j], c.items[i] })
	}
	v := c.items[c.next]
	c.next = (c.next + 1) % len(c.items)
	return v
}

// NewClassAwareSampler returns the sampler over labels in [0, k), perClass examples per class
// drawn (the authors' num_samples_cls = 4). Every class needs an example.
func NewClassAwareSampler(labels []int, k, perClass int) (*ClassAwareSampler, error) {
	if k < 1 || perClass < 1 {
		return nil, fmt.Errorf("probe: class-aware sampling needs k ≥ 1 classes and ≥ 1 draw per class, got %d and %d", k, perClass)
	}
	s := &ClassAwareSampler{perClass: perClass, members: make([]cycle, k)}
	for i, y := range labels {
		if y < 0 || y >= k {
			return nil, fmt.Errorf("probe: label %d of example %d is outside [0, %d)", y, i, k)
		}
		s.members[y].items = append(s.members[y].items, i)
	}
	for j := range k {
		if len(s.members[j].items) == 0 {
			return nil, fmt.Errorf("probe: class %d has no example; class-aware sampling draws every class", j)
		}
		s.classes.items = append(s.classes.items, j)
	}
	return s, nil
}

// Next returns the index of the next example.
func (s *ClassAwareSampler) Next(rng *rand.Rand) int {
	if len(s.run) == 0 {
		c := s.classes.draw(rng)
		for range s.perClass {
			s.run = append(s.run, s.members[c].draw(rng))
		}
	}
	i := s.run[0]
	s.run = s.run[1:]
	return i
}

// MiSLASFineTune holds the settings of MiSLAS's second stage; AuthorsMiSLAS returns the
// authors' CIFAR values.
type MiSLASFineTune struct {
	// Epochs of BatchSize class-aware draws; an epoch has ⌈n/BatchSize⌉ + 1 batches, n the
	// training examples, as the authors' loop (it stops when the batch index exceeds ⌈n/batch⌉).
	Epochs, BatchSize int
	// PerClass examples are drawn from a class each time it comes up (ClassAwareSampler).
	PerClass int
	// LR is the scales' learning rate, LR·ClassifierLRFactor the classifier's; both follow a
	// cosine from their value to 0 over Epochs, stepped once per epoch (lr_e = LR·(1 + cos(π e /
	// Epochs))/2, e = 0 … Epochs − 1).
	LR, ClassifierLRFactor float64
	// Momentum and WeightDecay of SGD (PyTorch's), on the weights, the biases and the scales.
	Momentum, WeightDecay float64
	// Seed draws the class-aware batches.
	Seed uint64
}

// AuthorsMiSLAS returns the authors' CIFAR-10-LT second-stage settings
// (config/cifar10/cifar10_imb001_stage2_mislas.yaml): 10 epochs, batch 128, 4 draws per class,
// lr 0.1 (scales) and 0.05 (classifier, lr_factor 0.5), momentum 0.9, weight decay 2e-4.
func AuthorsMiSLAS() MiSLASFineTune {
	return MiSLASFineTune{Epochs: 10, BatchSize: 128, PerClass: 4, LR: 0.1, ClassifierLRFactor: 0.5, Momentum: 0.9, WeightDecay: 2e-4}
}

// Run fine-tunes the classifier c and the per-class scales (from 1) on the frozen features x
// [n][c.D] with LAS of smoothing eps (one per class; LASSmoothing), and returns the classifier
// with the scales folded in (w_j ← s_j w_j, b_j ← s_j b_j: the same logits s ⊙ (W x + b)) and the
// scales. The last epoch is kept (the authors keep the epoch of best test accuracy, which
// selects on the test set). c is not modified.
func (f MiSLASFineTune) Run(c Classifier, x []float64, labels []int, eps []float64) (Classifier, []float64, error) {
	n := len(labels)
	switch {
	case f.Epochs < 1 || f.BatchSize < 1 || f.PerClass < 1 || !(f.LR > 0) || !(f.ClassifierLRFactor > 0) || f.Momentum < 0 || f.WeightDecay < 0:
		return Classifier{}, nil, fmt.Errorf("probe: MiSLAS fine-tune settings %+v: epochs, batch size and draws per class must be ≥ 1, the learning rates > 0, momentum and weight decay ≥ 0 (AuthorsMiSLAS gives the authors' values)", f)
	case c.D == 0 || len(c.W) != c.K*c.D || len(c.B) != c.K:
		return Classifier{}, nil, fmt.Errorf("probe: a %d×%d classifier with %d weights and %d biases", c.K, c.D, len(c.W), len(c.B))
	case n == 0 || len(x) != n*c.D:
		return Classifier{}, nil, fmt.Errorf("probe: %d feature values for %d labels of dimension %d", len(x), n, c.D)
	case len(eps) != c.K:
		return Classifier{}, nil, fmt.Errorf("probe: %d smoothing values for %d classes", len(eps), c.K)
	}
	for j, e := range eps {
		if !(e >= 0 && e <= 1) {
			return Classifier{}, nil, fmt.Errorf("probe: class %d has label smoothing %g; it must lie in [0, 1]", j, e)
		}
	}
	sampler, err := NewClassAwareSampler(labels, c.K, f.PerClass)
	if err != nil {
		return Classifier{}, nil, err
	}
	ft, err := newFineTune(c, x, labels, true, eps, losses.LabelAwareSmoothing,
		&optim.SGD{Momentum: f.Momentum, WeightDecay: f.WeightDecay, LRFactors: map[string]float64{headScope: f.ClassifierLRFactor}})
	if err != nil {
		return Classifier{}, nil, err
	}
	defer ft.finalize()
	batch := make([]int, f.BatchSize)
	rng := rand.New(rand.NewPCG(f.Seed, 0x6d69736c6173)) // "mislas"
	batches := (n+f.BatchSize-1)/f.BatchSize + 1
	for epoch := range f.Epochs {
		if err := ft.setLR(f.LR * (1 + math.Cos(math.Pi*float64(epoch)/float64(f.Epochs))) / 2); err != nil {
			return Classifier{}, nil, err
		}
		for range batches {
			for b := range batch {
				batch[b] = sampler.Next(rng)
			}
			if _, err := ft.step(batch); err != nil {
				return Classifier{}, nil, err
			}
		}
	}
	out, err := ft.classifier()
	if err != nil {
		return Classifier{}, nil, err
	}
	s, err := ft.scales()
	if err != nil {
		return Classifier{}, nil, err
	}
	for j := range out.K {
		floats.Scale(s[j], out.W[j*out.D:(j+1)*out.D])
		out.B[j] *= s[j]
	}
	return out, s, nil
}
