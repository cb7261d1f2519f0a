package tables

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ldamlab/ldamlab/ldam/analysis"
	"github.com/ldamlab/ldamlab/ldam/registry"
	"github.com/ldamlab/ldamlab/ldam/stage2"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/stat"
)

// Beyond the paper (10-beyond-ldam.ipynb): the second stages of ldam/stage2 applied to finished
// cross-entropy runs.

// SecondStages lists the methods' balanced and many/medium/few-shot errors and the range
// of their class-vector norms.
func SecondStages(stages []stage2.Stage) Table {
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

// SecondStagesSeeds lists each second stage's balanced and many/medium/few-shot errors as
// mean ± sample std over the seeds (registry.MeanStd), the range of the class-vector norms (the
// seeds' means of the smallest and the largest), with the seeds and backends. Every seed must
// list the same stages in the same order (as analysis.SecondStages does).
func SecondStagesSeeds(runs []analysis.SeedStages) (Table, error) {
	t := Table{Header: []string{"second stage on the frozen ERM network", "balanced error (%), mean ± std (n)", "many / medium / few-shot (%)", normsHeader, "seeds; backends"}}
	if len(runs) == 0 {
		return t, fmt.Errorf("tables: no runs to tabulate")
	}
	var seeds, backends []string
	for _, r := range runs {
		if len(r.Stages) != len(runs[0].Stages) {
			return t, fmt.Errorf("tables: seed %d has %d second stages, seed %d %d", r.Seed, len(r.Stages), runs[0].Seed, len(runs[0].Stages))
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
				return t, fmt.Errorf("tables: stage %d is %q for seed %d, %q for seed %d", i, r.Stages[i].Method, r.Seed, s.Method, runs[0].Seed)
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
