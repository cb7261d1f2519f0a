// Package stage2 holds the second stages of long-tailed recognition: methods that keep a trained
// network's features and change only its classifier, either after training (post-hoc logit
// adjustment, τ-normalization, cRT, LWS) or as a second training stage of their own method
// (weight balancing's MaxNorm fine-tune, MiSLAS's label-aware smoothing), with the authors'
// settings. It works on features already extracted (row-major [n][d]) and a linear head
// (probe.Classifier): ldam/experiment runs the in-run stages (Config.Stage2) through it, and
// notebooks apply every stage to a finished run (PostTraining).
package stage2

import (
	"fmt"
	"math"

	"github.com/ldamlab/ldamlab/ldam/balance"
	"github.com/ldamlab/ldamlab/ldam/losses"
	"github.com/ldamlab/ldamlab/ldam/metrics"
	"github.com/ldamlab/ldamlab/ldam/probe"
)

// Features are a split's frozen features, row-major [len(Labels)][D], with their labels.
type Features struct {
	X      []float64
	D      int
	Labels []int
}

// WBBeta is the β of the class-balanced weights (Cui et al.) of weight balancing's second stage,
// as the authors' code (ShadeAlsha/LTR-weight-balancing, demo2) calls CB_loss.
const WBBeta = 0.9999

// WeightBalancing is the second stage of weight balancing (Alshammari et al., CVPR 2022) as the
// authors' code runs it (probe.AuthorsMaxNorm): the trained classifier fine-tuned for 10 epochs
// of SGD (lr 0.01, cosine, momentum 0.9, weight decay 0.1, batch 64) with the class-balanced
// loss (β = WBBeta, losses.CBSoftmaxBCE) and, after every epoch, the projection onto ‖w_j‖ ≤ δ,
// δ = min + 0.1·(max − min) of the trained class-vector norms; counts are the training set's
// class counts. It returns the fine-tuned head and δ.
func WeightBalancing(head probe.Classifier, train Features, counts []int, seed uint64) (probe.Classifier, float64, error) {
	w, err := balance.ClassBalanced(counts, WBBeta)
	if err != nil {
		return probe.Classifier{}, 0, err
	}
	return maxNorm(seed, true).Run(head, train.X, train.Labels, w)
}

// maxNorm is weight balancing's fine-tune as its authors run it (probe.AuthorsMaxNorm) with the
// run's seed, without its weight decay of 0.1 for the ablation.
func maxNorm(seed uint64, weightDecay bool) probe.MaxNormFineTune {
	f := probe.AuthorsMaxNorm()
	f.Seed = seed
	if !weightDecay {
		f.WeightDecay = 0
	}
	return f
}

// MiSLASSettings returns the second-stage settings of MiSLAS's configs
// (dvlab-research/MiSLAS, config/cifar*/…_stage2_mislas.yaml) for a dataset and imbalance
// factor: the label smoothing of the largest and of the smallest class, and the classifier's
// learning-rate factor (lr_factor; the scales' rate is 0.1). CIFAR-10 and CIFAR-100 at ρ = 10,
// 50 and 100 have their own; every other dataset and ratio takes CIFAR-10's at ρ = 100.
func MiSLASSettings(dataset string, imbFactor float64) (head, tail, lrFactor float64) {
	type key struct {
		dataset string
		rho     int
	}
	authors := map[key][3]float64{
		{"cifar10", 100}: {0.3, 0, 0.5}, {"cifar10", 50}: {0.2, 0, 0.2}, {"cifar10", 10}: {0.1, 0, 0.2},
		{"cifar100", 100}: {0.4, 0.1, 0.2}, {"cifar100", 50}: {0.3, 0, 0.1}, {"cifar100", 10}: {0.2, 0, 0.1},
	}
	rho := 0
	if imbFactor > 0 {
		rho = int(math.Round(1 / imbFactor))
	}
	v, ok := authors[key{dataset, rho}]
	if !ok {
		v = authors[key{"cifar10", 100}]
	}
	return v[0], v[1], v[2]
}

// MiSLAS returns MiSLAS's second stage for a run on dataset at imbFactor: probe.AuthorsMiSLAS
// with the classifier's learning-rate factor of MiSLASSettings and the run's seed.
func MiSLAS(dataset string, imbFactor float64, seed uint64) probe.MiSLASFineTune {
	f := probe.AuthorsMiSLAS()
	_, _, f.ClassifierLRFactor = MiSLASSettings(dataset, imbFactor)
	f.Seed = seed
	return f
}

