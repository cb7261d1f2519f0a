// Package lab holds what the notebooks do, so that notebooks stay thin and tests reach every
// line: the preset a notebook runs in, the repository's results/ and figures/ folders, running
// an experiment or loading its full-preset result, live plots and figure display in GoNB.
package lab

import (
	"errors"
	"fmt"
	"html"
	"os"
	"path/filepath"

	"github.com/janpfeifer/gonb/gonbui"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/ldamlab/ldamlab/figures"
	"github.com/ldamlab/ldamlab/lab/env"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/record"
)

// The environment variables of the notebooks (package env).
const (
	EnvPreset = env.Preset
	EnvRoot   = env.Root
	EnvOut    = env.Out
)

// Preset returns the notebook preset: $LDAMLAB_PRESET, "quick" by default.
func Preset() (string, error) { return env.PresetName() }

// Root returns the repository root: $LDAMLAB_ROOT, or the nearest parent of the working
// directory whose go.mod declares module github.com/ldamlab/ldamlab.
func Root() (string, error) { return env.RootDir() }

// resultsDir is results/<preset>/<name> under the repository root (or $LDAMLAB_OUT).
func resultsDir(preset, name string) (string, error) {
	root, err := env.OutDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "results", preset, name), nil
}

// RunOrLoad returns the result of experiment `name`: the committed full run
// (results/paper/<name>/results.json) when it exists and is complete; else the run in the
// notebook preset, loaded from results/<preset>/<name> when it is complete with the same
// configuration, and otherwise trained there (resuming an interrupted run). A loaded run is
// passed once to cfg.OnEpoch, so a live plot shows its final state.
func RunOrLoad(name string, cfg experiment.Config) (*experiment.Result, error) {
	preset, err := Preset()
	if err != nil {
		return nil, err
	}
	// A loaded run still shows its final state where the live plot would be.
	loaded := func(r *experiment.Result) (*experiment.Result, error) {
		if cfg.OnEpoch != nil {
			cfg.OnEpoch(r)
		}
		return r, nil
	}
	if full, err := resultsDir("paper", name); err == nil {
		if r, err := record.ReadResult(filepath.Join(full, record.ResultsFile)); err == nil && r.Done {
			return loaded(r)
		}
	}
	cfg, done, err := presetRun(preset, name, cfg)
	if err != nil {
		return nil, err
	}
	if done != nil {
		return loaded(done)
	}
	return experiment.Train(cfg)
}

// TrainLive trains experiment `name` in the notebook preset from scratch, whatever results/
// holds, in a temporary directory removed afterwards: the live run a notebook offers beside the
// committed one that RunOrLoad loads. cfg.OnEpoch sees every epoch.
func TrainLive(name string, cfg experiment.Config) (*experiment.Result, error) {
	preset, err := Preset()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "ldamlab-live-"+name+"-")
	if err != nil {
		return nil, fmt.Errorf("lab: a directory for the live run: %w", err)
	}
	defer os.RemoveAll(dir)
	cfg.Preset, cfg.Out, cfg.Resume = preset, dir, false
	return experiment.Train(cfg)
}

// presetRun points cfg at results/<preset>/<name>, resuming there, and returns the finished
// result found there for the same configuration, if any; a run of another configuration in
// that directory, or of the same on images chosen by the earlier selection, is removed, so the
// next training starts afresh.
func presetRun(preset, name string, cfg experiment.Config) (experiment.Config, *experiment.Result, error) {
	dir, err := resultsDir(preset, name)
	if err != nil {
		return cfg, nil, err
	}
	cfg.Preset, cfg.Out, cfg.Resume = preset, dir, true
	r, err := record.ReadResult(filepath.Join(dir, record.ResultsFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
		return cfg, nil, nil
	case err != nil:
		return cfg, nil, err
	case !experiment.SameRun(r.Config, cfg) || record.StaleSelection(r):
		// Another configuration, or the same on images chosen by the earlier selection.
		return cfg, nil, os.RemoveAll(dir)
	case r.Done:
		return cfg, r, nil
	}
	return cfg, nil, nil
}

// LivePlot returns an experiment.Config.OnEpoch callback that redraws the learning curves and
// the per-class error after every epoch, each in one image output updated in place, so the
// saved notebook keeps the last drawing.
func LivePlot(name string) func(*experiment.Result) {
	ids := []string{"ldamlab-live-" + gonbui.UniqueId(), "ldamlab-live-" + gonbui.UniqueId()}
	return func(r *experiment.Result) {
		figs, err := ProgressFigures(name, r)
		if err != nil {
			gonbui.UpdateHTML(ids[0], "<pre>"+html.EscapeString(err.Error())+"</pre>")
			return
		}
		for i, f := range figs {
			update(ids[i], f)
		}
	}
}

// ProgressFigures renders the live plots of a partial result: the learning curves and, once an
// epoch has been evaluated, the per-class test error.
func ProgressFigures(name string, r *experiment.Result) ([]Figure, error) {
	curves, perClass, err := figures.Progress(name, r)
	if err != nil {
		return nil, err
	}
	var figs []Figure
	for _, p := range []*plot.Plot{curves, perClass} {
		if p == nil {
			continue
		}
		f, err := Render(p, 6*vg.Inch, 3.5*vg.Inch)
		if err != nil {
			return nil, err
		}
		figs = append(figs, f)
	}
	return figs, nil
}

// StartHereName is the run of 00-start-here.ipynb.
const StartHereName = "cifar10-lt100-ldam-drw"

// StartHereConfig is the first run of 00-start-here.ipynb: LDAM-DRW on CIFAR-10-LT, ρ = 100,
// ResNet-32, in the notebook preset.
func StartHereConfig() experiment.Config {
	return experiment.Config{Dataset: "cifar10", ImbType: "exp", ImbFactor: 0.01, LossType: "LDAM", TrainRule: "DRW"}
}

// StartHereFigures draws the figures of 00-start-here from its result: the training class
// histogram (as Fig. 4b), the learning curves with the DRW switch (as Fig. 3), and the
// per-class test error (as Fig. 2), each saved under figures/ with the given prefix. It
// returns the files' paths relative to the repository root.
func StartHereFigures(prefix string, r *experiment.Result) ([]string, error) {
	var files []string
	hist, err := figures.ClassHistogram(fmt.Sprintf("%s training set (%s)", r.Data.Name, r.Preset.Name), r.Data.TrainCounts, figures.ShortClassNames(r.Data.Classes))
	if err != nil {
		return nil, err
	}
	curves, perClass, err := figures.Progress("LDAM-DRW", r)
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		p    *plot.Plot
		name string
	}{{hist, "class-counts"}, {curves, "learning-curves"}, {perClass, "per-class-error"}} {
		if f.p == nil {
			continue
		}
		file, err := SaveFigure(f.p, prefix+"-"+f.name)
		if err != nil {
			return nil, err
		}
		files = append(files, file)
	}
	return files, nil
}
