package lab

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/stat"

	"github.com/ldamlab/ldamlab/ldam/balance"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/losses"
	"github.com/ldamlab/ldamlab/ldam/metrics"
	"github.com/ldamlab/ldamlab/ldam/probe"
	"github.com/ldamlab/ldamlab/ldam/registry"
)

// Beyond the paper (10-beyond-ldam.ipynb): second stages applied to a network trained with
// plain cross-entropy — post-hoc logit adjustment (Menon et al.), τ-normalization, cRT, LWS
// (Kang et al.), weight balancing's (Alshammari et al.) and MiSLAS's (Zhong et al.) classifier
// stages — each scored on the balanced test set.

// SecondStage is one post-training method's balanced test error on a trained run, and the
// norms ‖w_j‖ of the class vectors of the classifier it scores with.
type SecondStage struct {
	Method string
	Result metrics.Result
	Norms  []float64
}

// SecondStages applies the post-training methods to a cross-entropy run: its own classifier,
// post-hoc logit adjustment (τ = 1), τ-normalization (τ = 1), cRT, LWS and weight balancing's
// classifier stage (the trained head fine-tuned as its authors do, probe.AuthorsMaxNorm, with
// class-balanced weights of β = experiment.WBBeta) and, as an ablation, the same stage without
// its weight decay of 0.1, and MiSLAS's classifier stage (the trained head and a per-class scale
// fine-tuned with class-aware sampling and label-aware smoothing as its authors do,
// probe.AuthorsMiSLAS with experiment.MiSLASSettings) and, as an ablation, the same without
// smoothing, fitted on the frozen training features and scored on the test set. lambda is the
// L2 penalty of cRT's classifier.
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
	score := func(method string, logits, norms []float64) (SecondStage, error) {
		acc := metrics.NewAccumulator(k)
		s := make([]float32, len(logits))
		for i, v := range logits {
			s[i] = float32(v)
		}
		if err := acc.Add(s, yTest); err != nil {
			return SecondStage{}, err
		}
		return SecondStage{Method: method, Result: acc.Result(counts), Norms: norms}, nil
	}
	var out []SecondStage
	add := func(method string, head probe.Classifier, logits []float64, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
		s, err := score(method, logits, head.RowNorms())
		if err != nil {
			return err
		}
		out = append(out, s)
		return nil
	}
	plain, err := c.Logits(xTest)
	if err := add("as trained", c, plain, err); err != nil {
		return nil, err
	}
	lp, err := losses.LogPriors(counts)
	if err != nil {
		return nil, err
	}
	adjusted, err := losses.PostHocAdjust(plain, lp, 1)
	if err := add("post-hoc logit adjustment (τ = 1)", c, adjusted, err); err != nil {
		return nil, err
	}
	tau := probe.TauNormalize(c, 1)
	tn, err := tau.Logits(xTest)
	if err := add("τ-normalization (τ = 1)", tau, tn, err); err != nil {
		return nil, err
	}
	crt, err := probe.CRT(xTrain, d, yTrain, k, lambda)
	if err != nil {
		return nil, fmt.Errorf("cRT: %w", err)
	}
	cl, err := crt.Logits(xTest)
	if err := add("cRT", crt.Classifier(), cl, err); err != nil {
		return nil, err
	}
	lws, _, err := probe.LWS(c, xTrain, yTrain)
	if err != nil {
		return nil, fmt.Errorf("LWS: %w", err)
	}
	ll, err := lws.Logits(xTest)
	if err := add("LWS", lws, ll, err); err != nil {
		return nil, err
	}
	cb, err := balance.ClassBalanced(counts, experiment.WBBeta)
	if err != nil {
		return nil, err
	}
	f := probe.AuthorsMaxNorm()
	f.Seed = run.Result.Config.Seed
	ablation := f
	ablation.WeightDecay = 0
	for _, s := range []struct {
		method string
		f      probe.MaxNormFineTune
	}{
		{"weight balancing, classifier stage (MaxNorm fine-tune)", f},
		{"the same without its weight decay (ablation)", ablation},
	} {
		wb, _, err := s.f.Run(c, xTrain, yTrain, cb)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.method, err)
		}
		wl, err := wb.Logits(xTest)
		if err := add(s.method, wb, wl, err); err != nil {
			return nil, err
		}
	}
	cfg := run.Result.Config
	head, tail, _ := experiment.MiSLASSettings(cfg.Dataset, cfg.ImbFactor)
	eps, err := probe.LASSmoothing(counts, head, tail)
	if err != nil {
		return nil, err
	}
	m := experiment.MiSLASStage(cfg.Dataset, cfg.ImbFactor, cfg.Seed)
	for _, s := range []struct {
		method string
		eps    []float64
	}{
		{fmt.Sprintf("MiSLAS's classifier stage (label-aware smoothing %g → %g)", head, tail), eps},
		{"the same without smoothing (ablation)", make([]float64, k)},
	} {
		las, _, err := m.Run(c, xTrain, yTrain, s.eps)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.method, err)
		}
		l, err := las.Logits(xTest)
		if err := add(s.method, las, l, err); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SecondStagesTable lists the methods' balanced and many/medium/few-shot errors and the range
