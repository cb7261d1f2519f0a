package lab

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/figures"
	"github.com/ldamlab/ldamlab/ldam/analysis"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/metrics"
	"github.com/ldamlab/ldamlab/ldam/paper"
	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/registry"
	"github.com/ldamlab/ldamlab/tables"
)

// TestFig2AndFig3 trains two small runs whose test split is their training split, so the
// per-class training error of Fig. 2 must equal the per-class test error the run recorded.
func TestFig2AndFig3(t *testing.T) {
	root := t.TempDir()
	t.Setenv(EnvRoot, root)
	t.Setenv(EnvOut, "")
	t.Setenv(EnvPreset, "quick")
	imgs := smallImages(4, 5)
	data := &experiment.Data{Name: "small", Classes: imgs.Classes, TrainImages: imgs, TestImages: imgs, Info: datasets.InfoFor("fashion-mnist")}
	var runs []CommittedRun
	var models []*experiment.Run
	for _, m := range []Method{{"ERM", "CE", "None"}, {"LDAM-DRW", "LDAM", "DRW"}} {
		run, err := RunModel("fig2-"+m.Name, experiment.Config{Data: data, Arch: "spherecnn", LossType: m.Loss, TrainRule: m.Rule, Epochs: 3, BatchSize: 20})
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, CommittedRun{Table: "table2", Method: m.Name, Column: "C10 step 100", Result: run.Result})
		models = append(models, run)
	}
	var trainErrors [][]float64
	for i, run := range models {
		got, err := analysis.PerClassTrainError(run)
		if err != nil {
			t.Fatal(err)
		}
		trainErrors = append(trainErrors, got)
		want := runs[i].Result.Final.PerClassError
		for j := range want {
			if math.Abs(got[j]-want[j]) > 1e-12 {
				t.Fatalf("%s: per-class training error %v, want the recorded test error %v (same split)", runs[i].Method, got, want)
			}
		}
	}
	f, err := figures.Fig2(runs, trainErrors)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Rows) != 1 || len(f.Rows[0]) != 2 || !strings.Contains(f.Title, "Fig. 2") {
		t.Fatalf("Fig. 2: %d rows, title %q", len(f.Rows), f.Title)
	}
	if _, err := Render(f, 600, 300); err != nil {
		t.Fatal(err)
	}
	if _, err := figures.Fig2(runs, trainErrors[:1]); err == nil {
		t.Error("Fig. 2 with a training error missing: no error")
	}
	p, err := figures.Fig3(runs)
	if err != nil {
		t.Fatal(err)
	}
	if title := figures.Title(p); !strings.Contains(title, "Fig. 3") || !strings.Contains(title, "quick preset (3 epochs)") {
		t.Errorf("Fig. 3 title %q", title)
	}
}

