package lab

import (
	"fmt"
	"strings"

	"gonum.org/v1/plot"

	"github.com/ldamlab/ldamlab/figures"
	"github.com/ldamlab/ldamlab/ldam/analysis"
	"github.com/ldamlab/ldamlab/ldam/balance"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/schedule"
)

// Section 3.3 of the paper (04-deferred-rebalancing.ipynb): the feature sphere of Fig. 5.

// Method is a named training recipe: a loss and a train rule (the official flags).
type Method struct{ Name, Loss, Rule string }

// Fig5Methods are the four trainings of Fig. 5: ERM, re-sampling, re-weighting and LDAM.
var Fig5Methods = []Method{{"ERM", "CE", "None"}, {"re-sampling", "CE", "Resample"}, {"re-weighting", "CE", "Reweight"}, {"LDAM", "LDAM", "None"}}

// Fig5Config is one method of Fig. 5: Fashion-MNIST with step imbalance ρ = 100, μ = 0.5 (the
// paper uses MNIST, which needs a download; Debian packages Fashion-MNIST), the small CNN with
// a 3-d feature, seeded, in the notebook preset.
func Fig5Config(m Method) experiment.Config {
	return experiment.Config{Dataset: "fashion-mnist", ImbType: "step", ImbFactor: 0.01, LossType: m.Loss, TrainRule: m.Rule}
}

// RunModel is RunOrLoad for notebooks that need the trained model itself: it trains the run in
// results/<preset>/<name> (resuming an interrupted one; a finished one is restored from its
// checkpoint without training) and returns it.
func RunModel(name string, cfg experiment.Config) (*experiment.Run, error) {
	preset, err := Preset()
	if err != nil {
		return nil, err
	}
	cfg, _, err = presetRun(preset, name, cfg)
	if err != nil {
		return nil, err
	}
	run, err := experiment.Prepare(cfg)
	if err != nil {
		return nil, err
	}
	return run, run.Fit()
}

// Fig5Features trains (or loads) the four methods of Fig. 5 and returns their normalized 3-d
// training features ((a)–(d)) and test features ((e)–(h)), the classes and the runs' results.
func Fig5Features(seed uint64) ([]figures.SpherePanel, []string, []*experiment.Result, error) {
	panels := make([]figures.SpherePanel, 2*len(Fig5Methods))
	var results []*experiment.Result
	var classes []string
	for i, m := range Fig5Methods {
		cfg := Fig5Config(m)
		cfg.Seed = seed
		run, err := RunModel(fmt.Sprintf("fig5-fashion-mnist-step100-%s", slugName(m.Name)), cfg)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%s: %w", m.Name, err)
		}
		results = append(results, run.Result)
		classes = run.Data.Classes
		for r, test := range []bool{false, true} {
			f, y, err := analysis.SphereFeatures(run, test)
			if err != nil {
				return nil, nil, nil, err
			}
			split := "train"
			if test {
				split = "test"
			}
			k := len(Fig5Methods)*r + i
			panels[k] = figures.SpherePanel{Title: fmt.Sprintf("(%c) %s, %s", 'a'+k, m.Name, split), Features: f, Labels: y}
		}
	}
	return panels, classes, results, nil
}

// Fig5Title is the title of Figure 5's reproduction.
const Fig5Title = "Fig. 5: 3-d features of Fashion-MNIST, step ρ = 100, on the unit sphere"

// Fig5Figure draws Fig. 5's panels as sphere projections, in rows of four (training features
// on top, test features below).
func Fig5Figure(panels []figures.SpherePanel, classes []string) (*figures.Panels, error) {
	fig := &figures.Panels{Title: Fig5Title}
	for k, sp := range panels {
		p, err := figures.SpherePoints(sp.Title, sp.Features, sp.Labels, classes)
		if err != nil {
			return nil, err
		}
		p.Legend = plot.NewLegend() // one legend would not fit eight panels: classes by colour
		if k%4 == 0 {
			fig.Rows = append(fig.Rows, nil)
		}
		fig.Rows[len(fig.Rows)-1] = append(fig.Rows[len(fig.Rows)-1], p)
	}
	return fig, nil
}

// Fig5 trains (or loads) the four methods and draws Figure 5: their normalized 3-d training
// features (top row, (a)–(d)) and test features (bottom row, (e)–(h)) on the unit sphere.
func Fig5(seed uint64) (*figures.Panels, []*experiment.Result, error) {
	panels, classes, results, err := Fig5Features(seed)
	if err != nil {
		return nil, nil, err
	}
	fig, err := Fig5Figure(panels, classes)
	return fig, results, err
}

// slugName is a name in lower case with hyphens for spaces: "LDAM" → "ldam".
func slugName(s string) string { return strings.ReplaceAll(strings.ToLower(s), " ", "-") }

// DRWPlanTable is Algorithm 1 as the training runs it: for every epoch of a preset, the
// learning rate and, for the given rule, the class weights of the loss (the most frequent and
// the rarest class's) and the sampler (instance or class-balanced).
func DRWPlanTable(presetName, rule string, counts []int, beta float64) (Table, error) {
	p, err := schedule.Lookup(presetName)
	if err != nil {
		return Table{}, err
	}
	r, err := balance.ParseRule(rule)
	if err != nil {
		return Table{}, err
	}
	plan, err := balance.NewPlan(r, counts, beta, p.DeferEpoch)
	if err != nil {
		return Table{}, err
	}
	t := Table{Header: []string{"epoch", "learning rate", "stage", "weight of class 0", fmt.Sprintf("weight of class %d", len(counts)-1), "sampler"}}
	for e := range p.Epochs {
		w := plan.ClassWeights(e)
		stage := "1: plain training (lines 2–6)"
		if e >= p.DeferEpoch {
			stage = "2: re-balanced (lines 8–11)"
		}
		sampler := "instance (every example once)"
		if plan.Sampler(e).Kind == balance.Weighted {
			sampler = "class-balanced re-sampling"
		}
		t.Rows = append(t.Rows, []string{fmt.Sprint(e), fmt.Sprintf("%g", p.LR(e)), stage, fmt.Sprintf("%.3f", w[0]), fmt.Sprintf("%.3f", w[len(w)-1]), sampler})
	}
	return t, nil
}

// ResultsTable lists runs' final balanced test errors with many/medium/few-shot errors.
func ResultsTable(names []string, results []*experiment.Result) Table {
	t := Table{Header: []string{"method", "balanced test error (%)", "many / medium / few-shot error (%)", "preset, seed, backend"}}
	for i, r := range results {
		if r.Final == nil {
			continue
		}
		f := r.Final
		t.Rows = append(t.Rows, []string{names[i], fmt.Sprintf("%.2f", 100*f.Top1Error), pct(f.ManyShotError) + " / " + pct(f.MediumShotError) + " / " + pct(f.FewShotError),
			fmt.Sprintf("%s, seed %d, %s", r.Preset.Name, r.Config.Seed, r.Backend)})
	}
	return t
}
