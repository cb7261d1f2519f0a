package experiment

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ldamlab/ldamlab/ldam/metrics"
	"github.com/ldamlab/ldamlab/ldam/record"
)

// Restage re-runs the second stage (Config.Stage2) of a finished run from the network it kept
// before the stage (TrainedFile), with the stage as this build runs it: for when a stage's
// procedure changes after runs were trained. The run must be prepared with Resume from its
// directory. The trained network must score what the run recorded before its stage
// (Result.Stage1) on this backend, or nothing is changed: a different network or backend would
// re-fit other features. Result.Final, Best and the checkpoint are replaced (atomically); the
// history of the epochs stays. It returns the evaluation the run had after its stage before.
func (run *Run) Restage() (before metrics.Result, err error) {
	r, res := run.cfg, run.Result
	if r.Out != "" {
		lock, err := record.LockRun(r.Out)
		if err != nil {
			return before, err
		}
		defer lock.Unlock()
	}
	switch {
	case r.Stage2 == "":
		return before, fmt.Errorf("restage: the run in %s has no second stage (--stage2)", r.Out)
	case !res.Done || res.Final == nil || res.Stage1 == nil || len(res.History) == 0:
		return before, fmt.Errorf("restage: the run in %s is not finished (%d of %d epochs); finish it with ldam train --resume, which runs its second stage", r.Out, len(res.History), r.preset.Epochs)
	}
	p := filepath.Join(r.Out, record.TrainedFile)
	if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
		return before, fmt.Errorf("restage: %s has no %s (runs trained before 2026-12-03 did not keep the network before their second stage); re-run its last stage with ldam train --branch_from %s into a fresh --out", r.Out, record.TrainedFile, r.Out)
	}
	if err := run.LoadWeights(p); err != nil {
		return before, err
	}
	trained, err := run.Evaluate()
	if err != nil {
		return before, err
	}
	if trained.Top1Error != res.Stage1.Top1Error {
		return before, fmt.Errorf("restage: the network in %s scores %.4f here, the run recorded %.4f before its second stage: not the same network, or another backend or thread count (the run's: %s); nothing changed", p, trained.Top1Error, res.Stage1.Top1Error, res.Backend)
	}
	before = *res.Final
	after, err := run.secondStage()
	if err != nil {
		return before, err
	}
	res.Final, res.Best, res.BestEpoch = &after, nil, 0
	last := len(res.History) - 1
	for e, ep := range res.History {
		t := ep.Test
		if e == last {
			t = after
		}
		if res.Best == nil || t.Top1Error < res.Best.Top1Error {
			res.Best, res.BestEpoch = &t, e
		}
	}
	return before, run.save(len(res.History))
}

// Stage2Note is what the last second stage reported beside its evaluation (MiSLAS: the
// fitted class scales), or "".
func (run *Run) Stage2Note() string { return run.stage2Note }

// Open reopens the run in dir as its results.json describes it: the configuration it trained
// with, on the images it trained on (Config.EarlierSelection for a run made before the
// selection was the official code's), restored from its last checkpoint. edit, when not nil,
// changes the configuration first (another backend; Out = "" and Resume = false to rebuild the
// run without its checkpoint). It returns the run and its results as read; nothing is trained or
// written until the caller does.
func Open(dir string, edit func(*Config)) (*Run, *Result, error) {
	r, err := record.ReadResult(filepath.Join(dir, record.ResultsFile))
	if err != nil {
		return nil, nil, err
	}
	cfg := r.Config
	cfg.Out, cfg.Resume = dir, true
	cfg.EarlierSelection = record.StaleSelection(r)
	if edit != nil {
		edit(&cfg)
	}
	run, err := Prepare(cfg)
	if err != nil {
		return nil, r, fmt.Errorf("reopening %s: %w", dir, err)
	}
	return run, r, nil
}
