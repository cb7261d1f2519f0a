package registry

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ldamlab/ldamlab/datasets/catalog"
	"github.com/ldamlab/ldamlab/ldam/metrics"
	"github.com/ldamlab/ldamlab/ldam/record"
)

func TestCells(t *testing.T) {
	cases := []struct {
		table, method, column string
		name, loss, rule      string
		imb                   float64
		metric                string
	}{
		{"table2", "LDAM-DRW", "C10 LT 100", "cifar10-exp100-ldam-drw", "LDAM", "DRW", 0.01, "top1"},
		{"table2", "CB RS", "C100 step 10", "cifar100-step10-cb-rs", "CE", "Resample", 0.1, "top1"},
		{"table5", "ERM-DRS", "C10 step 100", "cifar10-step100-erm-drs", "CE", "DRS", 0.01, "top1"},
		{"table4", "LDAM", "LT 10 top-5", "tinyimagenet-exp10-ldam", "LDAM", "None", 0.1, "top5"},
		{"table1", "RW", "negative", "imdb-exp10-rw", "CE", "Reweight", 0.1, "negative"},
		{"table3", "ERM-DRW", "top-5", "inat2018-erm-drw", "CE", "DRW", 1, "top5"},
	}
	for _, c := range cases {
		r, err := Cell(c.table, c.method, c.column)
		if err != nil {
			t.Fatalf("%s %s %s: %v", c.table, c.method, c.column, err)
		}
		if r.Name != c.name || r.Config.LossType != c.loss || r.Config.TrainRule != c.rule || math.Abs(r.Config.ImbFactor-c.imb) > 1e-12 || r.Metric != c.metric {
			t.Errorf("%s %s %s: %+v", c.table, c.method, c.column, r)
		}
	}
	t6, err := Cell("table6", "LDAM-DRW", "step 10 seed b")
	if err != nil || t6.Name != "cifar10-step10-test2-ldam-drw" || t6.Config.TestImbSeed != 2 || t6.Metric != "overall" || t6.Config.ImbType != "step" {
		t.Errorf("table 6 cell: %+v, %v", t6, err)
	}
	if _, err := Cell("table6", "ERM", "LT 100 seed c"); err == nil {
		t.Error("table 6: a third test permutation accepted")
	}
	// A cell's setting reaches its runs' configurations: SAM's radius, mixup and the second
	// stage, the weight decay, Table 6's test permutation; the job's seed, directory and preset.
	for _, c := range []struct {
		table, method, column string
		check                 func(record.Config) bool
	}{
		{"beyond", "LDAM-DRW-SAM", "C10 LT 100", func(c record.Config) bool { return c.SAMRho == 0.8 && c.LossType == "LDAM" && c.TrainRule == "DRW" }},
		{"beyond", "MiSLAS", "C100 LT 100", func(c record.Config) bool { return c.Mixup == 1 && c.Stage2 == "MiSLAS" && c.Dataset == "cifar100" }},
		{"beyond", "WB", "C10 LT 100", func(c record.Config) bool { return c.Stage2 == "WB" && c.WeightDecay == 0.005 }},
		{"beyond", "LA-AM", "C10 LT 100", func(c record.Config) bool { return c.LossType == "LA-AM" && c.TrainRule == "None" && c.Beta == 0.5 }},
		{"table6", "CB RW", "LT 10 seed a", func(c record.Config) bool { return c.TestImbSeed == 1 && c.ImbFactor == 0.1 }},
	} {
		r, err := Cell(c.table, c.method, c.column)
		if err != nil {
			t.Fatal(err)
		}
		cfg := Job{Run: r, Dir: "d", Seed: 4}.Config(record.Config{Beta: 0.5}, "lite")
		if !c.check(cfg) || cfg.Seed != 4 || cfg.Out != "d" || !cfg.Resume || cfg.Preset != "lite" || cfg.Progress {
			t.Errorf("%s %s: config %+v", c.table, c.method, cfg)
		}
	}
	if _, err := Cell("table2", "Magic", "C10 LT 100"); err == nil {
		t.Error("unknown method accepted")
	}
}