// Stage is one second stage's balanced test evaluation and the norms ‖w_j‖ of the class
// vectors of the classifier it scores with.
type Stage struct {
	Method string
	Result metrics.Result
	Norms  []float64
}

// Run says what PostTraining needs to know of the trained run: its dataset and imbalance
// factor (for MiSLAS's settings), its seed (for the fine-tunes' sampling) and its training
// set's class counts.
type Run struct {
	Dataset   string
	ImbFactor float64
	Seed      uint64
	Counts    []int
}

// PostTraining applies every second stage to a trained linear head and scores each on the test
// features: the head as trained, post-hoc logit adjustment (τ = 1), τ-normalization (τ = 1), cRT
// (a new classifier, L2 penalty lambda, on class-balanced resampled features), LWS, weight
// balancing's classifier stage (WeightBalancing) and, as an ablation, the same without its
// weight decay of 0.1, and MiSLAS's classifier stage (MiSLAS, with label-aware smoothing of
// MiSLASSettings) and, as an ablation, the same without smoothing; every fit sees the training
// features only.
func PostTraining(head probe.Classifier, train, test Features, run Run, lambda float64) ([]Stage, error) {
	k, counts := head.K, run.Counts
	var out []Stage
	add := func(method string, c probe.Classifier, logits []float64, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
		acc := metrics.NewAccumulator(k)
		s := make([]float32, len(logits))
		for i, v := range logits {
			s[i] = float32(v)
		}
		if err := acc.Add(s, test.Labels); err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
		out = append(out, Stage{Method: method, Result: acc.Result(counts), Norms: c.RowNorms()})
		return nil
	}
	plain, err := head.Logits(test.X)
	if err := add("as trained", head, plain, err); err != nil {
		return nil, err
	}
	lp, err := losses.LogPriors(counts)
	if err != nil {
		return nil, err
	}
	adjusted, err := losses.PostHocAdjust(plain, lp, 1)
	if err := add("post-hoc logit adjustment (τ = 1)", head, adjusted, err); err != nil {
		return nil, err
	}
	tau := probe.TauNormalize(head, 1)
	tn, err := tau.Logits(test.X)
	if err := add("τ-normalization (τ = 1)", tau, tn, err); err != nil {
		return nil, err
	}
	crt, err := probe.CRT(train.X, train.D, train.Labels, k, lambda)
	if err != nil {
		return nil, fmt.Errorf("cRT: %w", err)
	}
	cl, err := crt.Logits(test.X)
	if err := add("cRT", crt.Classifier(), cl, err); err != nil {
		return nil, err
	}
	lws, _, err := probe.LWS(head, train.X, train.Labels)
	if err != nil {
		return nil, fmt.Errorf("LWS: %w", err)
	}
	ll, err := lws.Logits(test.X)
	if err := add("LWS", lws, ll, err); err != nil {
		return nil, err
	}
	cb, err := balance.ClassBalanced(counts, WBBeta)
	if err != nil {
		return nil, err
	}
	for _, s := range []struct {
		method      string
		weightDecay bool
	}{
		{"weight balancing, classifier stage (MaxNorm fine-tune)", true},
		{"weight balancing's stage without its weight decay (ablation)", false},
	} {
		wb, _, err := maxNorm(run.Seed, s.weightDecay).Run(head, train.X, train.Labels, cb)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.method, err)
		}
		wl, err := wb.Logits(test.X)
		if err := add(s.method, wb, wl, err); err != nil {
			return nil, err
		}
	}
	smoothHead, smoothTail, _ := MiSLASSettings(run.Dataset, run.ImbFactor)
	eps, err := probe.LASSmoothing(counts, smoothHead, smoothTail)
	if err != nil {
		return nil, err
	}
	m := MiSLAS(run.Dataset, run.ImbFactor, run.Seed)
	for _, s := range []struct {
		method string
		eps    []float64
	}{
		{fmt.Sprintf("MiSLAS's classifier stage (label-aware smoothing %g → %g)", smoothHead, smoothTail), eps},
		{"MiSLAS's stage without smoothing (ablation)", make([]float64, k)},
	} {
		las, _, err := m.Run(head, train.X, train.Labels, s.eps)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.method, err)
		}
		l, err := las.Logits(test.X)
		if err := add(s.method, las, l, err); err != nil {
			return nil, err
		}
	}
	return out, nil
}