func TestCellDirAndPaperTables(t *testing.T) {
	cell, err := registry.Cell("table2", "CB RS", "C10 step 100")
	if err != nil {
		t.Fatal(err)
	}
	if got := CellDir(cell, 1, 200); got != filepath.Join("table2-cap200", "cifar10-step100-cb-rs", "seed-1") {
		t.Errorf("capped cell dir %s", got)
	}
	if got := CellDir(cell, 0, 0); got != filepath.Join("table2", "cifar10-step100-cb-rs", "seed-0") {
		t.Errorf("cell dir %s: want the sweep's layout", got)
	}
	pt, err := tables.Paper("table1")
	if err != nil {
		t.Fatal(err)
	}
	if len(pt.Rows) != 4 || strings.Join(pt.Rows[3], " ") != "LDAM-DRW 4.91 30.77 17.84" {
		t.Errorf("Table 1 as published: %v", pt.Rows)
	}
	// One committed IMDB seed: the negative class errs 70 %, the positive 3 %.
	root := t.TempDir()
	t.Setenv(EnvRoot, root)
	erm, _ := registry.Cell("table1", "ERM", "negative")
	dir := erm.Dir(root, "lite", 0)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	r := &experiment.Result{Backend: "Go Backend", Done: true, Data: record.DataSummary{Source: "aclImdb v1"},
		Final: &metrics.Result{Top1Error: 0.365, PerClassError: []float64{0.70, 0.03}}}
	if err := record.WriteJSON(filepath.Join(dir, record.ResultsFile), r); err != nil {
		t.Fatal(err)
	}
	cmp, err := PaperComparison("table1", "lite", []string{"negative", "mean"})
	if err != nil {
		t.Fatal(err)
	}
	md := cmp.Markdown()
	for _, want := range []string{"| ERM | negative | 70.78 | – | 70.00 ± – (1) | -0.78 |", "| ERM | mean | 36.82 | – | 36.50 ± – (1) |", "| LDAM-DRW | mean | 17.84 | – | not run |"} {
		if !strings.Contains(md, want) {
			t.Errorf("comparison lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "positive") {
		t.Errorf("comparison shows a column not asked for:\n%s", md)
	}
}

// TestPaperComparisonOfWithReference: the rows asked for, in the table's order, with the
// official recipe's reference column from results/<preset>/reference/.
func TestPaperComparisonOfWithReference(t *testing.T) {
	root := t.TempDir()
	t.Setenv(EnvRoot, root)
	write := func(table, method string, seed uint64, err float64) {
		run, _ := registry.Cell("table2", method, "C10 LT 100")
		run.Table = table
		r := &experiment.Result{Backend: "go", Done: true, Config: experiment.Config{Seed: seed}, Final: &metrics.Result{Top1Error: err}}
		dir := run.Dir(root, "lite", seed)
		if e := os.MkdirAll(dir, 0o755); e != nil {
			t.Fatal(e)
		}
		if e := record.WriteJSON(filepath.Join(dir, record.ResultsFile), r); e != nil {
			t.Fatal(e)
		}
	}
	write("table2", "LDAM-DRW", 0, 0.40)
	write("table2", "LDAM-DRW", 1, 0.44)
	write(registry.ReferenceTable, "LDAM-DRW", 0, 0.30)
	write(registry.ReferenceTable, "LDAM-DRW", 1, 0.34)
	write(registry.ReferenceTable, "ERM", 0, 0.50)
	tb, err := PaperComparisonOf("table2", "lite", []string{"C10 LT 100"}, []string{"LDAM-DRW", "ERM"})
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.Rows) != 2 || tb.Rows[0][0] != "ERM" || tb.Rows[1][0] != "LDAM-DRW" {
		t.Fatalf("rows %q, want ERM then LDAM-DRW", tb.Rows)
	}
	if got := tb.Rows[1]; got[3] != "32.00 ± 2.83 (2)" || got[4] != "42.00 ± 2.83 (2)" || got[6] != "+10.00 ± 2.83" {
		t.Errorf("LDAM-DRW row %q", got)
	}
	if got := tb.Rows[0]; got[3] != "50.00 ± – (1)" || got[4] != "not run" {
		t.Errorf("ERM row %q", got)
	}
}

// TestSectionTrainErrorsStored: with Fig. 2's three runs committed (tiny CIFAR-10 step runs,
// trained where the registry keeps them), SectionTrainErrors measures each network's per-class
// training error once — what PerClassTrainError gives on the reopened run — stores it beside the
// run, and reads it from there on the next call (an edited stored value is what comes back).
func TestSectionTrainErrorsStored(t *testing.T) {
	if os.Getenv("LDAMLAB_DATASETS") == "" {
		t.Skip("$LDAMLAB_DATASETS is not set")
	}
	root := t.TempDir()
	t.Setenv(EnvRoot, root)
	sel := paper.Fig2
	const preset = "quick"
	var dirs []string
	for _, m := range sel.Methods {
		cell, err := registry.Cell(sel.Table, m, sel.Column)
		if err != nil {
			t.Fatal(err)
		}
		job := registry.Job{Run: cell, Seed: 0, Dir: cell.Dir(root, preset, 0)}
		cfg := job.Config(record.Config{Epochs: 1, MaxPerClass: 200, TestPerClass: 2, BatchSize: 32, Width: 0.25}, preset)
		if _, err := experiment.Train(cfg); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		dirs = append(dirs, job.Dir)
	}
	runs, errs, err := SectionTrainErrors(preset, sel, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != len(sel.Methods) || len(errs) != len(runs) {
		t.Fatalf("%d runs, %d error vectors for %d methods", len(runs), len(errs), len(sel.Methods))
	}
	for i, dir := range dirs {
		run, _, err := experiment.Open(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		want, err := analysis.PerClassTrainError(run)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(errs[i], want) {
			t.Errorf("%s: stored path gave %v, the network's training error is %v", runs[i].Method, errs[i], want)
		}
	}
	file := filepath.Join(dirs[0], record.DerivedFile)
	var store map[string]map[string]json.RawMessage
	if b, err := os.ReadFile(file); err != nil {
		t.Fatalf("the training errors were not stored: %v", err)
	} else if err := json.Unmarshal(b, &store); err != nil {
		t.Fatal(err)
	}
	edited := slices.Clone(errs[0])
	edited[0] = 0.123
	store["train-error"]["value"], _ = json.Marshal(edited)
	if err := record.WriteJSON(file, store); err != nil {
		t.Fatal(err)
	}
	if _, again, err := SectionTrainErrors(preset, sel, 0); err != nil || again[0][0] != 0.123 {
		t.Errorf("the stored training errors were not read back (%v): %v", err, again)
	}
}
