package experiment

import (
	"fmt"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/ldam/metrics"
	"github.com/ldamlab/ldamlab/ldam/probe"
	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/stage2"
)

// The linear head's variables (models.Config's "classifier" scope).
const (
	classifierWeights = "/classifier/weights"
	classifierBiases  = "/classifier/biases"
)

// LinearHead returns the network's linear classifier (weights [d, k] and biases [k] of the
// "classifier" scope) as a probe.Classifier; networks with the cosine head (the LDAM losses)
// have none.
func (run *Run) LinearHead() (probe.Classifier, error) {
	w, b := run.Store.GetVariable(classifierWeights), run.Store.GetVariable(classifierBiases)
	if w == nil || b == nil {
		return probe.Classifier{}, fmt.Errorf("experiment: the network has no linear classifier (%s and biases); second stages apply to losses with a linear head (CE, Focal, LA, BalancedSoftmax, VS), not to the cosine head of the LDAM losses", classifierWeights)
	}
	dims := w.Shape().Dimensions
	d, k := dims[0], dims[1]
	wv := tensors.MustCopyFlatData[float32](w.MustValue())
	bv := tensors.MustCopyFlatData[float32](b.MustValue())
	c := probe.Classifier{K: k, D: d, W: make([]float64, k*d), B: make([]float64, k)}
	for i := range d {
		for j := range k {
			c.W[j*d+i] = float64(wv[i*k+j]) // [d, k] → rows per class
		}
	}
	for j := range k {
		c.B[j] = float64(bv[j])
	}
	return c, nil
}

// SetLinearHead writes a classifier into the network's linear head (the inverse of LinearHead);
// the next evaluation uses it.
func (run *Run) SetLinearHead(c probe.Classifier) error {
	old, err := run.LinearHead()
	if err != nil {
		return err
	}
	if c.K != old.K || c.D != old.D || len(c.W) != c.K*c.D || len(c.B) != c.K {
		return fmt.Errorf("experiment: a %d×%d classifier does not fit the network's %d×%d head", c.K, c.D, old.K, old.D)
	}
	w := make([]float32, c.D*c.K)
	for i := range c.D {
		for j := range c.K {
			w[i*c.K+j] = float32(c.W[j*c.D+i])
		}
	}
	b := make([]float32, c.K)
	for j, v := range c.B {
		b[j] = float32(v)
	}
	if err := run.Store.GetVariable(classifierWeights).SetValue(tensors.FromFlatDataAndDimensions(w, c.D, c.K)); err != nil {
		return err
	}
	if err := run.Store.GetVariable(classifierBiases).SetValue(tensors.FromFlatDataAndDimensions(b, c.K)); err != nil {
		return err
	}
	run.inferStale = true
	return nil
}

// SplitOutputs runs f (Run.Features or Run.Predict) in evaluation mode over the training
// (test = false) or test images, without augmentation, and gathers its [batch, d] outputs
// row-major [n][d], with the labels.
func (run *Run) SplitOutputs(test bool, f func(...*tensors.Tensor) (*tensors.Tensor, error)) (outs []float64, d int, labels []int, err error) {
	src := run.Data.TrainImages
	if test {
		src = run.Data.TestImages
	}
	if src == nil {
		return nil, 0, nil, fmt.Errorf("experiment: the run has no image data")
	}
	l, err := datasets.NewImageLoader("features", src, datasets.LoaderConfig{BatchSize: min(250, src.Len()), Mean: run.Data.Info.Mean, Std: run.Data.Info.Std})
	if err != nil {
		return nil, 0, nil, err
	}
	for b, err := range l.Iter() {
		if err != nil {
			return nil, 0, nil, err
		}
		out, err := f(b.Inputs...)
		if err != nil {
			return nil, 0, nil, err
		}
		dims := out.Shape().Dimensions
		if len(dims) != 2 {
			return nil, 0, nil, fmt.Errorf("experiment: outputs of shape %v, want [batch d]", dims)
		}
		d = dims[1]
		for _, v := range tensors.MustCopyFlatData[float32](out) {
			outs = append(outs, float64(v))
		}
		for _, y := range tensors.MustCopyFlatData[int32](b.Labels[0]) {
			labels = append(labels, int(y))
		}
		out.MustFinalizeAll()
		b.Finalize()
	}
	return outs, d, labels, nil
}

// secondStage applies Config.Stage2 to the trained network and returns the evaluation after it:
// the classifier it fits on the frozen features of the (un-augmented) training images is written
// into the linear head.
func (run *Run) secondStage() (metrics.Result, error) {
	r := run.cfg
	fit := map[string]func(x []float64, d int, labels []int) (probe.Classifier, error){
		record.Stage2MiSLAS: run.misLAS, record.Stage2WB: run.weightBalancing,
	}[r.Stage2]
	if fit == nil {
		return metrics.Result{}, fmt.Errorf("experiment: unknown second stage %q", r.Stage2)
	}
	x, d, labels, err := run.SplitOutputs(false, run.Features)
	if err != nil {
		return metrics.Result{}, fmt.Errorf("%s stage 2: %w", r.Stage2, err)
	}
	m, err := fit(x, d, labels)
	if err != nil {
		return metrics.Result{}, fmt.Errorf("%s stage 2: %w", r.Stage2, err)
	}
	if err := run.SetLinearHead(m); err != nil {
		return metrics.Result{}, err
	}
	return run.Evaluate()
}

// misLAS is MiSLAS's second stage as the authors' code runs it (probe.AuthorsMiSLAS): the
// trained classifier and a per-class scale fine-tuned for 10 epochs of SGD with class-aware
// sampling and label-aware smoothing (SmoothHead → SmoothTail), the classifier's learning rate
// at the factor of stage2.MiSLASSettings. Two differences from their code: the features are frozen
// evaluation-mode features of the un-augmented training images (they run the backbone in
// evaluation mode on augmented images, and on CIFAR-100 let its batch norm re-estimate its
// statistics: shift_bn), and the last epoch is kept (they keep the epoch of best test accuracy).
func (run *Run) misLAS(x []float64, d int, labels []int) (probe.Classifier, error) {
	r := run.cfg
	head, err := run.LinearHead()
	if err != nil {
		return probe.Classifier{}, err
	}
	eps, err := probe.LASSmoothing(run.Result.Data.TrainCounts, r.SmoothHead, r.SmoothTail)
	if err != nil {
		return probe.Classifier{}, err
	}
	c, scales, err := stage2.MiSLAS(r.Dataset, r.ImbFactor, r.Seed).Run(head, x, labels, eps)
	run.stage2Note = fmt.Sprintf("class scales %.3f", scales)
	return c, err
}

// weightBalancing is weight balancing's second stage (stage2.WeightBalancing) on the frozen
// evaluation-mode features of the un-augmented training images (the authors' code runs the frozen
// backbone in training mode on augmented images); the last epoch is kept (they keep the epoch of
// best test accuracy).
func (run *Run) weightBalancing(x []float64, d int, labels []int) (probe.Classifier, error) {
	head, err := run.LinearHead()
	if err != nil {
		return probe.Classifier{}, err
	}
	c, _, err := stage2.WeightBalancing(head, stage2.Features{X: x, D: d, Labels: labels}, run.Result.Data.TrainCounts, run.cfg.Seed)
	return c, err
}
