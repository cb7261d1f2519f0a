package tables

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/ldam/analysis"
	"github.com/ldamlab/ldamlab/ldam/metrics"
	"github.com/ldamlab/ldamlab/ldam/paper"
	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/registry"
	"github.com/ldamlab/ldamlab/ldam/stage2"
	"github.com/ldamlab/ldamlab/ldam/theory"
)

func TestRecipe(t *testing.T) {
	cases := []struct{ dataset, preset, want string }{
		{"cifar10", "paper", "| paper | 200 | 128 | SGD, momentum 0.9, weight decay 0.0002 | 0.1, warm-up 5 epoch(s), ×0.01 from epoch 160 and 180 | 160 | full data |"},
		{"imdb", "quick", "| quick | 10 | 128 | Adam, weight decay 0 | 0.001, ×0.1 from epoch 8 | 8 | 200 / 50 |"},
		{"inat2018", "paper", "| paper | 90 | 256 | SGD, momentum 0.9, weight decay 0.0001 | 0.1, ×0.1 from epoch 30 and 60 | 60 | full data |"},
		{"tinyimagenet", "lite", "| lite | 12 |"},
	}
	for _, c := range cases {
		if md := Recipe(c.dataset).Markdown(); !strings.Contains(md, c.want) {
			t.Errorf("%s recipe lacks %q:\n%s", c.dataset, c.want, md)
		}
	}
}

func result(perClass []float64, trainCounts, testCounts []int) *record.Result {
	f := &metrics.Result{PerClassError: perClass}
	wrong, n := 0.0, 0
	for j, e := range perClass {
		f.Top1Error += e / float64(len(perClass))
		wrong += e * float64(testCounts[j])
		n += testCounts[j]
	}
	f.OverallError = wrong / float64(n)
	return &record.Result{Backend: "Go Backend", Done: true, Final: f, Config: record.Config{Seed: 2},
		Data: record.DataSummary{Source: "test data", TrainCounts: trainCounts, TestCounts: testCounts}}
}

func TestIMDBAndTable6(t *testing.T) {
	runs := []registry.Finished{{Table: "table1", Method: "LDAM-DRW", Column: paper.Table1Mean.Column, Result: result([]float64{0.30, 0.05}, []int{1250, 12500}, []int{100, 100})}}
	tb, err := IMDB(runs)
	if err != nil {
		t.Fatal(err)
	}
	if md := tb.Markdown(); !strings.Contains(md, "| LDAM-DRW | 30.00 / 30.77 | 5.00 / 4.91 | 17.50 / 17.84 | 1250 / 12500 |") {
		t.Errorf("IMDB table:\n%s", md)
	}
	runs[0].Result.Final.PerClassError = []float64{0.3}
	if _, err := IMDB(runs); err == nil {
		t.Error("an IMDB run without two per-class errors: no error")
	}
	t6 := Table6([]registry.Finished{{Table: "table6", Method: "ERM", Column: paper.Table6LT100a.Column, Paper: 30.99, Result: result([]float64{0.1, 0.9}, []int{100, 1}, []int{90, 10})}})
	if md := t6.Markdown(); !strings.Contains(md, "| ERM | 18.00 | 50.00 | 30.99 | 100 |") {
		t.Errorf("Table 6 table:\n%s", md)
	}
	eq, err := Eq15([]int{16, 1}, []int{1, 16}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	// Eq. 13: Δ ∝ n^{-1/4} → 0.25, 0.5; Eq. 15: Δ ∝ (n'/n)^{1/4} → 0.125, 0.5.
	if md := eq.Markdown(); !strings.Contains(md, "| 0 | 16 | 1 | 0.250 | 0.125 |") || !strings.Contains(md, "| 1 | 1 | 16 | 0.500 | 0.500 |") {
		t.Errorf("Eq. 15 table:\n%s", md)
	}
}

func TestImbalancedSets(t *testing.T) {
	sets, err := datasets.ImbalancedSets(10, 100)
	if err != nil {
		t.Fatal(err)
	}
	md := ImbalancedSets(sets).Markdown()
	if !strings.Contains(md, "| CIFAR-10 | long-tailed | 100 | 5000 2997 1796 1077 645 387 232 139 83 50 | 12406 |") ||
		!strings.Contains(md, "| Tiny ImageNet | step | 100 | 500 500 500 … 5 5 5 | 50500 |") {
		t.Errorf("table:\n%s", md)
	}
}

func TestTableRenders(t *testing.T) {
	tb := Table{Header: []string{"a", "b|c"}, Rows: [][]string{{"<1>", "2"}}}
	if got := tb.Markdown(); got != "| a | b\\|c |\n|---|---|\n| <1> | 2 |\n" {
		t.Errorf("markdown %q", got)
	}
}

func TestDRWPlan(t *testing.T) {
	counts := []int{5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50}
	tb, err := DRWPlan("lite", "DRW", counts, 0.9999)
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.Rows) != 20 {
		t.Fatalf("%d epochs", len(tb.Rows))
	}
	if r := tb.Rows[15]; r[1] != "0.1" || r[3] != "1.000" || r[4] != "1.000" {
		t.Errorf("epoch 15 (stage 1): %q", r)
	}
	if r := tb.Rows[16]; r[1] != "0.001" || r[3] == "1.000" || !strings.HasPrefix(r[2], "2") || r[5] != "instance (every example once)" {
		t.Errorf("epoch 16 (stage 2): %q", r)
	}
	drs, _ := DRWPlan("lite", "DRS", counts, 0.9999)
	if r := drs.Rows[17]; r[3] != "1.000" || r[5] != "class-balanced re-sampling" {
		t.Errorf("DRS epoch 17: %q", r)
	}
	if _, err := DRWPlan("lite", "Magic", counts, 0.9999); err == nil {
		t.Error("unknown rule accepted")
	}
}

