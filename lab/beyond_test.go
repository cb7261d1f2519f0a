package lab

import (
	"math"
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/ldam/experiment"
)

// TestSecondStages runs every second stage on a small cross-entropy run and checks that "as
// trained" — the head read back from the Store applied to the extracted features — gives the
// network's own test error, so the others are scored on the same footing.
func TestSecondStages(t *testing.T) {
	t.Setenv(EnvRoot, t.TempDir())
	t.Setenv(EnvOut, "")
	t.Setenv(EnvPreset, "quick")
	train, test := smallImages(8, 7), smallImages(3, 8)
	cfg := experiment.Config{Data: &experiment.Data{Name: "small", Classes: train.Classes, TrainImages: train, TestImages: test,
		Info: datasets.InfoFor("fashion-mnist")}, Arch: "spherecnn", LossType: "CE", Epochs: 2, BatchSize: 20}
	run, err := RunModel("second-stages", cfg)
	if err != nil {
		t.Fatal(err)
	}
	stages, err := SecondStages(run, 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) != 6 {
		t.Fatalf("%d stages, want 6", len(stages))
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
	if md := SecondStagesTable(stages).Markdown(); !strings.Contains(md, "cRT") || !strings.Contains(md, "LWS") {
		t.Errorf("table:\n%s", md)
	}
	cfg.LossType = "LDAM"
	cosine, err := RunModel("second-stages-ldam", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SecondStages(cosine, 1e-3); err == nil || !strings.Contains(err.Error(), "linear classifier") {
		t.Errorf("a cosine-head run: %v", err)
	}
}
