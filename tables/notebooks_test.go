package tables

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/lab/env"
	"github.com/ldamlab/ldamlab/ldam/analysis"
	"github.com/ldamlab/ldamlab/ldam/paper"
	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/registry"
)

// TestCommittedReadingsMatchResults: the readings that notebooks 00 and 06 print, as committed,
// are what CoreReading makes of the committed results now — a run committed without
// re-executing the notebooks fails here, so no reading goes stale.
func TestCommittedReadingsMatchResults(t *testing.T) {
	lite, err := CoreReading("..", "lite", "C10 LT 100")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"../notebooks/00-start-here.ipynb", "../notebooks/06-cifar.ipynb"} {
		want := lite
		if strings.Contains(f, "00-") && longest(t, "table2", "C10 LT 100", []string{"ERM", "LDAM-DRW"}) == "paper" {
			// Start-here reads the 200-epoch runs once ERM's and LDAM-DRW's are committed.
			if want, err = FullScheduleReading("..", "C10 LT 100"); err != nil {
				t.Fatal(err)
			}
		}
		cells, err := env.ReadNotebook(f)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, c := range cells {
			if c.Type != "code" || !strings.Contains(c.Source, `tables.CoreReading(root, "lite", "C10 LT 100")`) {
				continue
			}
			found = true
			if strings.TrimSpace(c.Text) != want {
				t.Errorf("%s: the committed reading\n%s\nis not what results/ says now\n%s\nre-execute the notebook (go run ./kernel run %s)", f, c.Text, want, strings.TrimPrefix(f, "../"))
			}
		}
		if !found {
			t.Errorf("%s has no cell printing the core rows' reading", f)
		}
	}
}

// longest is lab.LongestSchedule on the repository's results: "paper" when every method has a
// finished committed 200-epoch run for seed 0, else "lite".
func longest(t *testing.T, table, column string, methods []string) string {
	t.Helper()
	runs, err := registry.FinishedRuns("..", "paper", table, column, methods, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) == len(methods) {
		return "paper"
	}
	return "lite"
}

