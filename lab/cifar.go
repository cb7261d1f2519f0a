package lab

import (
	"fmt"
	"slices"
	"strings"

	"gonum.org/v1/plot"

	"github.com/ldamlab/ldamlab/figures"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/paper"
	"github.com/ldamlab/ldamlab/ldam/registry"
)

// Section 4 on CIFAR (06-cifar.ipynb): Tables 2 and 5, Fig. 2 and Fig. 3.

// QuickPerClass caps the head class of the section-4 notebooks' runs in the quick preset (200
// images; ρ is kept, so a CIFAR-10 tail class keeps 2): each run then takes about a minute on 2
// cores, so a notebook can train the three or four methods it compares. Fig. 6's first stages
// use the same cap, and Fig. 2 continues them.
const QuickPerClass = Fig6QuickPerClass

// sectionCap is the head-class cap of the section-4 runs in the notebook preset: QuickPerClass
// for CIFAR in quick, none otherwise (the other datasets' quick presets have caps of their own).
func sectionCap(dataset string) (int, error) {
	preset, err := Preset()
	if err != nil || preset != "quick" || !strings.HasPrefix(dataset, "cifar") {
		return 0, err
	}
	return QuickPerClass, nil
}

// SectionRuns returns the finished runs of a table's cells for one column: the committed runs of
// committedPreset (results/<preset>/…) when every method has one for the seed, else runs trained
// (or loaded when finished) in the notebook preset (TrainCells, with QuickPerClass in quick). No
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
		root, err := Root()
		if err != nil {
			return nil, nil, err
		}
		var runs []*experiment.Run
		for _, c := range committed {
			cell, err := registry.Cell(table, c.Method, column)
			if err != nil {
				return nil, nil, err
			}
			run, _, err := experiment.Open(cell.Dir(root, committedPreset, seed), nil)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", c.Method, err)
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
	return TrainCells(table, column, methods, seed, limit, models)
}

// Fig2 draws Figure 2: per-class error on the training split (left) and the balanced test set
// (right) of each run, the classes in the order of their training counts.
func Fig2(runs []CommittedRun, models []*experiment.Run) (*figures.Panels, error) {
	if len(runs) == 0 || len(runs) != len(models) {
		return nil, fmt.Errorf("lab: Fig. 2 needs runs with their models (%d runs, %d models)", len(runs), len(models))
	}
	var train, test []figures.Series
	for i, c := range runs {
		e, err := PerClassTrainError(models[i])
		if err != nil {
			return nil, err
		}
		train = append(train, figures.Series{Name: c.Method, Values: e})
		test = append(test, figures.Series{Name: c.Method, Values: c.Result.Final.PerClassError})
	}
	r := runs[0].Result
	classes := shotClassNames(r.Data.Classes, r.Data.TrainCounts)
	where := fmt.Sprintf("%s %s, %s", r.Data.Name, runs[0].Column, r.Preset.Name)
	left, err := figures.PerClassBars("train err ("+where+")", classes, train)
	if err != nil {
		return nil, err
	}
	right, err := figures.PerClassBars("val err ("+where+")", classes, test)
	if err != nil {
		return nil, err
	}
	return figures.Row(fmt.Sprintf("Fig. 2: per-class error, %s, seed %d, %s", where, runs[0].Seed, backends(runs)), left, right), nil
}

// backends names the engines that computed the runs, each once ("Go Backend + onnxruntime").
func backends(runs []CommittedRun) string {
	var names []string
	for _, c := range runs {
		if !slices.Contains(names, c.Result.Backend) {
			names = append(names, c.Result.Backend)
		}
	}
	return strings.Join(names, " + ")
}

// shotClassNames labels classes as the paper's Fig. 2 does: the index and F (frequent, the
// largest training count) or M (minority).
func shotClassNames(classes []string, counts []int) []string {
	most := 0
	for _, n := range counts {
		most = max(most, n)
	}
	out := make([]string, len(classes))
	for j := range classes {
		tag := "M"
		if j < len(counts) && counts[j] == most {
			tag = "F"
		}
		out[j] = fmt.Sprintf("%d-%s", j, tag)
	}
	return out
}

// Fig3 draws Figure 3: the learning curves (balanced test error, solid; training error,
// dotted) of the runs, with the re-balancing switch of the deferred runs marked.
func Fig3(runs []CommittedRun) (*plot.Plot, error) {
	curves, _, err := CommittedFigures(runs)
	if err != nil {
		return nil, err
	}
	r := runs[0].Result
	curves.Title.Text = fmt.Sprintf("Fig. 3: %s %s, %s preset (%d epochs), seed %d, %s", r.Data.Name, runs[0].Column, r.Preset.Name, r.Preset.Epochs, runs[0].Seed, backends(runs))
	return curves, nil
}
