package lab

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ldamlab/ldamlab/ldam/analysis"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/paper"
	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/registry"
)

// Section 3.3 of the paper (04-deferred-rebalancing.ipynb): Fig. 6, the linear probe on
// first-stage features that motivates deferring the re-balancing.

// Stage1Backbone returns the run of cfg in results/<notebook preset>/<name> with its
// first-stage weights: the run is trained up to T0 if it is not there yet (resuming an
// interrupted one), and its stage-1 checkpoint is loaded when it went further.
func Stage1Backbone(name string, cfg experiment.Config) (*experiment.Run, error) {
	preset, err := Preset()
	if err != nil {
		return nil, err
	}
	if cfg, _, err = presetRun(preset, name, cfg); err != nil {
		return nil, err
	}
	run, err := experiment.Prepare(cfg)
	if err != nil {
		return nil, err
	}
	t0 := run.Result.Preset.DeferEpoch
	switch done := len(run.Result.History); {
	case done < t0:
		return run, run.FitUntil(t0)
	case done == t0:
		return run, nil
	}
	return run, loadStage1(run, cfg.Out)
}

// loadStage1 loads the first-stage checkpoint of the run directory dir into run.
func loadStage1(run *experiment.Run, dir string) error {
	p := filepath.Join(dir, record.Stage1File)
	if _, err := os.Stat(p); err != nil {
		return fmt.Errorf("lab: %s has no first-stage checkpoint %s (the run went past T0 without one); delete the directory to retrain it", dir, record.Stage1File)
	}
	return run.LoadWeights(p)
}

// committedStage1 returns the directory of the committed run of a Table 2 cell
// (results/<preset>/table2/…) when it holds a stage-1 checkpoint, else "".
func committedStage1(preset, method string, seed uint64) (string, error) {
	root, err := Root()
	if err != nil {
		return "", err
	}
	cell, err := registry.Cell(paper.Fig6.Table, method, paper.Fig6.Column)
	if err != nil {
		return "", err
	}
	dir := cell.Dir(root, preset, seed)
	if _, err := os.Stat(filepath.Join(dir, record.Stage1File)); errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	return dir, nil
}

// openStage1 reopens the run in dir with its first-stage weights.
func openStage1(dir string, seed uint64) (*experiment.Run, error) {
	run, r, err := experiment.Open(dir, func(c *experiment.Config) { c.Out, c.Resume, c.Seed = "", false, seed })
	if err != nil {
		return nil, err
	}
	run.Result.History = r.History
	return run, loadStage1(run, dir)
}

// fig6QuickPerClass caps the frequent classes of Fig. 6's runs in the quick preset (200 images,
// so 2 for each rare class at ρ = 100): three first stages of 8 epochs then take a few minutes
// on 2 cores instead of a quarter of an hour at the quick preset's 500.
const fig6QuickPerClass = 200

// Fig6 probes the first-stage backbones of ERM, CB RS and CB RW on CIFAR-10 step ρ = 100: the
// committed runs of the given preset when all three hold a stage-1 checkpoint (lite), else
// runs trained to T0 in the notebook preset (results/<preset>/table2[-cap200]/…, CellDir; in the
// quick preset with fig6QuickPerClass images of each frequent class).
func Fig6(committedPreset string, seed uint64) ([]*analysis.ProbeResult, error) {
	var dirs []string
	for _, m := range paper.Fig6.Methods {
		dir, err := committedStage1(committedPreset, m, seed)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m, err)
		}
		if dir == "" {
			dirs = nil
			break
		}
		dirs = append(dirs, dir)
	}
	var out []*analysis.ProbeResult
	if dirs != nil {
		// The committed runs' probes are stored beside them (record.DerivedFile).
		for i, m := range paper.Fig6.Methods {
			r, err := analysis.LinearProbeOfStage1(m, dirs[i], seed, func() (*experiment.Run, error) { return openStage1(dirs[i], seed) })
			if err != nil {
				return nil, fmt.Errorf("%s: %w", m, err)
			}
			out = append(out, r)
		}
		return out, nil
	}
	preset, err := Preset()
	if err != nil {
		return nil, err
	}
	for _, m := range paper.Fig6.Methods {
		cell, err := registry.Cell(paper.Fig6.Table, m, paper.Fig6.Column)
		if err != nil {
			return nil, err
		}
		cfg := cell.Config
		cfg.Seed = seed
		limit := 0
		if preset == "quick" {
			limit = fig6QuickPerClass
		}
		cfg.MaxPerClass = limit
		// Where trainCells keeps the cell: Fig. 2 (06-cifar) continues these runs.
		run, err := Stage1Backbone(CellDir(cell, seed, limit), cfg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m, err)
		}
		r, err := analysis.LinearProbe(m, run, seed)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
