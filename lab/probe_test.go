package lab

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/figures"
	"github.com/ldamlab/ldamlab/ldam/analysis"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/tables"
)

// TestStage1BackboneAndProbe trains a backbone to T0, probes it, trains the run to its end,
// and checks that asking for the stage-1 backbone again restores the T0 weights exactly.
func TestStage1BackboneAndProbe(t *testing.T) {
	root := t.TempDir()
	t.Setenv(EnvRoot, root)
	t.Setenv(EnvOut, "")
	t.Setenv(EnvPreset, "quick")
	train, test := smallImages(6, 3), smallImages(4, 4)
	cfg := experiment.Config{Data: &experiment.Data{Name: "small", Classes: train.Classes, TrainImages: train, TestImages: test,
		Info: datasets.InfoFor("fashion-mnist")}, Arch: "spherecnn", LossType: "CE", TrainRule: "DRW", Epochs: 5, BatchSize: 20}
	run, err := Stage1Backbone("probe", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t0 := run.Result.Preset.DeferEpoch
	if t0 != 4 || len(run.Result.History) != t0 {
		t.Fatalf("stage 1 ran %d epochs, T0 = %d (want 4 and 4)", len(run.Result.History), t0)
	}
	dir := filepath.Join(root, "results", "quick", "probe")
	if _, err := os.Stat(filepath.Join(dir, record.Stage1File)); err != nil {
		t.Fatalf("no first-stage checkpoint: %v", err)
	}
	before, _, _, err := analysis.Features(run, true)
	if err != nil {
		t.Fatal(err)
	}
	r, err := analysis.LinearProbe("ERM", run, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Errors) != 10 || r.Fit != 20 || r.Held != 20 || r.FeatureDim != 3 || r.Epoch != 4 {
		t.Fatalf("probe result %+v: want 10 classes, 20/20 examples, 3-d features, T0 4", r)
	}
	for c, e := range r.Errors {
		if e < 0 || e > 1 {
			t.Errorf("class %d: error %g", c, e)
		}
	}
	if r.Backbone != run.Result.History[3].Test.Top1Error {
		t.Errorf("backbone error %g, want the T0 epoch's %g", r.Backbone, run.Result.History[3].Test.Top1Error)
	}
	if err := run.Fit(); err != nil { // the second stage: the weights move on
		t.Fatal(err)
	}
	if len(run.Result.History) != 5 {
		t.Fatalf("full run has %d epochs", len(run.Result.History))
	}
	after, _, _, _ := analysis.Features(run, true)
	if slices.Equal(before, after) {
		t.Fatal("the last epoch changed no feature: the check below could not fail")
	}
	again, err := Stage1Backbone("probe", cfg)
	if err != nil {
		t.Fatal(err)
	}
	restored, _, _, err := analysis.Features(again, true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before, restored) {
		t.Error("the restored stage-1 backbone's features differ from those at T0")
	}
	// The probe of a finished run's stage-1 checkpoint, as Fig. 6 takes committed runs, is the
	// probe at T0, and is stored beside the run: the next call does not reopen it. (In-memory
	// data cannot be reopened from the directory, so the backbone comes from Stage1Backbone.)
	stored, err := analysis.LinearProbeOfStage1("ERM", dir, 1, func() (*experiment.Run, error) { return Stage1Backbone("probe", cfg) })
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(stored.Errors, r.Errors) || stored.Backbone != r.Backbone || stored.Epoch != r.Epoch {
		t.Errorf("probe of the stage-1 checkpoint %+v, at T0 %+v", stored, r)
	}
	reread, err := analysis.LinearProbeOfStage1("ERM", dir, 1, func() (*experiment.Run, error) { return nil, os.ErrInvalid })
	if err != nil || !slices.Equal(reread.Errors, r.Errors) {
		t.Errorf("the stored probe was not read back: %v", err)
	}
	tb := tables.Probe([]*analysis.ProbeResult{r})
	if md := tb.Markdown(); !strings.Contains(md, "ERM") || !strings.Contains(md, "quick, 0") {
		t.Errorf("probe table:\n%s", md)
	}
	p, err := figures.Fig6([]*analysis.ProbeResult{r})
	if err != nil || p == nil {
		t.Fatal(err)
	}
}
