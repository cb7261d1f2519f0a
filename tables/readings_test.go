package tables

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/datasets/catalog"
	"github.com/ldamlab/ldamlab/ldam/analysis"
	"github.com/ldamlab/ldamlab/ldam/metrics"
	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/registry"
	"github.com/ldamlab/ldamlab/ldam/schedule"
	"github.com/ldamlab/ldamlab/ldam/stage2"
	"github.com/ldamlab/ldamlab/ldam/theory"
)

// finished is a finished run of method with the given final balanced error on ten classes
// (counts 5000 … 50) and the paper's number.
func finished(method string, paperErr, err float64, rule, loss string) registry.Finished {
	few := err + 0.1
	p := schedule.Preset{Name: "quick", Epochs: 10, BatchSize: 128, DeferEpoch: 8}
	r := &record.Result{Done: true, Preset: p, Backend: "Go Backend",
		Config: record.Config{Seed: 3, TrainRule: rule, LossType: loss},
		Data:   record.DataSummary{Name: "cifar10", TrainCounts: []int{5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50}},
		Final:  &metrics.Result{Top1Error: err, OverallError: err / 2, PerClassError: make([]float64, 10), FewShotError: &few}}
	for e := range p.Epochs {
		// 0.9 until T0, then a drop of err·(1 − 1/4) … ending at err.
		v := 0.9
		if e >= p.DeferEpoch {
			v = err
		}
		r.History = append(r.History, record.Epoch{Epoch: e, Test: metrics.Result{Top1Error: v}})
	}
	return registry.Finished{Method: method, Paper: paperErr, Result: r}
}

func TestRunsReading(t *testing.T) {
	for _, tc := range []struct {
		name   string
		runs   []registry.Finished
		metric Metric
		want   []string
		not    []string
	}{
		{"near chance, paper's order",
			[]registry.Finished{finished("LDAM-DRW", 20, 0.80, "DRW", "LDAM"), finished("CB RW", 30, 0.86, "Reweight", "CE")}, Balanced,
			[]string{"Quick preset, 10 epochs, about 970 SGD steps on 12406 training images (the rarest class 50); seed 3", "LDAM-DRW 80.0 % (few-shot 90 %)",
				"The order is the paper's (LDAM-DRW < CB RW)", "balanced error is within 15 points of chance (90 % with 10 classes)"}, []string{"compare the order"}},
		{"trained, another order",
			[]registry.Finished{finished("LDAM-DRW", 20, 0.50, "DRW", "LDAM"), finished("CB RW", 30, 0.40, "Reweight", "CE")}, Balanced,
			[]string{"The paper orders them LDAM-DRW < CB RW; here CB RW < LDAM-DRW.", "compare the order with the paper's"}, []string{"chance"}},
		{"Table 6's metric",
			[]registry.Finished{finished("ERM", 10, 0.50, "None", "CE")}, OnTestSet,
			[]string{"The error on the imbalanced test set: ERM 25.0 %"}, []string{"order"}},
		{"ties",
			[]registry.Finished{finished("ERM", 36.8, 0.5, "None", "CE"), finished("RS", 26.5, 0.5, "Resample", "CE"), finished("RW", 23.7, 0.48, "Reweight", "CE")}, Balanced,
			[]string{"The paper orders them RW < RS < ERM; here RW < ERM = RS."}, nil},
		{"no paper number, no order",
			[]registry.Finished{finished("A", 0, 0.5, "None", "CE"), finished("B", 10, 0.4, "None", "CE")}, Balanced,
			nil, []string{"order"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := RunsReading(tc.runs, tc.metric)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("the reading lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(got, w) {
					t.Errorf("the reading says %q:\n%s", w, got)
				}
			}
		})
	}
	t.Run("two classes by name", func(t *testing.T) {
		r := finished("RW", 0, 0.43, "Reweight", "CE")
		r.Result.Data.Classes = []string{"negative", "positive"}
		r.Result.Final.PerClassError = []float64{0.80, 0.06}
		got, err := RunsReading([]registry.Finished{r}, Balanced)
		if err != nil || !strings.Contains(got, "RW 43.0 % (negative 80 %, positive 6 %)") {
			t.Errorf("reading %q, error %v", got, err)
		}
	})
	if _, err := RunsReading(nil, Balanced); err == nil {
		t.Error("a reading of no run")
	}
	unfinished := finished("ERM", 0, 0.5, "None", "CE")
	unfinished.Result.Final = nil
	if _, err := RunsReading([]registry.Finished{unfinished}, Balanced); err == nil || !strings.Contains(err.Error(), "ERM") {
		t.Errorf("an unfinished run: error %v, want one naming it", err)
	}
}

