package lab

import (
	"fmt"
	"strings"

	"github.com/ldamlab/ldamlab/figures"
	"github.com/ldamlab/ldamlab/ldam/analysis"
	"github.com/ldamlab/ldamlab/ldam/experiment"
)

// Section 3.3 of the paper (04-deferred-rebalancing.ipynb): the feature sphere of Fig. 5.

// Method is a named training recipe: a loss and a train rule (the official flags).
type Method struct{ Name, Loss, Rule string }

// Fig5Methods are the four trainings of Fig. 5: ERM, re-sampling, re-weighting and LDAM.
var Fig5Methods = []Method{{"ERM", "CE", "None"}, {"re-sampling", "CE", "Resample"}, {"re-weighting", "CE", "Reweight"}, {"LDAM", "LDAM", "None"}}

// fig5Config is one method of Fig. 5: Fashion-MNIST with step imbalance ρ = 100, μ = 0.5 (the
// paper uses MNIST, which needs a download; Debian packages Fashion-MNIST), the small CNN with
// a 3-d feature, seeded, in the notebook preset.
func fig5Config(m Method) experiment.Config {
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
		cfg := fig5Config(m)
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

// Fig5 trains (or loads) the four methods and draws Figure 5: their normalized 3-d training
// features (top row, (a)–(d)) and test features (bottom row, (e)–(h)) on the unit sphere.
func Fig5(seed uint64) (*figures.Panels, []*experiment.Result, error) {
	panels, classes, results, err := Fig5Features(seed)
	if err != nil {
		return nil, nil, err
	}
	fig, err := figures.Fig5(panels, classes)
	return fig, results, err
}

// slugName is a name in lower case with hyphens for spaces: "LDAM" → "ldam".
func slugName(s string) string { return strings.ReplaceAll(strings.ToLower(s), " ", "-") }
