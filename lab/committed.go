package lab

import (
	"fmt"
	"strings"

	"github.com/ldamlab/ldamlab/ldam/registry"
	"github.com/ldamlab/ldamlab/tables"
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

// SeedsTable compares the given cells of a table with the paper over every finished seed
// committed under results/<preset>/: balanced error and many/medium/few-shot error as
// mean ± sample std (n seeds; "± –" for one), the paper's number, the seeds, and the
// backends and data of the runs. Cells with no finished seed say "not run".
func SeedsTable(preset, table, column string, methods []string) (tables.Table, error) {
	root, err := Root()
	if err != nil {
		return tables.Table{}, err
	}
	t, err := registry.Grid(table)
	if err != nil {
		return tables.Table{}, err
	}
	out := tables.Table{Header: []string{"method", "ours: balanced error (%), mean ± std (n)", "many / medium / few-shot (%)", "paper (%)", "seeds; backend; data"}}
	for _, m := range methods {
		cell, err := registry.Cell(t.Name, m, column)
		if err != nil {
			return tables.Table{}, err
		}
		ours, err := cell.Read(root, preset)
		if err != nil {
			return tables.Table{}, err
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

// LongestSchedule is the preset whose committed runs a notebook draws for the given cells of a
// table: "paper" (the paper's 200-epoch schedule) once every method has a finished committed
// run there for the seed, else "lite" (that schedule on 20 epochs).
func LongestSchedule(table, column string, methods []string, seed uint64) (string, error) {
	runs, err := Committed("paper", table, column, methods, seed)
	if err != nil {
		return "", err
	}
	if len(methods) > 0 && len(runs) == len(methods) {
		return "paper", nil
	}
	return "lite", nil
}
