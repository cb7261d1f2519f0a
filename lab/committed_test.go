package lab

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/datasets/catalog"
	"github.com/ldamlab/ldamlab/figures"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/metrics"
	"github.com/ldamlab/ldamlab/ldam/paper"
	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/registry"
	"github.com/ldamlab/ldamlab/ldam/schedule"
	"github.com/ldamlab/ldamlab/tables"
)

func TestCommitted(t *testing.T) {
	root := t.TempDir()
	t.Setenv(EnvRoot, root)
	t.Setenv(EnvOut, t.TempDir()) // committed results are read from the root, not $LDAMLAB_OUT
	write := func(method string, done bool) {
		cell, err := registry.Cell("table2", method, "C10 LT 100")
		if err != nil {
			t.Fatal(err)
		}
		r := &experiment.Result{Config: experiment.Config{TrainRule: cell.Config.TrainRule}, Preset: schedule.Lite, Backend: "Go Backend", Done: done,
			Data:    record.DataSummary{Name: "cifar10", Source: "JPEG", Classes: []string{"a", "b"}, Selection: catalog.Selection},
			History: []record.Epoch{{Epoch: 0, TrainError: 0.5, Test: metrics.Result{Top1Error: 0.6}}, {Epoch: 1, TrainError: 0.4, Test: metrics.Result{Top1Error: 0.5}}},
			Final:   &metrics.Result{Top1Error: 0.5, PerClassError: []float64{0.1, 0.9}}}
		dir := cell.Dir(root, "lite", 0)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := record.WriteJSON(dir+"/"+record.ResultsFile, r); err != nil {
			t.Fatal(err)
		}
	}
	write("LDAM", true)
	write("LDAM-DRW", true)
	write("ERM", false) // interrupted: not shown
	runs, err := Committed("lite", "table2", "C10 LT 100", []string{"ERM", "ERM-DRW", "LDAM", "LDAM-DRW"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].Method != "LDAM" || runs[1].Paper != 22.97 {
		t.Fatalf("runs %+v", runs)
	}
	tb := tables.Committed(runs)
	if tb.Rows[1][1] != "50.00" || tb.Rows[1][3] != "22.97" || !strings.Contains(tb.Rows[1][4], "lite, 20 epochs, seed 0") {
		t.Errorf("table %q", tb.Rows)
	}
	curves, perClass, err := figures.Committed(runs)
	if err != nil || curves == nil || perClass == nil {
		t.Errorf("figures: %v", err)
	}
	if _, _, err := figures.Committed(nil); err == nil {
		t.Error("no runs accepted")
	}
	// A section whose runs are all committed is read from their results, no network opened.
	sel := paper.Selection{Table: "table2", Methods: []string{"LDAM", "LDAM-DRW"}, Column: "C10 LT 100"}
	section, err := SectionRuns("lite", sel, 0)
	if err != nil || len(section) != 2 || section[1].Method != "LDAM-DRW" {
		t.Errorf("section runs %+v, %v", section, err)
	}
}

// TestSectionModels: SectionModels reopens the networks of a section's committed runs, in the
// order of the selection's methods.
func TestSectionModels(t *testing.T) {
	if os.Getenv("LDAMLAB_DATASETS") == "" {
		t.Skip("$LDAMLAB_DATASETS is not set: the runs reopen on CIFAR-10")
	}
	root := t.TempDir()
	t.Setenv(EnvRoot, root)
	for _, method := range []string{"LDAM", "LDAM-DRW"} {
		cell, err := registry.Cell("table2", method, "C10 LT 100")
		if err != nil {
			t.Fatal(err)
		}
		r := &experiment.Result{Config: cell.Config, Preset: schedule.Lite, Done: true,
			Data: record.DataSummary{Name: "cifar10", Selection: catalog.Selection}, Final: &metrics.Result{Top1Error: 0.5}}
		dir := cell.Dir(root, "lite", 0)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := record.WriteJSON(dir+"/"+record.ResultsFile, r); err != nil {
			t.Fatal(err)
		}
	}
	sel := paper.Selection{Table: "table2", Methods: []string{"LDAM", "LDAM-DRW"}, Column: "C10 LT 100"}
	runs, models, err := SectionModels("lite", sel, 0)
	if err != nil || len(runs) != 2 || len(models) != 2 {
		t.Fatalf("%d runs, %d models, %v", len(runs), len(models), err)
	}
	if got := models[1].Result.Config; got.LossType != "LDAM" || got.TrainRule != "DRW" {
		t.Errorf("the second model is %s-%s, want LDAM-DRW", got.LossType, got.TrainRule)
	}
}

func TestSeedsTable(t *testing.T) {
	root := t.TempDir()
	t.Setenv(EnvRoot, root)
	write := func(method string, seed uint64, top1, many, medium float64, done bool) {
		cell, err := registry.Cell("beyond", method, "C10 LT 100")
		if err != nil {
			t.Fatal(err)
		}
		r := &experiment.Result{Config: experiment.Config{Seed: seed}, Preset: schedule.Lite, Backend: "onnxruntime", Done: done,
			Data:  record.DataSummary{Name: "cifar10", Source: "JPEG", Selection: catalog.Selection},
			Final: &metrics.Result{Top1Error: top1, ManyShotError: &many, MediumShotError: &medium}}
		dir := cell.Dir(root, "lite", seed)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := record.WriteJSON(dir+"/"+record.ResultsFile, r); err != nil {
			t.Fatal(err)
		}
	}
	write("LA", 0, 0.30, 0.2, 0.4, true)
	write("LA", 1, 0.50, 0.4, 0.6, true)
	write("LA", 2, 0.90, 0.9, 0.9, false) // interrupted: left out
	write("VS", 0, 0.40, 0.3, 0.5, true)
	tb, err := SeedsTable("lite", "beyond", "C10 LT 100", []string{"LA", "VS", "ERM-DRW-SAM"})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"LA", "40.00 ± 14.14 (2)", "30.0 ± 14.1 / 50.0 ± 14.1 / –", "22.33", "seeds 0, 1; onnxruntime; JPEG"},
		{"VS", "40.00 ± – (1)", "30.0 ± – / 50.0 ± – / –", "–", "seeds 0; onnxruntime; JPEG"},
		{"ERM-DRW-SAM", "not run", "", "19.40", ""},
	}
	if len(tb.Rows) != len(want) {
		t.Fatalf("%d rows, want %d: %q", len(tb.Rows), len(want), tb.Rows)
	}
	for i := range want {
		if !slices.Equal(tb.Rows[i], want[i]) {
			t.Errorf("row %d = %q, want %q", i, tb.Rows[i], want[i])
		}
	}
}