// writeResult writes a results.json for a seed of a run.
func writeResult(t *testing.T, dir string, seed uint64, top1 float64, done bool) {
	t.Helper()
	r := &record.Result{Config: record.Config{Seed: seed}, Backend: "Go Backend", Done: done,
		Data: record.DataSummary{Source: "offline CIFAR-10 JPEG re-encode"}, Final: &metrics.Result{Top1Error: top1}}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := record.WriteJSON(filepath.Join(dir, record.ResultsFile), r); err != nil {
		t.Fatal(err)
	}
}

func TestCompareOverSeeds(t *testing.T) {
	root := t.TempDir()
	run, _ := Cell("table2", "LDAM-DRW", "C10 LT 100")
	writeResult(t, run.Dir(root, "lite", 0), 0, 0.30, true)
	writeResult(t, run.Dir(root, "lite", 1), 1, 0.34, true)
	writeResult(t, run.Dir(root, "lite", 2), 2, 0.90, false) // interrupted: not counted
	// A truncated results.json is skipped and named, not an error of the whole table.
	bad := filepath.Join(run.Dir(root, "lite", 3), record.ResultsFile)
	os.MkdirAll(filepath.Dir(bad), 0o755)
	os.WriteFile(bad, []byte(`{"config": {"Seed": 3`), 0o644)
	ref := run.Reference() // the official recipe's reference of the same cell
	if ref.Table != ReferenceTable || ref.Name != run.Name || run.Table != "table2" {
		t.Fatalf("reference of %+v: %+v", run, ref)
	}
	writeResult(t, ref.Dir(root, "lite", 0), 0, 0.28, true)
	writeResult(t, ref.Dir(root, "lite", 1), 1, 0.30, true)
	if want := filepath.Join(root, "results", "lite", "table2", "cifar10-exp100-ldam-drw", "seed-1"); run.Dir(root, "lite", 1) != want {
		t.Errorf("dir %s", run.Dir(root, "lite", 1))
	}
	comps, err := Compare(root, "table2", "lite")
	if err != nil {
		t.Fatal(err)
	}
	if len(comps) != 12*8 {
		t.Fatalf("%d cells, want 96 (Table 2's ten rows and Table 5's ERM-DRW and ERM-DRS)", len(comps))
	}
	var found bool
	for i, c := range comps {
		if c.Run.Name != run.Name {
			if len(c.Ours.Values) != 0 {
				t.Errorf("%s has values", c.Run.Name)
			}
			continue
		}
		found = true
		if len(c.Ours.Values) != 2 || math.Abs(c.Ours.Mean()-32) > 1e-9 || math.Abs(c.Ours.Std()-math.Sqrt(8)) > 1e-9 || c.Paper != 22.97 {
			t.Errorf("cell %+v", c)
		}
		if len(c.Ours.Unreadable) != 1 || !strings.Contains(c.Ours.Unreadable[0], "seed-3") || !strings.Contains(c.Ours.Unreadable[0], "unreadable") {
			t.Errorf("the truncated seed: %q", c.Ours.Unreadable)
		}
		if len(c.Reference.Values) != 2 || math.Abs(c.Reference.Mean()-29) > 1e-9 {
			t.Errorf("reference of the cell: %+v", c.Reference)
		}
		// ours − reference = 3 with s.e. √(8/2 + 2/2) = √5.
		row := Rows(comps[i : i+1])[0]
		if row[3] != "29.00 ± 1.41 (2)" || row[4] != "32.00 ± 2.83 (2)" || row[5] != "+9.03" || row[6] != "+3.00 ± 2.24" || !strings.Contains(row[7], "JPEG") {
			t.Errorf("row %q", row)
		}
	}
	if !found {
		t.Error("the run was not compared")
	}
}

