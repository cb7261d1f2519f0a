package lab

import (
	"fmt"
	"path/filepath"
	"slices"

	"github.com/ldamlab/ldamlab/figures"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/registry"
	"github.com/ldamlab/ldamlab/tables"
)

// Table cells trained in the notebook preset: what the section notebooks 05–09 run live beside
// the committed lite results.

// CellDir is where trainCells keeps a cell's run under results/<preset>/: the layout of
// `ldam sweep` (<table>/<run>/seed-<n>), with "-cap<N>" after the table when the run caps the
// head class below the preset's (so it never mixes with a sweep's run of the full preset).
func CellDir(cell registry.Run, seed uint64, maxPerClass int) string {
	table := cell.Table
	if maxPerClass > 0 {
		table += fmt.Sprintf("-cap%d", maxPerClass)
	}
	return filepath.Join(table, cell.Name, fmt.Sprintf("seed-%d", seed))
}

// trainCells trains, or loads when finished, the runs of a table's cells for one column in the
// notebook preset (RunModel: an interrupted run resumes), maxPerClass > 0 capping the head
// class. It returns the runs in the order of methods, with their models when keepModels is set
// (otherwise each network is let go once its run is done: a BiLSTM run holds about 3 GB).
func trainCells(table, column string, methods []string, seed uint64, maxPerClass int, keepModels bool) ([]CommittedRun, []*experiment.Run, error) {
	t, err := registry.Grid(table)
	if err != nil {
		return nil, nil, err
	}
	var out []CommittedRun
	var runs []*experiment.Run
	for _, m := range methods {
		cell, err := registry.Cell(t.Name, m, column)
		if err != nil {
			return nil, nil, err
		}
		cfg := cell.Config
		cfg.Seed = seed
		if maxPerClass > 0 {
			cfg.MaxPerClass = maxPerClass
		}
		p, _ := t.Value(m, column)
		if !keepModels {
			// Only the results: a finished run loads from its results.json alone (the committed
			// quick runs keep no checkpoint).
			r, err := RunOrLoad(CellDir(cell, seed, maxPerClass), cfg)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", m, err)
			}
			out = append(out, CommittedRun{Table: t.Name, Method: m, Column: column, Seed: seed, Paper: p, Result: r})
			continue
		}
		run, err := RunModel(CellDir(cell, seed, maxPerClass), cfg)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", m, err)
		}
		out = append(out, CommittedRun{Table: t.Name, Method: m, Column: column, Seed: seed, Paper: p, Result: run.Result})
		runs = append(runs, run)
	}
	return out, runs, nil
}

// PaperComparison is `ldam table` for the given columns of a table: for every method and
// column, the paper's number, the official recipe's PyTorch reference under the same protocol
// and ours as mean ± std over the finished seeds committed under results/<preset>/ of the
// repository, the differences, and the backend and data of our runs ("not run" where no seed
// has finished).
func PaperComparison(table, preset string, columns []string) (tables.Table, error) {
	return PaperComparisonOf(table, preset, columns, nil)
}

// PaperComparisonOf is [PaperComparison] restricted to the given methods (rows; all when nil),
// in the table's row order.
func PaperComparisonOf(table, preset string, columns, methods []string) (tables.Table, error) {
	root, err := Root()
	if err != nil {
		return tables.Table{}, err
	}
	comps, err := registry.Compare(root, table, preset)
	if err != nil {
		return tables.Table{}, err
	}
	var keep []registry.Comparison
	for _, c := range comps {
		if (len(columns) == 0 || slices.Contains(columns, c.Run.Column)) && (methods == nil || slices.Contains(methods, c.Run.Method)) {
			if c.HasPaper || len(c.Ours.Values) > 0 || len(c.Reference.Values) > 0 {
				keep = append(keep, c)
			}
		}
	}
	return tables.Table{Header: registry.Header, Rows: registry.Rows(keep)}, nil
}

// ReconciliationCurves draws, for the given methods of Table 2's column, the balanced test
// error by epoch of our committed runs (on the official image selection) and of the official
// recipe's PyTorch reference under the same preset, side by side (figures.Reconciliation);
// methods with no finished run on either side are left out.
func ReconciliationCurves(preset, column string, methods []string) (*figures.Panels, error) {
	root, err := Root()
	if err != nil {
		return nil, err
	}
	var rows []figures.ReconciledRow
	for _, m := range methods {
		cell, err := registry.Cell("table2", m, column)
		if err != nil {
			return nil, err
		}
		ours, err := cell.Results(root, preset, true)
		if err != nil {
			return nil, err
		}
		official, err := cell.Reference().Results(root, preset, false)
		if err != nil {
			return nil, err
		}
		if len(ours)+len(official) > 0 {
			rows = append(rows, figures.ReconciledRow{Method: m, Ours: ours, Official: official})
		}
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("lab: no finished run of %v in %s, %s preset, ours or the official recipe's", methods, column, preset)
	}
	return figures.Reconciliation(fmt.Sprintf("Ours and the official recipe, %s preset, %s: balanced test error by epoch", preset, column), rows)
}
