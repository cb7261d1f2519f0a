package lab

import (
	"fmt"
	"strings"

	"github.com/ldamlab/ldamlab/ldam/analysis"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/paper"
	"github.com/ldamlab/ldamlab/ldam/registry"
)

// Section 4 on CIFAR (06-cifar.ipynb): Tables 2 and 5, Fig. 2 and Fig. 3.

// quickPerClass caps the head class of the section-4 notebooks' runs in the quick preset (200
// images; ρ is kept, so a CIFAR-10 tail class keeps 2): each run then takes about a minute on 2
// cores, so a notebook can train the three or four methods it compares. Fig. 6's first stages
// use the same cap, and Fig. 2 continues them.
const quickPerClass = fig6QuickPerClass

// sectionCap is the head-class cap of the section-4 runs in the notebook preset: quickPerClass
// for CIFAR in quick, none otherwise (the other datasets' quick presets have caps of their own).
func sectionCap(dataset string) (int, error) {
	preset, err := Preset()
	if err != nil || preset != "quick" || !strings.HasPrefix(dataset, "cifar") {
		return 0, err
	}
	return quickPerClass, nil
}

// SectionRuns returns the finished runs of a table's cells for one column: the committed runs of
// committedPreset (results/<preset>/…) when every method has one for the seed, else runs trained
// (or loaded when finished) in the notebook preset (trainCells, with quickPerClass in quick). No
// network is kept in memory: a section trains its runs one after the other in one process.
func SectionRuns(committedPreset string, sel paper.Selection, seed uint64) ([]CommittedRun, error) {
	runs, _, err := sectionRuns(committedPreset, sel, seed, false)
	return runs, err
}

// SectionModels is [SectionRuns] with the trained networks, reopened from their last checkpoints
// (Fig. 2 measures their training error).
func SectionModels(committedPreset string, sel paper.Selection, seed uint64) ([]CommittedRun, []*experiment.Run, error) {
	return sectionRuns(committedPreset, sel, seed, true)
}

func sectionRuns(committedPreset string, sel paper.Selection, seed uint64, models bool) ([]CommittedRun, []*experiment.Run, error) {
	table, column, methods := sel.Table, sel.Column, sel.Methods
	committed, err := Committed(committedPreset, table, column, methods, seed)
	if err != nil {
		return nil, nil, err
	}
	if len(committed) == len(methods) {
		if !models {
			return committed, nil, nil
		}
		dirs, err := runDirs(committedPreset, sel, committed, seed)
		if err != nil {
			return nil, nil, err
		}
		var runs []*experiment.Run
		for i, dir := range dirs {
			run, _, err := experiment.Open(dir, nil)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", committed[i].Method, err)
			}
			runs = append(runs, run)
		}
		return committed, runs, nil
	}
	if len(methods) == 0 {
		return nil, nil, fmt.Errorf("lab: no methods to run")
	}
	first, err := registry.Cell(table, methods[0], column)
	if err != nil {
		return nil, nil, err
	}
	limit, err := sectionCap(first.Setting.Dataset)
	if err != nil {
		return nil, nil, err
	}
	return trainCells(table, column, methods, seed, limit, models)
}

// SectionTrainErrors returns the runs of [SectionRuns] with each network's per-class error on
// its own training split (Fig. 2's "train err", analysis.PerClassTrainError): for committed runs
// measured once and stored beside each run (analysis.PerClassTrainErrorOfRun), for runs trained
// here measured on the networks in memory.
func SectionTrainErrors(committedPreset string, sel paper.Selection, seed uint64) ([]CommittedRun, [][]float64, error) {
	committed, err := Committed(committedPreset, sel.Table, sel.Column, sel.Methods, seed)
	if err != nil {
		return nil, nil, err
	}
	errs := make([][]float64, len(sel.Methods))
	if len(committed) == len(sel.Methods) {
		dirs, err := runDirs(committedPreset, sel, committed, seed)
		if err != nil {
			return nil, nil, err
		}
		for i, dir := range dirs {
			if errs[i], err = analysis.PerClassTrainErrorOfRun(dir); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", committed[i].Method, err)
			}
		}
		return committed, errs, nil
	}
	runs, models, err := SectionModels(committedPreset, sel, seed)
	if err != nil {
		return nil, nil, err
	}
	for i, m := range models {
		if errs[i], err = analysis.PerClassTrainError(m); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", runs[i].Method, err)
		}
	}
	return runs, errs, nil
}

// runDirs are the run directories of the committed runs of a selection for one seed.
func runDirs(preset string, sel paper.Selection, committed []CommittedRun, seed uint64) ([]string, error) {
	root, err := Root()
	if err != nil {
		return nil, err
	}
	dirs := make([]string, len(committed))
	for i, c := range committed {
		cell, err := registry.Cell(sel.Table, c.Method, sel.Column)
		if err != nil {
			return nil, err
		}
		dirs[i] = cell.Dir(root, preset, seed)
	}
	return dirs, nil
}