func TestPlanBranchesAndSweepOrder(t *testing.T) {
	root := t.TempDir()
	jobs, deps, err := Plan(root, "table5", "quick", []uint64{0, 1}, nil, []string{"C10 LT 100"})
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 6 {
		t.Fatalf("%d jobs, want ERM, ERM-DRW, ERM-DRS × 2 seeds", len(jobs))
	}
	for i, j := range jobs {
		base := deps[i]
		switch j.Run.Method {
		case "ERM":
			if base != -1 || j.BranchFrom != "" {
				t.Errorf("ERM seed %d depends on %d", j.Seed, base)
			}
		default:
			if base < 0 || jobs[base].Run.Method != "ERM" || jobs[base].Seed != j.Seed || j.BranchFrom != jobs[base].Dir {
				t.Errorf("%s seed %d: base %d, branch %q", j.Run.Method, j.Seed, base, j.BranchFrom)
			}
			if c := j.Config(record.Config{}, "quick"); c.BranchFrom != jobs[base].Dir {
				t.Errorf("%s seed %d branches from %q", j.Run.Method, j.Seed, c.BranchFrom)
			}
		}
		if !strings.Contains(j.Dir, filepath.Join("results", "quick", "table2")) {
			t.Errorf("Table 5's runs live with Table 2's: %s", j.Dir)
		}
	}
	// Seed 1's ERM is already finished: it is skipped, its branches still run after it.
	writeResult(t, jobs[3].Dir, 1, 0.3, true)
	var mu sync.Mutex
	var order []string
	err = Sweep(context.Background(), jobs, deps, 2, func(_ context.Context, j Job) error {
		mu.Lock()
		order = append(order, fmt.Sprintf("%s/%d", j.Run.Method, j.Seed))
		mu.Unlock()
		if j.Run.Method == "ERM" && j.Seed == 0 {
			return fmt.Errorf("boom")
		}
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("sweep error %v", err)
	}
	got := strings.Join(order, " ")
	if strings.Contains(got, "ERM-DRW/0") || strings.Contains(got, "ERM-DRS/0") {
		t.Errorf("branches of a failed run ran: %s", got)
	}
	if !strings.Contains(got, "ERM-DRW/1") || !strings.Contains(got, "ERM-DRS/1") || strings.Contains(got, "ERM/1") {
		t.Errorf("order %s", got)
	}
	if _, _, err := Plan(root, "table2", "quick", []uint64{0}, []string{"Magic"}, nil); err == nil {
		t.Error("unknown method accepted")
	}
	// A branch run swept alone branches from its first-stage run once that has passed T0, and
	// starts from scratch before.
	alone := func() Job {
		jobs, deps, err := Plan(root, "table2", "quick", []uint64{0}, []string{"LDAM-DRW"}, []string{"C10 LT 100"})
		if err != nil || len(jobs) != 1 || deps[0] != -1 {
			t.Fatalf("jobs %v, deps %v, err %v", jobs, deps, err)
		}
		return jobs[0]
	}
	if j := alone(); j.BranchFrom != "" {
		t.Errorf("LDAM has not run, yet LDAM-DRW branches from %q", j.BranchFrom)
	}
	ldam, _ := Cell("table2", "LDAM", "C10 LT 100")
	dir := ldam.Dir(root, "quick", 0)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, record.Stage1File), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if j := alone(); j.BranchFrom != dir {
		t.Errorf("LDAM-DRW alone branches from %q, want %q", j.BranchFrom, dir)
	}
}

