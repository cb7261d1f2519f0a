package lab

import (
	"fmt"
	"strings"

	"gonum.org/v1/plot"

	"github.com/ldamlab/ldamlab/figures"
	"github.com/ldamlab/ldamlab/ldam/registry"
)

// CommittedRun is a finished run committed to the repository's results/, with its place in a
// table of the paper (registry.Finished).
type CommittedRun = registry.Finished

// Committed returns the finished runs of the given cells of a table that are committed under
// results/<preset>/ of the repository root (not $LDAMLAB_OUT: committed results are the
// repository's), for one seed (registry.FinishedRuns); cells not run yet are left out.
func Committed(preset, table, column string, methods []string, seed uint64) ([]CommittedRun, error) {
	root, err := Root()
	if err != nil {
		return nil, err
	}
	return registry.FinishedRuns(root, preset, table, column, methods, seed)
}

// CommittedTable compares committed runs with the paper: balanced error, many/medium/few-shot
// error, the paper's number for the cell and its schedule.
func CommittedTable(runs []CommittedRun) Table {
	t := Table{Header: []string{"method", "ours: balanced error (%)", "many / medium / few-shot (%)", "paper (%), its full schedule", "ours: preset, epochs, seed, backend, data"}}
	for _, c := range runs {
		r, f := c.Result, c.Result.Final
		p := "–"
		if c.Paper > 0 {
			p = fmt.Sprintf("%.2f", c.Paper)
		}
		t.Rows = append(t.Rows, []string{c.Method, fmt.Sprintf("%.2f", 100*f.Top1Error), pct(f.ManyShotError) + " / " + pct(f.MediumShotError) + " / " + pct(f.FewShotError),
			p, provenance(r)})
	}
	return t
}

// SeedsTable compares the given cells of a table with the paper over every finished seed
// committed under results/<preset>/: balanced error and many/medium/few-shot error as
// mean ± sample std (n seeds; "± –" for one), the paper's number, the seeds, and the
// backends and data of the runs. Cells with no finished seed say "not run".
func SeedsTable(preset, table, column string, methods []string) (Table, error) {
	root, err := Root()
	if err != nil {
		return Table{}, err
	}
	t, err := registry.Grid(table)
	if err != nil {
		return Table{}, err
	}
	out := Table{Header: []string{"method", "ours: balanced error (%), mean ± std (n)", "many / medium / few-shot (%)", "paper (%)", "seeds; backend; data"}}
	for _, m := range methods {
		cell, err := registry.Cell(t.Name, m, column)
		if err != nil {
			return Table{}, err
		}
		ours, err := cell.Read(root, preset)
		if err != nil {
			return Table{}, err
		}
		p := "–"
		if v, ok := t.Value(m, column); ok {
			p = fmt.Sprintf("%.2f", v)
		}
		if len(ours.Values) == 0 {
			out.Rows = append(out.Rows, []string{m, "not run", "", p, ""})
			continue
		}
		seeds := make([]string, len(ours.Seeds))
		for i, sd := range ours.Seeds {
			seeds[i] = fmt.Sprint(sd)
		}
		out.Rows = append(out.Rows, []string{m, fmt.Sprintf("%s (%d)", registry.MeanStd(ours.Values, 2), len(ours.Values)),
			registry.MeanStd(ours.Many, 1) + " / " + registry.MeanStd(ours.Medium, 1) + " / " + registry.MeanStd(ours.Few, 1), p,
			"seeds " + strings.Join(seeds, ", ") + "; " + ours.Provenance()})
	}
	return out, nil
}

// CommittedFigures draws the committed runs' learning curves (Fig. 3 style, the re-balancing
// switch marked) and their per-class test errors (Fig. 2 style).
func CommittedFigures(runs []CommittedRun) (curves, perClass *plot.Plot, err error) {
	if len(runs) == 0 {
		return nil, nil, fmt.Errorf("lab: no committed runs to draw")
	}
	var cs []figures.Curve
	var series []figures.Series
	switchEpoch := -1
	for _, c := range runs {
		cs = append(cs, Curve(c.Method, c.Result))
		series = append(series, figures.Series{Name: c.Method, Values: c.Result.Final.PerClassError})
		if rule := c.Result.Config.TrainRule; rule == "DRW" || rule == "DRS" {
			switchEpoch = c.Result.Preset.DeferEpoch
		}
	}
	r := runs[0].Result
	title := fmt.Sprintf("%s %s (%s preset)", r.Data.Name, runs[0].Column, r.Preset.Name)
	if curves, err = figures.LearningCurves(title+": balanced test and training error", cs, switchEpoch); err != nil {
		return nil, nil, err
	}
	perClass, err = figures.PerClassBars(title+": per-class test error", shortClassNames(r.Data.Classes), series)
	return curves, perClass, err
}
