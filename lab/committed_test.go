package lab

import (
	"os"
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/metrics"
	"github.com/ldamlab/ldamlab/ldam/registry"
	"github.com/ldamlab/ldamlab/ldam/schedule"
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
			Data:    experiment.DataSummary{Name: "cifar10", Source: "JPEG", Classes: []string{"a", "b"}},
			History: []experiment.Epoch{{Epoch: 0, TrainError: 0.5, Test: metrics.Result{Top1Error: 0.6}}, {Epoch: 1, TrainError: 0.4, Test: metrics.Result{Top1Error: 0.5}}},
			Final:   &metrics.Result{Top1Error: 0.5, PerClassError: []float64{0.1, 0.9}}}
		dir := cell.Dir(root, "lite", 0)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := experiment.WriteJSON(dir+"/"+experiment.ResultsFile, r); err != nil {
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
	tb := CommittedTable(runs)
	if tb.Rows[1][1] != "50.00" || tb.Rows[1][3] != "22.97" || !strings.Contains(tb.Rows[1][4], "lite, 20 epochs, seed 0") {
		t.Errorf("table %q", tb.Rows)
	}
	curves, perClass, err := CommittedFigures(runs)
	if err != nil || curves == nil || perClass == nil {
		t.Errorf("figures: %v", err)
	}
	if _, _, err := CommittedFigures(nil); err == nil {
		t.Error("no runs accepted")
	}
}