func TestCurvesReading(t *testing.T) {
	runs := []registry.Finished{finished("ERM", 0, 0.60, "None", "CE"), finished("ERM-DRW", 0, 0.45, "DRW", "CE")}
	got, err := CurvesReading(runs)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"T0 = 8", "ERM 90.0 → 60.0 → 60.0 %", "ERM-DRW 90.0 → 45.0 → 45.0 %",
		"takes ERM down 30.0 points; the re-balanced runs drop ERM-DRW 45.0 points", "the shape of the switch"} {
		if !strings.Contains(got, w) {
			t.Errorf("the reading lacks %q:\n%s", w, got)
		}
	}
	short := finished("ERM", 0, 0.6, "None", "CE")
	short.Result.History = short.Result.History[:5]
	if _, err := CurvesReading([]registry.Finished{short}); err == nil || !strings.Contains(err.Error(), "T0 = 8") {
		t.Errorf("a run stopped before T0: error %v", err)
	}
}

func TestProbeReading(t *testing.T) {
	probe := func(m string, backbone, mean float64) *analysis.ProbeResult {
		return &analysis.ProbeResult{Method: m, Preset: "lite", Seed: 0, Epoch: 16, Fit: 5000, Held: 5000, Errors: make([]float64, 10), MeanError: mean, Backbone: backbone}
	}
	for _, tc := range []struct {
		name string
		rw   float64
		want []string
	}{
		{"worse beyond noise", 0.40, []string{"+10.0 points against ERM (beyond twice its standard error", "probe 30.0 ± 0.6 %"}},
		{"level", 0.301, []string{"+0.1 points against ERM (within twice its standard error"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ProbeReading([]*analysis.ProbeResult{probe("ERM", 0.5, 0.30), probe("CB RS", 0.5, 0.31), probe("CB RW", 0.6, tc.rw)})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range append(tc.want, "Lite preset, seed 0, backbones at T0 = 16") {
				if !strings.Contains(got, w) {
					t.Errorf("the reading lacks %q:\n%s", w, got)
				}
			}
			if strings.Contains(got, "chance") {
				t.Errorf("trained backbones called near chance:\n%s", got)
			}
		})
	}
	got, _ := ProbeReading([]*analysis.ProbeResult{probe("ERM", 0.85, 0.7)})
	if !strings.Contains(got, "within 15 points of chance") {
		t.Errorf("backbones at 85 %% error on ten classes:\n%s", got)
	}
}

func TestMenonReading(t *testing.T) {
	rs := []theory.ToyResult{
		{Loss: "ERM", Mean: 0.18, Std: 0.02, Bayes: 0.0786, Trials: 100, Train: 10000, Test: 10000},
		{Loss: "logit-adjusted", Mean: 0.0787, Std: 0.002, Bayes: 0.0786, Trials: 100, Train: 10000, Test: 10000},
	}
	got, err := MenonReading(rs)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"100 trials of 10000 training and 10000 test points", "Bayes-optimal 7.86 %; logit-adjusted 7.87 ± 0.20 %, ERM 18.00 ± 2.00 %",
		"Within two standard errors of the Bayes error: logit-adjusted.", "Not: ERM, 10.14 points above."} {
		if !strings.Contains(got, w) {
			t.Errorf("the reading lacks %q:\n%s", w, got)
		}
	}
	if _, err := MenonReading(nil); err == nil {
		t.Error("a reading of no result")
	}
}

func TestSecondStagesReading(t *testing.T) {
	res := func(bal, medium float64) metrics.Result {
		return metrics.Result{Top1Error: bal, MediumShotError: &medium}
	}
	runs := []analysis.SeedStages{
		{Seed: 0, Stages: []stage2.Stage{{Method: "as trained", Result: res(0.50, 1)}, {Method: "cRT", Result: res(0.40, 0.3)}, {Method: "τ-normalization", Result: res(0.52, 1)}}},
		{Seed: 1, Stages: []stage2.Stage{{Method: "as trained", Result: res(0.60, 0.98)}, {Method: "cRT", Result: res(0.44, 0.5)}, {Method: "τ-normalization", Result: res(0.58, 1)}}},
	}
	got, err := SecondStagesReading(runs)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Seeds 0, 1, one network each. As trained: 55.0 ± 7.1 % (medium-shot 99.0 ± 1.4 %)",
		"cRT 42.0 ± 2.8 % (-13.0, lower in 2 of 2); τ-normalization 55.0 ± 4.2 % (+0.0, lower in 1 of 2)",
		"Lower than the network as trained in every seed: cRT.", "up to 6.0 points"} {
		if !strings.Contains(got, w) {
			t.Errorf("the reading lacks %q:\n%s", w, got)
		}
	}
	runs[1].Stages = runs[1].Stages[:2]
	if _, err := SecondStagesReading(runs); err == nil {
		t.Error("seeds with different stages were read together")
	}
}