// section is what lab.SectionRuns shows for seed 0 without training: the committed runs of a
// selection at the paper's schedule or else in lite when every method has one, else the
// notebook's committed quick runs (results/quick/<table>[-cap<N>]/<run>/seed-0, N the quick
// preset's cap of CIFAR's head class).
func section(t *testing.T, sel paper.Selection, quickCap int) []registry.Finished {
	t.Helper()
	lite, err := registry.FinishedRuns("..", longest(t, sel.Table, sel.Column, sel.Methods), sel.Table, sel.Column, sel.Methods, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == len(sel.Methods) {
		return lite
	}
	grid, err := registry.Grid(sel.Table)
	if err != nil {
		t.Fatal(err)
	}
	table := sel.Table
	if quickCap > 0 {
		table += fmt.Sprintf("-cap%d", quickCap)
	}
	var out []registry.Finished
	for _, m := range sel.Methods {
		cell, err := registry.Cell(sel.Table, m, sel.Column)
		if err != nil {
			t.Fatal(err)
		}
		r, err := record.ReadResult(filepath.Join("..", "results", "quick", table, cell.Name, "seed-0", record.ResultsFile))
		if err != nil {
			t.Fatalf("%s: the notebook's quick run is not committed: %v", m, err)
		}
		p, _ := grid.Value(m, sel.Column)
		out = append(out, registry.Finished{Table: sel.Table, Method: m, Column: sel.Column, Seed: 0, Paper: p, Result: r})
	}
	return out
}

// TestCommittedRunReadingsMatchResults: every reading a notebook generates from committed
// results (the quick runs its cells load, the lite runs of the registry) is, in the committed
// notebook, what the reading function makes of results/ now.
func TestCommittedRunReadingsMatchResults(t *testing.T) {
	const cifarQuickCap = 200
	for _, tc := range []struct {
		notebook, marker string
		reading          func(t *testing.T) (string, error)
	}{
		{"05-imdb", "tables.RunsReading(runs, tables.Balanced)", func(t *testing.T) (string, error) {
			return RunsReading(section(t, paper.Table1Mean, 0), Balanced)
		}},
		{"09-imbalanced-test", "tables.RunsReading(runs, tables.OnTestSet)", func(t *testing.T) (string, error) {
			return RunsReading(section(t, paper.Table6LT100a, cifarQuickCap), OnTestSet)
		}},
		{"06-cifar", "lab.SectionRuns(preset, paper.Fig3, 0)", func(t *testing.T) (string, error) {
			return CurvesReading(section(t, paper.Fig3, cifarQuickCap))
		}},
		{"06-cifar", "lab.Committed(preset, \"table2\", paper.Fig3.Column, methods, 0)", func(t *testing.T) (string, error) {
			methods := []string{"ERM", "ERM-DRW", "ERM-DRS", "LDAM-DRW"}
			runs, err := registry.FinishedRuns("..", longest(t, "table2", paper.Fig3.Column, methods), "table2", paper.Fig3.Column, methods, 0)
			if err != nil {
				return "", err
			}
			return CurvesReading(runs)
		}},
		{"06-cifar", "tables.FullScheduleReading(root, \"C10 LT 100\")", func(t *testing.T) (string, error) {
			return FullScheduleReading("..", "C10 LT 100")
		}},
		{"06-cifar", "tables.ReconciliationReading(root, preset", func(t *testing.T) (string, error) {
			return ReconciliationReading("..", "quick", "C10 LT 100", []string{"ERM", "ERM-DRW", "LDAM", "LDAM-DRW"})
		}},
		{"06-cifar", "tables.ReconciliationReading(root, preset", func(t *testing.T) (string, error) {
			return ReconciliationReading("..", "lite", "C10 LT 100", []string{"ERM", "ERM-DRW", "LDAM", "LDAM-DRW"})
		}},
		{"10-beyond-ldam", "lab.CommittedSecondStages(\"lite\", \"table2\", \"ERM\", \"C10 LT 100\", []uint64{0, 1, 2}, 1e-3)", func(t *testing.T) (string, error) {
			// The second stages are stored beside the runs (record.DerivedFile): read, not recomputed.
			cell, err := registry.Cell("table2", "ERM", "C10 LT 100")
			if err != nil {
				return "", err
			}
			var dirs []string
			for seed := range uint64(3) {
				// As lab.CommittedSecondStages: the finished seeds (one being trained again is left out).
				dir := cell.Dir("..", "lite", seed)
				if r, err := record.ReadResult(filepath.Join(dir, record.ResultsFile)); err == nil && r.Done {
					dirs = append(dirs, dir)
				}
			}
			runs, err := analysis.SecondStagesOfRuns(dirs, 1e-3)
			if err != nil {
				return "", err
			}
			return SecondStagesReading(runs)
		}},
		{"10-beyond-ldam", "tables.SeedsReading(root, \"lite\", \"table2\"", func(t *testing.T) (string, error) {
			return SeedsReading("..", "lite", "table2", "C10 LT 100", []string{"ERM", "ERM-DRW", "ERM-DRS", "LDAM-DRW"}, "ERM")
		}},
		{"10-beyond-ldam", "tables.SeedsReading(root, \"lite\", \"beyond\"", func(t *testing.T) (string, error) {
			return SeedsReading("..", "lite", "beyond", "C10 LT 100", []string{"ERM", "LDAM-DRW", "LA", "BalancedSoftmax", "VS", "ERM-DRW-SAM", "LDAM-DRW-SAM", "MiSLAS", "LA-AM", "WB"}, "ERM")
		}},
	} {
		t.Run(tc.notebook, func(t *testing.T) {
			want, err := tc.reading(t)
			if err != nil {
				t.Fatal(err)
			}
			file := "../notebooks/" + tc.notebook + ".ipynb"
			cells, err := env.ReadNotebook(file)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, c := range cells {
				if c.Type != "code" || !strings.Contains(c.Source, tc.marker) {
					continue
				}
				found = true
				if !strings.Contains(c.Text, "Reading: "+want) {
					t.Errorf("%s: the committed output\n%s\nlacks the reading results/ gives now\n%s\nre-execute the notebook (go run ./kernel run notebooks/%s.ipynb)", tc.notebook, c.Text, want, tc.notebook)
				}
			}
			if !found {
				t.Errorf("%s has no cell with %q", tc.notebook, tc.marker)
			}
		})
	}
}