// TestReconciliationCurves: a panel for each method with a finished run on either side, ours
// only on the official image selection; none at all is an error that names the column.
func TestReconciliationCurves(t *testing.T) {
	root := t.TempDir()
	t.Setenv(EnvRoot, root)
	write := func(table, method, selection string, seed uint64) {
		cell, err := registry.Cell("table2", method, "C10 LT 100")
		if err != nil {
			t.Fatal(err)
		}
		cell.Table = table
		r := &experiment.Result{Config: experiment.Config{Seed: seed}, Preset: schedule.Lite, Done: true,
			Data:    record.DataSummary{Name: "cifar10", Selection: selection},
			History: []record.Epoch{{Epoch: 0, Test: metrics.Result{Top1Error: 0.8}}, {Epoch: 1, Test: metrics.Result{Top1Error: 0.6}}},
			Final:   &metrics.Result{Top1Error: 0.6}}
		dir := cell.Dir(root, "lite", seed)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := record.WriteJSON(dir+"/"+record.ResultsFile, r); err != nil {
			t.Fatal(err)
		}
	}
	write("table2", "ERM", catalog.Selection, 0)
	write("table2", "ERM", "", 1) // the earlier selection: not drawn
	write(registry.ReferenceTable, "ERM", catalog.Selection, 0)
	write(registry.ReferenceTable, "LDAM", catalog.Selection, 0)
	write("table2", "LDAM-DRW", "", 0) // only on the earlier selection: no panel
	f, err := ReconciliationCurves("lite", "C10 LT 100", []string{"ERM", "ERM-DRW", "LDAM", "LDAM-DRW"})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Rows) != 1 || len(f.Rows[0]) != 2 || f.Rows[0][0].Title.Text != "ERM" || f.Rows[0][1].Title.Text != "LDAM" {
		t.Fatalf("panels: %+v", f.Rows)
	}
	if _, err := ReconciliationCurves("quick", "C10 LT 100", []string{"ERM"}); err == nil || !strings.Contains(err.Error(), "C10 LT 100") {
		t.Errorf("no run at all: %v", err)
	}
}

// TestLongestSchedule: the notebooks draw the paper-preset runs once every asked cell has a
// finished one for the seed, the lite runs until then (an unfinished 200-epoch run does not count).
func TestLongestSchedule(t *testing.T) {
	root := t.TempDir()
	t.Setenv(EnvRoot, root)
	write := func(method string, done bool) {
		cell, err := registry.Cell("table2", method, "C10 LT 100")
		if err != nil {
			t.Fatal(err)
		}
		dir := cell.Dir(root, "paper", 0)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		r := &experiment.Result{Preset: schedule.Paper, Done: done, Final: &metrics.Result{Top1Error: 0.3}}
		if err := record.WriteJSON(dir+"/"+record.ResultsFile, r); err != nil {
			t.Fatal(err)
		}
	}
	core := []string{"ERM", "LDAM-DRW"}
	for _, step := range []struct {
		method string
		done   bool
		want   string
	}{{"", false, "lite"}, {"ERM", true, "lite"}, {"LDAM-DRW", false, "lite"}, {"LDAM-DRW", true, "paper"}} {
		if step.method != "" {
			write(step.method, step.done)
		}
		if got, err := LongestSchedule("table2", "C10 LT 100", core, 0); err != nil || got != step.want {
			t.Errorf("after %s (done %v): %q, %v; want %q", step.method, step.done, got, err, step.want)
		}
	}
}
