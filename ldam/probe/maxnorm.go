package probe

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"

	"github.com/ldamlab/ldamlab/ldam/losses"
	"github.com/ldamlab/ldamlab/ldam/optim"
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
// loss of weights classWeights (one per class; losses.CBSoftmaxBCE), and returns the fine-tuned
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
	ft, err := newFineTune(c, x, labels, false, classWeights, losses.CBSoftmaxBCE,
		&optim.SGD{Momentum: f.Momentum, WeightDecay: f.WeightDecay})
	if err != nil {
		return Classifier{}, 0, err
	}
	defer ft.finalize()
	rng := rand.New(rand.NewPCG(f.Seed, 0x6d61786e6f726d)) // "maxnorm"
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	for epoch := range f.Epochs {
		if err := ft.setLR(f.LR * (1 + math.Cos(math.Pi*float64(epoch)/float64(f.Epochs))) / 2); err != nil {
			return Classifier{}, 0, err
		}
		rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		for start := 0; start < n; start += f.BatchSize {
			if _, err := ft.step(order[start:min(n, start+f.BatchSize)]); err != nil {
				return Classifier{}, 0, err
			}
		}
		out, err := ft.classifier()
		if err != nil {
			return Classifier{}, 0, err
		}
		ProjectMaxNorm(out, delta)
		if err := ft.setWeights(out); err != nil {
			return Classifier{}, 0, err
		}
	}
	out, err := ft.classifier()
	return out, delta, err
}