func TestSecondStagesSeeds(t *testing.T) {
	res := func(bal, many, medium float64) metrics.Result {
		return metrics.Result{Top1Error: bal, ManyShotError: &many, MediumShotError: &medium}
	}
	runs := []analysis.SeedStages{
		{Seed: 0, Backend: "onnxruntime", Stages: []stage2.Stage{{Method: "as trained", Result: res(0.50, 0.4, 1), Norms: []float64{2, 4, 3}}, {Method: "cRT", Result: res(0.40, 0.40, 0.30), Norms: []float64{1, 1.5, 1.2}}}},
		{Seed: 2, Backend: "Go Backend", Stages: []stage2.Stage{{Method: "as trained", Result: res(0.60, 0.5, 1), Norms: []float64{3, 5, 1}}, {Method: "cRT", Result: res(0.44, 0.42, 0.50), Norms: []float64{1.1, 1.3, 0.9}}}},
	}
	tb, err := SecondStagesSeeds(runs)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"as trained", "55.00 ± 7.07 (2)", "45.0 ± 7.1 / 100.0 ± 0.0 / –", "1.5 – 4.5", "seeds 0, 2; onnxruntime, Go Backend"},
		{"cRT", "42.00 ± 2.83 (2)", "41.0 ± 1.4 / 40.0 ± 14.1 / –", "0.95 – 1.4", "seeds 0, 2; onnxruntime, Go Backend"},
	}
	if !reflect.DeepEqual(tb.Rows, want) {
		t.Errorf("rows\n%q\nwant\n%q", tb.Rows, want)
	}
	runs[1].Stages = runs[1].Stages[1:]
	if _, err := SecondStagesSeeds(runs); err == nil {
		t.Error("seeds with different stages were tabulated together")
	}
	if _, err := SecondStagesSeeds(nil); err == nil {
		t.Error("no runs gave a table")
	}
}

// TestTheorem3: the table's means, standard deviations and paired differences from
// α = 1/4, on rows whose errors are known.
func TestTheorem3(t *testing.T) {
	res := &theory.Theorem3Result{Rows: []theory.Theorem3Row{
		{Name: "γ ∝ n^-0", Alpha: 0, Errors: []float64{0.10, 0.20}},
		{Name: "γ ∝ n^-1/4", Alpha: 0.25, Errors: []float64{0.08, 0.14}},
		{Name: "re-weighting", Alpha: math.NaN(), Errors: []float64{0.12, 0.12}},
	}}
	want := [][]string{
		{"γ ∝ n^-0", "15.00 ± 7.07", "+4.00 ± 2.00", "2"},
		{"γ ∝ n^-1/4", "11.00 ± 4.24", "+0.00 ± 0.00", "2"},
		{"re-weighting", "12.00 ± 0.00", "+1.00 ± 3.00", "2"},
	}
	if got := Theorem3(res).Rows; !reflect.DeepEqual(got, want) {
		t.Errorf("rows\n%q\nwant\n%q", got, want)
	}
}

func TestTable4(t *testing.T) {
	r := result([]float64{0.5, 0.7}, []int{500, 5}, []int{50, 50})
	r.Final.Top5Error = 0.3
	tb := Table4([]registry.Finished{{Table: "table4", Method: "LDAM-DRW", Column: paper.Table4LT100.Column, Result: r}})
	if md := tb.Markdown(); !strings.Contains(md, "| LDAM-DRW | 60.00 / 30.00 | 62.53 / 39.06 |") {
		t.Errorf("Table 4 table:\n%s", md)
	}
}

func TestPerClassChange(t *testing.T) {
	a := registry.Finished{Method: "ERM", Result: result([]float64{0.1, 0.9}, []int{100, 1}, []int{10, 10})}
	b := registry.Finished{Method: "ERM-DRW", Result: result([]float64{0.15, 0.5}, []int{100, 1}, []int{10, 10})}
	tb, err := PerClassChange(a, b)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"0", "100", "10.0", "15.0", "+5.0"}, {"1", "1", "90.0", "50.0", "-40.0"}}
	if !reflect.DeepEqual(tb.Rows, want) {
		t.Errorf("rows %q, want %q", tb.Rows, want)
	}
	b.Result.Final.PerClassError = []float64{0.1}
	if _, err := PerClassChange(a, b); err == nil {
		t.Error("runs of different classes compared")
	}
}

