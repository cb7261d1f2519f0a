package probe

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
)

// Weight balancing's second stage as its authors run it (Alshammari et al., CVPR 2022, §3–4;
// ShadeAlsha/LTR-weight-balancing, demo2_second-stage-training.py and utils/regularizers.py):
// the first stage's classifier is fine-tuned on frozen features with the class-balanced loss,
// weight decay and a MaxNorm constraint, by SGD with a projection after every epoch.

// MaxNormFineTune holds the settings of weight balancing's second stage; AuthorsMaxNorm returns
// the authors' values.
type MaxNormFineTune struct {
	// Epochs of SGD over the training features; the learning rate follows a cosine from LR to
	// 0, stepped once per epoch (PyTorch's CosineAnnealingLR(T_max = Epochs)).
	Epochs, BatchSize int
	LR, Momentum      float64
	// WeightDecay is added to the gradient of the weights and the biases (PyTorch SGD's
	// weight_decay on the classifier's two parameters).
	WeightDecay float64
	// Threshold places the MaxNorm bound between the smallest and the largest class-vector norm
	// of the classifier the fine-tune starts from: δ = min_j ‖w_j‖ + Threshold·(max_j ‖w_j‖ −
	// min_j ‖w_j‖) (MaxNorm_via_PGD.setPerLayerThresh). The biases are not bounded.
	Threshold float64
	// Seed shuffles the examples of each epoch.
	Seed uint64
}

// AuthorsMaxNorm returns the authors' second-stage settings: 10 epochs, batch 64, lr 0.01 with
// momentum 0.9, weight decay 0.1, threshold 0.1.
func AuthorsMaxNorm() MaxNormFineTune {
	return MaxNormFineTune{Epochs: 10, BatchSize: 64, LR: 0.01, Momentum: 0.9, WeightDecay: 0.1, Threshold: 0.1}
}

// MaxNormBound returns δ = min_j ‖w_j‖ + threshold·(max_j ‖w_j‖ − min_j ‖w_j‖) of a
// classifier's class vectors.
func MaxNormBound(c Classifier, threshold float64) (float64, error) {
	norms := c.RowNorms()
	lo, hi := floats.Min(norms), floats.Max(norms)
	if !(hi > 0) {
		return 0, fmt.Errorf("probe: the classifier has no non-zero class vector; the MaxNorm bound needs a trained classifier")
	}
	return lo + threshold*(hi-lo), nil
}

// ProjectMaxNorm rescales every class vector of c longer than delta to norm delta (the
// projection onto the MaxNorm constraint set), in place.
func ProjectMaxNorm(c Classifier, delta float64) {
	for j := range c.K {
		row := c.W[j*c.D : (j+1)*c.D]
		if n := floats.Norm(row, 2); n > delta {
			floats.Scale(delta/n, row)
		}
	}
}

