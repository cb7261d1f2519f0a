package lab

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ldamlab/ldamlab/figures"
	"github.com/ldamlab/ldamlab/ldam/analysis"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/record"
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

// Fig5Name is the run directory of a method of Fig. 5 under results/<preset>/.
func Fig5Name(m Method) string { return fmt.Sprintf("fig5-fashion-mnist-step100-%s", slugName(m.Name)) }

// Fig5Features returns the normalized 3-d training features ((a)–(d)) and test features
// ((e)–(h)) of the four methods of Fig. 5, the classes and the runs' results: from the
// committed runs of committedPreset (results/<committedPreset>/fig5-…) when all four are
// finished there, else from runs trained (or loaded when finished) in the notebook preset.
func Fig5Features(committedPreset string, seed uint64) ([]figures.SpherePanel, []string, []*experiment.Result, error) {
	runs, err := committedFig5(committedPreset, seed)
	if err != nil {
		return nil, nil, nil, err
	}
	if runs == nil {
		for _, m := range Fig5Methods {
			cfg := fig5Config(m)
			cfg.Seed = seed
			run, err := RunModel(Fig5Name(m), cfg)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("%s: %w", m.Name, err)
			}
			runs = append(runs, run)
		}
	}
	panels := make([]figures.SpherePanel, 2*len(Fig5Methods))
	var results []*experiment.Result
	var classes []string
	for i, m := range Fig5Methods {
		run := runs[i]
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

// committedFig5 reopens the four runs of Fig. 5 committed in preset for the seed, or returns
// nil when one of them is not finished there.
func committedFig5(preset string, seed uint64) ([]*experiment.Run, error) {
	root, err := Root()
	if err != nil {
		return nil, err
	}
	var runs []*experiment.Run
	for _, m := range Fig5Methods {
		dir := filepath.Join(root, "results", preset, Fig5Name(m))
		r, err := record.ReadResult(filepath.Join(dir, record.ResultsFile))
		if errors.Is(err, os.ErrNotExist) || err == nil && (!r.Done || r.Config.Seed != seed) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		run, _, err := experiment.Open(dir, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.Name, err)
		}
		runs = append(runs, run)
	}
	return runs, nil
}

// slugName is a name in lower case with hyphens for spaces: "LDAM" → "ldam".
func slugName(s string) string { return strings.ReplaceAll(strings.ToLower(s), " ", "-") }