func TestBeyondTable(t *testing.T) {
	cell, err := Cell("beyond", "LDAM-DRW-SAM", "C10 LT 100")
	if err != nil {
		t.Fatal(err)
	}
	if cell.Config.SAMRho != 0.8 || cell.Config.LossType != "LDAM" || cell.Config.TrainRule != "DRW" || cell.Table != "table2" {
		t.Errorf("LDAM-DRW-SAM cell %+v", cell)
	}
	// ERM and LDAM-DRW of "beyond" are Table 2's runs; the follow-ups live beside them.
	erm, _ := Cell("beyond", "ERM", "C10 LT 100")
	ref, _ := Cell("table2", "ERM", "C10 LT 100")
	if erm.Dir("r", "lite", 0) != ref.Dir("r", "lite", 0) {
		t.Errorf("beyond's ERM runs in %s, Table 2's in %s", erm.Dir("r", "lite", 0), ref.Dir("r", "lite", 0))
	}
	jobs, _, err := Plan(t.TempDir(), "beyond", "lite", []uint64{0}, nil, []string{"C10 LT 100"})
	if err != nil || len(jobs) != 10 {
		t.Fatalf("%d jobs (%v), want the 10 rows", len(jobs), err)
	}
	for _, j := range jobs {
		if j.Run.Method == "LDAM-DRW-SAM" && j.BranchFrom != "" {
			t.Errorf("a SAM run cannot branch from a run trained without SAM: %q", j.BranchFrom)
		}
	}
}

func TestMeanStd(t *testing.T) {
	for _, tc := range []struct {
		v        []float64
		decimals int
		want     string
	}{
		{nil, 2, "–"},
		{[]float64{46.5}, 2, "46.50 ± –"},
		{[]float64{30, 34}, 2, "32.00 ± 2.83"},
		{[]float64{30, 34, 38}, 1, "34.0 ± 4.0"},
	} {
		if got := MeanStd(tc.v, tc.decimals); got != tc.want {
			t.Errorf("MeanStd(%v, %d) = %q, want %q", tc.v, tc.decimals, got, tc.want)
		}
	}
}