// of their class-vector norms.
func SecondStagesTable(stages []SecondStage) Table {
	t := Table{Header: []string{"second stage on the frozen ERM network", "balanced error (%)", "many / medium / few-shot (%)", normsHeader}}
	for _, s := range stages {
		t.Rows = append(t.Rows, []string{s.Method, fmt.Sprintf("%.2f", 100*s.Result.Top1Error),
			pct(s.Result.ManyShotError) + " / " + pct(s.Result.MediumShotError) + " / " + pct(s.Result.FewShotError),
			normRange([]float64{floats.Min(s.Norms)}, []float64{floats.Max(s.Norms)})})
	}
	return t
}

// normsHeader heads the column of class-vector norms.
const normsHeader = "class-vector norms ‖w_j‖, min – max"

// normRange formats the means of the smallest and the largest class-vector norms (one of each
// per seed).
func normRange(lo, hi []float64) string {
	if len(lo) == 0 {
		return "–"
	}
	return fmt.Sprintf("%.3g – %.3g", stat.Mean(lo, nil), stat.Mean(hi, nil))
}

// SeedStages are the second stages of one seed's run.
type SeedStages struct {
	Seed    uint64
	Backend string
	Stages  []SecondStage
}

// SecondStagesOfRuns applies SecondStages to finished runs, one per directory (each restored
// from its final checkpoint: nothing is trained or written). A directory without a finished
// run is an error that names it.
func SecondStagesOfRuns(dirs []string, lambda float64) ([]SeedStages, error) {
	var out []SeedStages
	for _, dir := range dirs {
		run, r, err := experiment.Open(dir, nil)
		if r != nil && !r.Done {
			return nil, fmt.Errorf("lab: the run in %s has not finished; finish it (ldam sweep resumes it) or leave its seed out", dir)
		}
		if err != nil {
			return nil, err
		}
		stages, err := SecondStages(run, lambda)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", dir, err)
		}
		out = append(out, SeedStages{Seed: r.Config.Seed, Backend: r.Backend, Stages: stages})
	}
	return out, nil
}

// CommittedSecondStages applies SecondStages to the finished runs of one cell of a table
// committed under results/<preset>/ (as Committed finds them), for each of the seeds that has
// one; seeds not run yet are left out.
func CommittedSecondStages(preset, table, method, column string, seeds []uint64, lambda float64) ([]SeedStages, error) {
	root, err := Root()
	if err != nil {
		return nil, err
	}
	cell, err := registry.Cell(table, method, column)
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, seed := range seeds {
		dir := cell.Dir(root, preset, seed)
		r, err := experiment.ReadResult(filepath.Join(dir, experiment.ResultsFile))
		if errors.Is(err, os.ErrNotExist) || err == nil && !r.Done {
			continue
		}
		if err != nil {
			return nil, err
		}
		dirs = append(dirs, dir)
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("lab: no finished %s run of %s %s in results/%s for seeds %v; train them with ldam sweep --table %s --preset %s --methods %s", method, table, column, preset, seeds, table, preset, method)
	}
	return SecondStagesOfRuns(dirs, lambda)
}

// SecondStagesSeedsTable lists each second stage's balanced and many/medium/few-shot errors as
// mean ± sample std over the seeds (registry.MeanStd), the range of the class-vector norms (the
// seeds' means of the smallest and the largest), with the seeds and backends. Every seed must
// list the same stages in the same order (as SecondStages does).
func SecondStagesSeedsTable(runs []SeedStages) (Table, error) {
	t := Table{Header: []string{"second stage on the frozen ERM network", "balanced error (%), mean ± std (n)", "many / medium / few-shot (%)", normsHeader, "seeds; backends"}}
	if len(runs) == 0 {
		return t, fmt.Errorf("lab: no runs to tabulate")
	}
	var seeds, backends []string
	for _, r := range runs {
		if len(r.Stages) != len(runs[0].Stages) {
			return t, fmt.Errorf("lab: seed %d has %d second stages, seed %d %d", r.Seed, len(r.Stages), runs[0].Seed, len(runs[0].Stages))
		}
		seeds = append(seeds, fmt.Sprint(r.Seed))
		if !slices.Contains(backends, r.Backend) {
			backends = append(backends, r.Backend)
		}
	}
	for i, s := range runs[0].Stages {
		var bal, many, medium, few, lo, hi []float64
		for _, r := range runs {
			if r.Stages[i].Method != s.Method {
				return t, fmt.Errorf("lab: stage %d is %q for seed %d, %q for seed %d", i, r.Stages[i].Method, r.Seed, s.Method, runs[0].Seed)
			}
			res := r.Stages[i].Result
			bal = append(bal, 100*res.Top1Error)
			if n := r.Stages[i].Norms; len(n) > 0 {
				lo, hi = append(lo, floats.Min(n)), append(hi, floats.Max(n))
			}
			for _, g := range []struct {
				v   *float64
				out *[]float64
			}{{res.ManyShotError, &many}, {res.MediumShotError, &medium}, {res.FewShotError, &few}} {
				if g.v != nil {
					*g.out = append(*g.out, 100**g.v)
				}
			}
		}
		t.Rows = append(t.Rows, []string{s.Method, fmt.Sprintf("%s (%d)", registry.MeanStd(bal, 2), len(bal)),
			registry.MeanStd(many, 1) + " / " + registry.MeanStd(medium, 1) + " / " + registry.MeanStd(few, 1),
			normRange(lo, hi), "seeds " + strings.Join(seeds, ", ") + "; " + strings.Join(backends, ", ")})
	}
	return t, nil
}