func TestMarginTerms(t *testing.T) {
	tb := MarginTerms([]float64{0.5, 0.25}, []int{100, 1})
	// Eq. 9 with the same sum 0.75: γ ∝ (100^-1/4, 1) = (0.316, 1) → (0.180, 0.570).
	want := [][]string{{"0", "100", "0.500", "0.180", "0.200", "0.462"}, {"1", "1", "0.250", "0.570", "4.000", "4.615"}}
	if !reflect.DeepEqual(tb.Rows, want) {
		t.Errorf("rows %q, want %q", tb.Rows, want)
	}
	if got := MarginTerms([]float64{-0.1, 0.2}, []int{10, 10}).Rows[0][4]; got != "∞" {
		t.Errorf("a negative margin's term is %q", got)
	}
}

// TestCoreReading: the reading quotes what is committed — means, the DRW gains, the seeds in
// which they hold — from a registry written here.
func TestCoreReading(t *testing.T) {
	root := t.TempDir()
	writeRuns(t, root, "table2", map[string][]float64{"ERM": {0.60, 0.56}, "ERM-DRW": {0.48, 0.50}, "LDAM": {0.62, 0.58}, "LDAM-DRW": {0.47, 0.59}})
	r, err := CoreReading(root, "lite", "C10 LT 100")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ERM 58.00 ± 2.83 % (n = 2)", "by 9.0 points on ERM (paper: 4.5), lower in 2 of 2 shared seeds",
		"7.0 points on LDAM (paper: 3.7), lower in 1 of 2", "LDAM is 2.0 points worse than ERM (paper: 3.0 better)", "up to 12.0 points"} {
		if !strings.Contains(r, want) {
			t.Errorf("the reading lacks %q:\n%s", want, r)
		}
	}
	if _, err := CoreReading(t.TempDir(), "lite", "C10 LT 100"); err == nil {
		t.Error("a reading without runs")
	}
}

// writeRuns writes finished lite runs of a table's "C10 LT 100" cells under root, one per seed
// 0, 1, … with the given final balanced errors.
func writeRuns(t *testing.T, root, table string, errs map[string][]float64) {
	t.Helper()
	for m, v := range errs {
		cell, err := registry.Cell(table, m, "C10 LT 100")
		if err != nil {
			t.Fatal(err)
		}
		for seed, e := range v {
			r := &record.Result{Done: true, Config: record.Config{Seed: uint64(seed)}, Final: &metrics.Result{Top1Error: e}}
			dir := cell.Dir(root, "lite", uint64(seed))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := record.WriteJSON(filepath.Join(dir, record.ResultsFile), r); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestFullScheduleReading: the 200-epoch reading quotes each committed row beside the paper,
// counts the rows within the tolerance, checks the paper's order, and names the rows not trained
// yet; with no run it says so.
func TestFullScheduleReading(t *testing.T) {
	root := t.TempDir()
	if r, err := FullScheduleReading(root, "C10 LT 100"); err != nil || !strings.Contains(r, "No run of Table 2's C10 LT 100 column at the paper's 200-epoch schedule") {
		t.Fatalf("without runs (%v): %s", err, r)
	}
	write := func(m string, seed uint64, e float64) {
		cell, err := registry.Cell("table2", m, "C10 LT 100")
		if err != nil {
			t.Fatal(err)
		}
		dir := cell.Dir(root, "paper", seed)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := record.WriteJSON(filepath.Join(dir, record.ResultsFile), &record.Result{Done: true, Config: record.Config{Seed: seed}, Final: &metrics.Result{Top1Error: e}}); err != nil {
			t.Fatal(err)
		}
	}
	write("ERM", 0, 0.3064)      // paper 29.64: +1.00
	write("ERM-DRW", 0, 0.2814)  // paper 25.14: +3.00
	write("LDAM-DRW", 0, 0.2297) // paper 22.97: +0.00
	r, err := FullScheduleReading(root, "C10 LT 100")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ERM 30.64 ± – % (n = 1; paper 29.64, +1.00)", "ERM-DRW 28.14 ± – % (n = 1; paper 25.14, +3.00)",
		"2 of 3 within 1.5 points", "LDAM-DRW < ERM-DRW < ERM holds", "Not trained yet: ERM-DRS, LDAM, M-DRW."} {
		if !strings.Contains(r, want) {
			t.Errorf("the reading lacks %q:\n%s", want, r)
		}
	}
	write("ERM-DRW", 1, 0.3214)  // ERM-DRW's mean 30.14
	write("LDAM-DRW", 1, 0.3897) // LDAM-DRW's mean 30.97: above ERM-DRW's
	if r, _ := FullScheduleReading(root, "C10 LT 100"); !strings.Contains(r, "does not hold (30.97, 30.14, 30.64)") {
		t.Errorf("the order's failure is not reported:\n%s", r)
	}
}
