package lab

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/ldam/analysis"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/stage2"
	"github.com/ldamlab/ldamlab/tables"
)

// TestSecondStages runs every second stage on a small cross-entropy run and checks that "as
// trained" — the head read back from the Store applied to the extracted features — gives the
// network's own test error, so the others are scored on the same footing.
func TestSecondStages(t *testing.T) {
	t.Setenv(EnvRoot, t.TempDir())
	t.Setenv(EnvOut, "")
	t.Setenv(EnvPreset, "quick")
	// Long-tailed training classes (16 down to 2 images), balanced test classes.
	train, err := datasets.Imbalanced(smallImages(16, 7), datasets.LongTailed, 1.0/8, 0, 0, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	test := smallImages(3, 8)
	cfg := experiment.Config{Data: &experiment.Data{Name: "small", Classes: train.Classes, TrainImages: train, TestImages: test,
		Info: datasets.InfoFor("fashion-mnist")}, Arch: "spherecnn", LossType: "CE", Epochs: 2, BatchSize: 20}
	run, err := RunModel("second-stages", cfg)
	if err != nil {
		t.Fatal(err)
	}
	stages, err := analysis.SecondStages(run, 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) != 9 {
		t.Fatalf("%d stages, want 9", len(stages))
	}
	own, err := run.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(stages[0].Result.Top1Error-own.Top1Error) > 1e-9 {
		t.Errorf("the head read back scores %g, the network itself %g", stages[0].Result.Top1Error, own.Top1Error)
	}
	for _, s := range stages {
		if e := s.Result.Top1Error; e < 0 || e > 1 {
			t.Errorf("%s: error %g", s.Method, e)
		}
	}
	if md := tables.SecondStages(stages).Markdown(); !strings.Contains(md, "cRT") || !strings.Contains(md, "LWS") {
		t.Errorf("table:\n%s", md)
	}
	cfg.LossType = "LDAM"
	cosine, err := RunModel("second-stages-ldam", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := analysis.SecondStages(cosine, 1e-3); err == nil || !strings.Contains(err.Error(), "linear classifier") {
		t.Errorf("a cosine-head run: %v", err)
	}
}

// TestSecondStagesOfRuns restores two finished CIFAR-10-LT runs (seeds 0 and 1, quick and
// tiny) from their directories and scores their second stages: each "as trained" is the run's
// own final error; an unfinished run is refused by name.
func TestSecondStagesOfRuns(t *testing.T) {
	if os.Getenv("LDAMLAB_DATASETS") == "" {
		t.Skip("$LDAMLAB_DATASETS is not set")
	}
	var dirs []string
	var finals []float64
	for _, seed := range []uint64{0, 1} {
		dir := t.TempDir()
		res, err := experiment.Train(experiment.Config{Dataset: "cifar10", ImbType: "exp", ImbFactor: 0.01, LossType: "CE", Preset: "quick",
			Epochs: 1, MaxPerClass: 100, TestPerClass: 5, BatchSize: 32, Width: 0.25, Seed: seed, Out: dir})
		if err != nil {
			t.Fatal(err)
		}
		dirs, finals = append(dirs, dir), append(finals, res.Final.Top1Error)
	}
	runs, err := analysis.SecondStagesOfRuns(dirs, 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].Seed != 0 || runs[1].Seed != 1 {
		t.Fatalf("runs %+v", runs)
	}
	for i, r := range runs {
		if got := r.Stages[0].Result.Top1Error; math.Abs(got-finals[i]) > 1e-9 {
			t.Errorf("seed %d: %q scores %g, the run's final error is %g", r.Seed, r.Stages[0].Method, got, finals[i])
		}
	}
	tb, err := tables.SecondStagesSeeds(runs)
	if err != nil || len(tb.Rows) != len(runs[0].Stages) || !strings.Contains(tb.Rows[0][1], "(2)") || !strings.Contains(tb.Rows[0][4], "seeds 0, 1") {
		t.Errorf("table (%v):\n%s", err, tb.Markdown())
	}
	// The stages are stored beside each run and read back while its checkpoint and lambda stay
	// the same: a value edited in the store is what the next call returns; another lambda
	// computes them again.
	file := filepath.Join(dirs[0], record.DerivedFile)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("the stages were not stored: %v", err)
	}
	var store map[string]map[string]json.RawMessage
	if err := json.Unmarshal(b, &store); err != nil {
		t.Fatal(err)
	}
	var value []stage2.Stage
	if err := json.Unmarshal(store["second-stages"]["value"], &value); err != nil || len(value) != len(runs[0].Stages) {
		t.Fatalf("stored stages: %v", err)
	}
	value[0].Result.Top1Error = 0.123
	store["second-stages"]["value"], _ = json.Marshal(value)
	if err := record.WriteJSON(file, store); err != nil {
		t.Fatal(err)
	}
	if again, err := analysis.SecondStagesOfRuns(dirs[:1], 1e-3); err != nil || again[0].Stages[0].Result.Top1Error != 0.123 {
		t.Errorf("the stored stages were not read back: %v", err)
	}
	if other, err := analysis.SecondStagesOfRuns(dirs[:1], 1e-2); err != nil || math.Abs(other[0].Stages[0].Result.Top1Error-finals[0]) > 1e-9 {
		t.Errorf("another lambda did not recompute: %v", err)
	}
	unfinished := t.TempDir()
	if err := record.WriteJSON(filepath.Join(unfinished, record.ResultsFile), &experiment.Result{}); err != nil {
		t.Fatal(err)
	}
	if _, err := analysis.SecondStagesOfRuns([]string{unfinished}, 1e-3); err == nil || !strings.Contains(err.Error(), unfinished) {
		t.Errorf("an unfinished run: %v", err)
	}
}
