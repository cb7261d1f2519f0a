package figures

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ldamlab/ldamlab/ldam/analysis"
	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/registry"
	"gonum.org/v1/plot"
)

// Figures of finished runs: learning curves, per-class errors, Figs. 2, 3 and 6.

// runCurve returns the learning curve of a result for [LearningCurves].
func runCurve(name string, r *record.Result) Curve {
	c := Curve{Name: name}
	for _, e := range r.History {
		c.Epochs = append(c.Epochs, e.Epoch)
		c.TestError = append(c.TestError, e.Test.Top1Error)
		c.TrainError = append(c.TrainError, e.TrainError)
	}
	return c
}

// Progress returns the live learning-curve and per-class-error plots of a partial result.
func Progress(name string, r *record.Result) (curves, perClass *plot.Plot, err error) {
	switchEpoch := -1
	if r.Config.TrainRule == "DRW" || r.Config.TrainRule == "DRS" {
		switchEpoch = r.Preset.DeferEpoch
	}
	if curves, err = LearningCurves(name+": balanced test and training error", []Curve{runCurve(name, r)}, switchEpoch); err != nil {
		return nil, nil, err
	}
	if r.Final == nil {
		return curves, nil, nil
	}
	perClass, err = PerClassBars(name+": per-class test error", ShortClassNames(r.Data.Classes), []Series{{Name: name, Values: r.Final.PerClassError}})
	return curves, perClass, err
}

// ShortClassNames labels classes by index and up to six letters of their names ("3-cat").
func ShortClassNames(classes []string) []string {
	out := make([]string, len(classes))
	for i, c := range classes {
		if len(c) > 6 {
			c = c[:6]
		}
		out[i] = fmt.Sprintf("%d-%s", i, c)
	}
	return out
}

// Committed draws the committed runs' learning curves (Fig. 3 style, the re-balancing
// switch marked) and their per-class test errors (Fig. 2 style).
func Committed(runs []registry.Finished) (curves, perClass *plot.Plot, err error) {
	if len(runs) == 0 {
		return nil, nil, fmt.Errorf("figures: no committed runs to draw")
	}
	var cs []Curve
	var series []Series
	switchEpoch := -1
	for _, c := range runs {
		cs = append(cs, runCurve(c.Method, c.Result))
		series = append(series, Series{Name: c.Method, Values: c.Result.Final.PerClassError})
		if rule := c.Result.Config.TrainRule; rule == "DRW" || rule == "DRS" {
			switchEpoch = c.Result.Preset.DeferEpoch
		}
	}
	r := runs[0].Result
	title := fmt.Sprintf("%s %s (%s preset)", r.Data.Name, runs[0].Column, r.Preset.Name)
	if curves, err = LearningCurves(title+": balanced test and training error", cs, switchEpoch); err != nil {
		return nil, nil, err
	}
	perClass, err = PerClassBars(title+": per-class test error", ShortClassNames(r.Data.Classes), series)
	return curves, perClass, err
}

// Fig2 draws Figure 2: per-class error on the training split (left; trainErrors[i] is run i's,
// analysis.PerClassTrainError of its model) and the balanced test set (right) of each run, the
// classes in the order of their training counts.
func Fig2(runs []registry.Finished, trainErrors [][]float64) (*Panels, error) {
	if len(runs) == 0 || len(runs) != len(trainErrors) {
		return nil, fmt.Errorf("figures: Fig. 2 needs each run's training error (%d runs, %d training errors)", len(runs), len(trainErrors))
	}
	var train, test []Series
	for i, c := range runs {
		train = append(train, Series{Name: c.Method, Values: trainErrors[i]})
		test = append(test, Series{Name: c.Method, Values: c.Result.Final.PerClassError})
	}
	r := runs[0].Result
	classes := shotClassNames(r.Data.Classes, r.Data.TrainCounts)
	where := fmt.Sprintf("%s %s, %s", r.Data.Name, runs[0].Column, r.Preset.Name)
	left, err := PerClassBars("train err ("+where+")", classes, train)
	if err != nil {
		return nil, err
	}
	right, err := PerClassBars("val err ("+where+")", classes, test)
	if err != nil {
		return nil, err
	}
	return Row(fmt.Sprintf("Fig. 2: per-class error, %s, seed %d, %s", where, runs[0].Seed, backends(runs)), left, right), nil
}

// backends names the engines that computed the runs, each once ("Go Backend + onnxruntime").
func backends(runs []registry.Finished) string {
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
func Fig3(runs []registry.Finished) (*plot.Plot, error) {
	curves, _, err := Committed(runs)
	if err != nil {
		return nil, err
	}
	r := runs[0].Result
	curves.Title.Text = fmt.Sprintf("Fig. 3: %s %s, %s preset (%d epochs), seed %d, %s", r.Data.Name, runs[0].Column, r.Preset.Name, r.Preset.Epochs, runs[0].Seed, backends(runs))
	return curves, nil
}

// Fig6 draws Fig. 6: per-class error of the probes, classes labelled as the paper's axis
// (0-F … for frequent classes, 5-M … for the minority ones).
func Fig6(results []*analysis.ProbeResult) (*plot.Plot, error) {
	if len(results) == 0 {
		return nil, fmt.Errorf("figures: no probe results")
	}
	r0 := results[0]
	labels := make([]string, len(r0.Classes))
	top := 0
	for _, n := range r0.Counts {
		top = max(top, n)
	}
	for j, n := range r0.Counts {
		tag := "F"
		if 2*n < top {
			tag = "M"
		}
		labels[j] = fmt.Sprintf("%d-%s", j, tag)
	}
	var series []Series
	for _, r := range results {
		series = append(series, Series{Name: r.Method, Values: r.Errors})
	}
	return PerClassBars(fmt.Sprintf("Fig. 6: linear probe on stage-1 features, CIFAR-10 step ρ = 100 (%s, seed %d)", r0.Preset, r0.Seed), labels, series)
}