// Run fine-tunes the classifier c on the frozen features x [n][c.D] with the class-balanced
// loss of weights classWeights (one per class; CBSoftmaxBCE), and returns the fine-tuned
// classifier (the last epoch's: the authors keep the epoch of best test accuracy, which
// selects on the test set) and the MaxNorm bound δ. c is not modified.
func (f MaxNormFineTune) Run(c Classifier, x []float64, labels []int, classWeights []float64) (Classifier, float64, error) {
	n := len(labels)
	switch {
	case f.Epochs < 1 || f.BatchSize < 1 || !(f.LR > 0) || f.Momentum < 0 || f.WeightDecay < 0 || f.Threshold < 0 || f.Threshold > 1:
		return Classifier{}, 0, fmt.Errorf("probe: MaxNorm fine-tune settings %+v: epochs and batch size must be ≥ 1, lr > 0, momentum and weight decay ≥ 0, threshold in [0, 1] (AuthorsMaxNorm gives the authors' values)", f)
	case c.D == 0 || len(c.W) != c.K*c.D || len(c.B) != c.K:
		return Classifier{}, 0, fmt.Errorf("probe: a %d×%d classifier with %d weights and %d biases", c.K, c.D, len(c.W), len(c.B))
	case n == 0 || len(x) != n*c.D:
		return Classifier{}, 0, fmt.Errorf("probe: %d feature values for %d labels of dimension %d", len(x), n, c.D)
	case len(classWeights) != c.K:
		return Classifier{}, 0, fmt.Errorf("probe: %d class weights for %d classes", len(classWeights), c.K)
	}
	for i, y := range labels {
		if y < 0 || y >= c.K {
			return Classifier{}, 0, fmt.Errorf("probe: label %d of example %d is outside [0, %d)", y, i, c.K)
		}
	}
	delta, err := MaxNormBound(c, f.Threshold)
	if err != nil {
		return Classifier{}, 0, err
	}
	k, d := c.K, c.D
	out := Classifier{K: k, D: d, W: append([]float64(nil), c.W...), B: append([]float64(nil), c.B...)}
	vw, vb := make([]float64, k*d), make([]float64, k)
	gw, gb := make([]float64, k*d), make([]float64, k)
	z, dz := make([]float64, k), make([]float64, k)
	rng := rand.New(rand.NewPCG(f.Seed, 0x6d61786e6f726d)) // "maxnorm"
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	first := true
	for epoch := range f.Epochs {
		lr := f.LR * (1 + math.Cos(math.Pi*float64(epoch)/float64(f.Epochs))) / 2
		rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		for start := 0; start < n; start += f.BatchSize {
			batch := order[start:min(n, start+f.BatchSize)]
			clear(gw)
			clear(gb)
			for _, i := range batch {
				xi := x[i*d : (i+1)*d]
				for j := range k {
					z[j] = out.B[j] + floats.Dot(out.W[j*d:(j+1)*d], xi)
				}
				CBSoftmaxBCE(z, labels[i], classWeights[labels[i]], dz)
				for j := range k {
					g := dz[j] / float64(len(batch))
					floats.AddScaled(gw[j*d:(j+1)*d], g, xi)
					gb[j] += g
				}
			}
			sgdStep(out.W, gw, vw, lr, f.Momentum, f.WeightDecay, first)
			sgdStep(out.B, gb, vb, lr, f.Momentum, f.WeightDecay, first)
			first = false
		}
		ProjectMaxNorm(out, delta)
	}
	return out, delta, nil
}

// CBSoftmaxBCE is the class-balanced "softmax" loss as the weight-balancing code computes it
// (Cui et al.'s CB_loss in its PyTorch port, which the authors call with loss_type "softmax"):
// binary cross-entropy of every class's softmax probability against the one-hot label, weighted
// by the example's class weight w_y and averaged over the k classes,
//
//	ℓ(z, y) = −(w_y / k) Σ_j [ 1{j=y} log p_j + 1{j≠y} log(1 − p_j) ],  p = softmax(z).
//
// (Cui et al.'s paper defines the softmax variant as the weighted cross-entropy −w_y log p_y;
// this port's is what produced the authors' numbers.) It returns ℓ and writes ∂ℓ/∂z into grad
// (len(z)). Logarithms are clamped at −100 as PyTorch's binary_cross_entropy clamps them.
func CBSoftmaxBCE(z []float64, y int, w float64, grad []float64) float64 {
	// grad holds p = softmax(z) first (no allocation: this runs once per example and epoch),
	// then the gradient ∂ℓ/∂z_m = a_m − p_m Σ_j a_j with a_j = p_j ∂ℓ/∂p_j.
	p := grad
	top := floats.Max(z)
	sum := 0.0
	for j, v := range z {
		p[j] = math.Exp(v - top)
		sum += p[j]
	}
	floats.Scale(1/sum, p)
	scale := w / float64(len(z))
	a := func(j int) float64 {
		if j == y {
			if p[j] < math.Exp(-100) {
				return 0 // clamped: flat
			}
			return -scale
		}
		if q := 1 - p[j]; q >= math.Exp(-100) {
			return p[j] / q * scale
		}
		return 0
	}
	loss, total := 0.0, 0.0
	for j := range p {
		if j == y {
			loss -= max(math.Log(p[j]), -100)
		} else {
			loss -= max(math.Log(1-p[j]), -100)
		}
		total += a(j)
	}
	for j := range p {
		p[j] = a(j) - p[j]*total // a(j) reads p[j] before it is overwritten
	}
	return scale * loss
}