func TestSeedsReading(t *testing.T) {
	root := t.TempDir()
	writeRuns(t, root, "beyond", map[string][]float64{"ERM": {0.60, 0.50}, "LA": {0.40, 0.45}})
	got, err := SeedsReading(root, "lite", "beyond", "C10 LT 100", []string{"ERM", "LA", "VS"}, "ERM")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"from the lowest: LA 42.5 ± 3.5 % (n = 2; -12.5 against ERM, lower in 2 of 2 shared seeds); ERM 55.0 ± 7.1 % (n = 2)",
		"Not run yet: VS.", "up to 10.0 points"} {
		if !strings.Contains(got, w) {
			t.Errorf("the reading lacks %q:\n%s", w, got)
		}
	}
	if _, err := SeedsReading(t.TempDir(), "lite", "beyond", "C10 LT 100", []string{"LA"}, "ERM"); err == nil || !strings.Contains(err.Error(), "ldam sweep") {
		t.Errorf("no baseline run: error %v, want one saying how to train it", err)
	}
}

func TestMarginReadings(t *testing.T) {
	reports := []*analysis.MarginReport{
		{Counts: []int{200, 40, 8}, Margins: []float64{2, 3, 0.2}, TrainError: 0.01},
		{Counts: []int{200, 40, 8}, Margins: []float64{0.3, 0.35, 0.4}, TrainError: 0},
	}
	got, err := MarginRatiosReading([]string{"ERM", "LDAM"}, reports)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"(8 against 200 training points), where Eq. 9 asks for 2.24", "ERM 0.10 (the opposite of Eq. 9; training error 1.0 %)", "LDAM 1.33 (the direction of Eq. 9"} {
		if !strings.Contains(got, w) {
			t.Errorf("the reading lacks %q:\n%s", w, got)
		}
	}
	if _, err := MarginRatiosReading([]string{"ERM"}, reports); err == nil {
		t.Error("two reports, one name")
	}
	ms := []*analysis.NetworkMargins{{Name: "ERM", Preset: "lite", Backend: "Go Backend", Median: []float64{3.6, 1, -3.8}, TrainError: []float64{0.04, 0.5, 1}}}
	got, err = MarginsReading(ms)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Lite preset, seed 0, Go Backend", "ERM: median margin 3.600 → -3.800 from class 0 to class 2 (falls), negative for 1 of 3 classes; training error 4 % on class 0, 100 % on class 2"} {
		if !strings.Contains(got, w) {
			t.Errorf("the reading lacks %q:\n%s", w, got)
		}
	}
}

func TestReconciliationReading(t *testing.T) {
	root := t.TempDir()
	write := func(table, name string, seed uint64, err float64, selection string) {
		dir := filepath.Join(root, "results", "lite", table, name, fmt.Sprintf("seed-%d", seed))
		if e := os.MkdirAll(dir, 0o755); e != nil {
			t.Fatal(e)
		}
		r := &record.Result{Done: true, Config: record.Config{Seed: seed}, Final: &metrics.Result{Top1Error: err},
			Data: record.DataSummary{Name: "cifar10", Selection: selection}}
		if e := record.WriteJSON(filepath.Join(dir, record.ResultsFile), r); e != nil {
			t.Fatal(e)
		}
	}
	official := catalog.Selection
	cell := func(m string) string {
		c, err := registry.Cell("table2", m, "C10 LT 100")
		if err != nil {
			t.Fatal(err)
		}
		return c.Name
	}
	// ERM: ours 50, 52 against the official 51, 53 → −1.0, within. LDAM: ours 60, 62 against 50, 52
	// → +10, beyond. LDAM-DRW: our only official-selection seed is one; the other was on the
	// earlier selection and does not count.
	for seed, v := range map[uint64][2]float64{0: {0.50, 0.51}, 1: {0.52, 0.53}} {
		write("table2", cell("ERM"), seed, v[0], official)
		write("reference", cell("ERM"), seed, v[1], official)
	}
	for seed, v := range map[uint64][2]float64{0: {0.60, 0.50}, 1: {0.62, 0.52}} {
		write("table2", cell("LDAM"), seed, v[0], official)
		write("reference", cell("LDAM"), seed, v[1], official)
	}
	write("table2", cell("LDAM-DRW"), 0, 0.45, official)
	write("table2", cell("LDAM-DRW"), 1, 0.40, "")
	write("reference", cell("LDAM-DRW"), 0, 0.44, official)
	write("reference", cell("LDAM-DRW"), 1, 0.46, official)
	got, err := ReconciliationReading(root, "lite", "C10 LT 100", []string{"ERM", "LDAM", "LDAM-DRW"})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"ERM -1.00 ± 1.41 points (n = 2 / 2, within 2.8)", "LDAM +10.00 ± 1.41 points (n = 2 / 2, beyond 2.8)",
		"Not comparable yet (fewer than two finished seeds on a side): LDAM-DRW (ours 1, official 2)", "Beyond the tolerance: LDAM"} {
		if !strings.Contains(got, w) {
			t.Errorf("the reading lacks %q:\n%s", w, got)
		}
	}
}