// TestJobState: a job's state follows what its run directory holds, the failure record first
// among the unfinished states and removed by MarkFailed(nil).
func TestJobState(t *testing.T) {
	j := Job{Dir: filepath.Join(t.TempDir(), "seed-0")}
	check := func(want State, detail string) {
		t.Helper()
		got, d := j.State()
		if got != want || !strings.Contains(d, detail) {
			t.Errorf("State() = %q (%q), want %q (%q)", got, d, want, detail)
		}
	}
	check(StateNotStarted, "")
	if err := os.MkdirAll(j.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(j.Dir, record.CheckpointFile), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	check(StateInterrupted, "")
	if err := j.MarkFailed(fmt.Errorf("ldam train exited with 1: out of memory")); err != nil {
		t.Fatal(err)
	}
	check(StateFailed, "out of memory")
	if err := j.MarkFailed(nil); err != nil {
		t.Fatal(err)
	}
	check(StateInterrupted, "")
	if err := j.MarkFailed(nil); err != nil {
		t.Errorf("clearing no record: %v", err)
	}
	writeResult(t, j.Dir, 0, 0.5, true)
	check(StateDone, "")
}

// TestFinishedRuns: a column's finished runs of one seed, with the paper's numbers; unfinished
// and missing cells are left out, an unknown method is an error.
func TestFinishedRuns(t *testing.T) {
	root := t.TempDir()
	for _, c := range []struct {
		method string
		done   bool
	}{{"ERM", true}, {"LDAM-DRW", true}, {"LDAM", false}} {
		run, err := Cell("table2", c.method, "C10 LT 100")
		if err != nil {
			t.Fatal(err)
		}
		writeResult(t, run.Dir(root, "lite", 1), 1, 0.5, c.done)
	}
	got, err := FinishedRuns(root, "lite", "table2", "C10 LT 100", []string{"ERM", "ERM-DRW", "LDAM", "LDAM-DRW"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Method != "ERM" || got[1].Method != "LDAM-DRW" || got[1].Paper != 22.97 || got[0].Seed != 1 || got[0].Result.Final.Top1Error != 0.5 {
		t.Errorf("finished runs %+v", got)
	}
	if none, err := FinishedRuns(root, "lite", "table2", "C10 LT 100", []string{"ERM"}, 0); err != nil || len(none) != 0 {
		t.Errorf("seed 0: %v, %v", none, err)
	}
	if _, err := FinishedRuns(root, "lite", "table2", "C10 LT 100", []string{"Magic"}, 1); err == nil {
		t.Error("an unknown method was accepted")
	}
}

func TestResults(t *testing.T) {
	root := t.TempDir()
	run, _ := Cell("table2", "ERM", "C10 LT 100")
	for _, s := range []struct {
		seed      uint64
		selection string
		done      bool
	}{{10, catalog.Selection, true}, {2, catalog.Selection, true}, {1, "", true}, {3, catalog.Selection, false}} {
		dir := run.Dir(root, "lite", s.seed)
		writeResult(t, dir, s.seed, 0.5, s.done)
		r, err := record.ReadResult(filepath.Join(dir, record.ResultsFile))
		if err != nil {
			t.Fatal(err)
		}
		r.Data.Name, r.Data.Selection = "cifar10", s.selection
		if err := record.WriteJSON(filepath.Join(dir, record.ResultsFile), r); err != nil {
			t.Fatal(err)
		}
	}
	seeds := func(rs []*record.Result) (out []uint64) {
		for _, r := range rs {
			out = append(out, r.Config.Seed)
		}
		return out
	}
	for _, c := range []struct {
		official bool
		want     []uint64
	}{{false, []uint64{1, 2, 10}}, {true, []uint64{2, 10}}} {
		got, err := run.Results(root, "lite", c.official)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(seeds(got), c.want) {
			t.Errorf("official only %v: seeds %v, want %v (finished, in seed order)", c.official, seeds(got), c.want)
		}
	}
}

// TestSweepOrderAndLateArchive: one slot trains the plan in its order (seed by seed, each first
// stage before its branches), finished runs skipped; a run on the earlier image selection stays
// in place, readable, while the jobs before it train, and is moved aside when its own job starts.
func TestSweepOrderAndLateArchive(t *testing.T) {
	root := t.TempDir()
	jobs, deps, err := Plan(root, "table2", "lite", []uint64{0, 1}, []string{"ERM", "ERM-DRW", "LDAM", "LDAM-DRW"}, []string{"C10 LT 100"})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, j := range jobs {
		want = append(want, fmt.Sprintf("%s/%d", j.Run.Method, j.Seed))
	}
	// Seed 0's LDAM is finished; seed 1's ERM is a finished run on the earlier selection.
	var ldam0, erm1 Job
	for _, j := range jobs {
		switch {
		case j.Run.Method == "LDAM" && j.Seed == 0:
			ldam0 = j
		case j.Run.Method == "ERM" && j.Seed == 1:
			erm1 = j
		}
	}
	writeResult(t, ldam0.Dir, 0, 0.5, true)
	r := &record.Result{Config: record.Config{Seed: 1}, Done: true, Data: record.DataSummary{Name: "cifar10"}, Final: &metrics.Result{Top1Error: 0.5}}
	if err := os.MkdirAll(erm1.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := record.WriteJSON(filepath.Join(erm1.Dir, record.ResultsFile), r); err != nil {
		t.Fatal(err)
	}
	if !erm1.Stale() {
		t.Fatal("the earlier-selection run is not stale")
	}
	var order []string
	err = Sweep(context.Background(), jobs, deps, 1, func(_ context.Context, j Job) error {
		name := fmt.Sprintf("%s/%d", j.Run.Method, j.Seed)
		order = append(order, name)
		_, statErr := os.Stat(filepath.Join(erm1.Dir, record.ResultsFile))
		switch {
		case j.Seed == 0 && statErr != nil:
			t.Errorf("while %s trains, seed 1's earlier ERM run is already gone", name)
		case name == "ERM/1" && statErr == nil:
			t.Errorf("ERM/1 starts with the earlier run still in its directory")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var wantRun []string
	for _, w := range want {
		if w != "LDAM/0" {
			wantRun = append(wantRun, w)
		}
	}
	if got := strings.Join(order, " "); got != strings.Join(wantRun, " ") {
		t.Errorf("order %s, want the plan's %s", got, strings.Join(wantRun, " "))
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(erm1.Dir), ArchivePrefix+"seed-1", record.ResultsFile)); err != nil {
		t.Errorf("the earlier run was not moved aside: %v", err)
	}
}
