package lab

import (
	"fmt"

	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/losses"
	"github.com/ldamlab/ldamlab/ldam/metrics"
	"github.com/ldamlab/ldamlab/ldam/probe"
)

// Beyond the paper (10-beyond-ldam.ipynb): second stages applied to a network trained with
// plain cross-entropy — post-hoc logit adjustment (Menon et al.), τ-normalization, cRT, LWS
// (Kang et al.) and weight balancing's classifier stage (Alshammari et al.) — each scored on the
// balanced test set.

// SecondStage is one post-training method's balanced test error on a trained run.
type SecondStage struct {
	Method string
	Result metrics.Result
}

// SecondStages applies the post-training methods to a cross-entropy run: its own classifier,
// post-hoc logit adjustment (τ = 1), τ-normalization (τ = 1), cRT, LWS and weight balancing's
// classifier stage (MaxNorm δ = the largest class-vector norm of the cRT classifier, halved:
// fixed in advance, not tuned), fitted on the frozen training features and scored on the test
// set. lambda is the L2 penalty of the re-trained classifiers.
func SecondStages(run *experiment.Run, lambda float64) ([]SecondStage, error) {
	c, err := run.LinearHead()
	if err != nil {
		return nil, err
	}
	xTrain, d, yTrain, err := Features(run, false)
	if err != nil {
		return nil, err
	}
	xTest, _, yTest, err := Features(run, true)
	if err != nil {
		return nil, err
	}
	k, counts := c.K, run.Result.Data.TrainCounts
	score := func(method string, logits []float64) (SecondStage, error) {
		acc := metrics.NewAccumulator(k)
		s := make([]float32, len(logits))
		for i, v := range logits {
			s[i] = float32(v)
		}
		if err := acc.Add(s, yTest); err != nil {
			return SecondStage{}, err
		}
		return SecondStage{Method: method, Result: acc.Result(counts)}, nil
	}
	var out []SecondStage
	add := func(method string, logits []float64, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
		s, err := score(method, logits)
		if err != nil {
			return err
		}
		out = append(out, s)
		return nil
	}
	plain, err := c.Logits(xTest)
	if err := add("as trained", plain, err); err != nil {
		return nil, err
	}
	lp, err := losses.LogPriors(counts)
	if err != nil {
		return nil, err
	}
	adjusted, err := losses.PostHocAdjust(plain, lp, 1)
	if err := add("post-hoc logit adjustment (τ = 1)", adjusted, err); err != nil {
		return nil, err
	}
	tn, err := probe.TauNormalize(c, 1).Logits(xTest)
	if err := add("τ-normalization (τ = 1)", tn, err); err != nil {
		return nil, err
	}
	crt, err := probe.CRT(xTrain, d, yTrain, k, lambda)
	if err != nil {
		return nil, fmt.Errorf("cRT: %w", err)
	}
	cl, err := crt.Logits(xTest)
	if err := add("cRT", cl, err); err != nil {
		return nil, err
	}
	lws, _, err := probe.LWS(c, xTrain, yTrain)
	if err != nil {
		return nil, fmt.Errorf("LWS: %w", err)
	}
	ll, err := lws.Logits(xTest)
	if err := add("LWS", ll, err); err != nil {
		return nil, err
	}
	top := 0.0
	for _, n := range crt.RowNorms() {
		top = max(top, n)
	}
	wb, err := probe.WeightBalancing(xTrain, d, yTrain, k, lambda, top/2, nil)
	if err != nil {
		return nil, fmt.Errorf("weight balancing: %w", err)
	}
	wl, err := wb.Logits(xTest)
	if err := add("weight balancing, classifier stage (MaxNorm)", wl, err); err != nil {
		return nil, err
	}
	return out, nil
}

// SecondStagesTable lists the methods' balanced and many/medium/few-shot errors.
func SecondStagesTable(stages []SecondStage) Table {
	t := Table{Header: []string{"second stage on the frozen ERM network", "balanced error (%)", "many / medium / few-shot (%)"}}
	for _, s := range stages {
		t.Rows = append(t.Rows, []string{s.Method, fmt.Sprintf("%.2f", 100*s.Result.Top1Error),
			pct(s.Result.ManyShotError) + " / " + pct(s.Result.MediumShotError) + " / " + pct(s.Result.FewShotError)})
	}
	return t
}
