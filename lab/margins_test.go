package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/datasets/catalog"
	"github.com/ldamlab/ldamlab/ldam/analysis"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/registry"
	"github.com/ldamlab/ldamlab/tables"
)

func TestMarginsOf(t *testing.T) {
	t.Setenv(EnvRoot, t.TempDir())
	t.Setenv(EnvOut, "")
	t.Setenv(EnvPreset, "quick")
	train, test := smallImages(6, 5), smallImages(2, 6)
	cfg := experiment.Config{Data: &experiment.Data{Name: "small", Classes: train.Classes, TrainImages: train, TestImages: test,
		Info: datasets.InfoFor("fashion-mnist")}, Arch: "spherecnn", LossType: "CE", Epochs: 2, BatchSize: 20}
	run, err := RunModel("margins", cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := analysis.MarginsOf("ERM", run)
	if err != nil {
		t.Fatal(err)
	}
	for j := range 10 {
		if !(m.Min[j] <= m.Low[j] && m.Low[j] <= m.Median[j]) {
			t.Errorf("class %d: min %g, %g-quantile %g, median %g are not in order", j, m.Min[j], analysis.MarginQuantile, m.Low[j], m.Median[j])
		}
		if (m.TrainError[j] > 0) != (m.Min[j] <= 0) {
			t.Errorf("class %d: training error %g but Eq. 2 margin %g", j, m.TrainError[j], m.Min[j])
		}
	}
	if m.Counts[0] != 6 || m.Preset != "quick" {
		t.Errorf("counts %v, preset %q", m.Counts, m.Preset)
	}
	tb := tables.Margins([]*analysis.NetworkMargins{m})
	if len(tb.Rows) != 10 || tb.Rows[0][2] != "1.00" || !strings.Contains(tb.Header[3], "ERM") || tb.Rows[3][3] != fmt.Sprintf("%.3f", m.Median[3]) {
		t.Errorf("table %q %q", tb.Header, tb.Rows[0])
	}
}

// TestCommittedMargins restores a finished Table 2 run from its directory, as the committed lite
// runs are, and checks the margins equal those of the model that wrote it.
func TestCommittedMargins(t *testing.T) {
	if os.Getenv(catalog.EnvOffline) == "" {
		t.Skipf("$%s is not set", catalog.EnvOffline)
	}
	root := t.TempDir()
	t.Setenv(EnvRoot, root)
	if _, err := CommittedMargins("quick", "LDAM", "C10 LT 100", 0); err == nil || !strings.Contains(err.Error(), "no committed") {
		t.Fatalf("missing run: %v", err)
	}
	cell, err := registry.Cell("table2", "LDAM", "C10 LT 100")
	if err != nil {
		t.Fatal(err)
	}
	cfg := cell.Config
	cfg.Preset, cfg.Epochs, cfg.MaxPerClass, cfg.TestPerClass, cfg.BatchSize = "quick", 1, 100, 1, 32
	cfg.Out = cell.Dir(root, "quick", 0)
	run, err := experiment.Prepare(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Fit(); err != nil {
		t.Fatal(err)
	}
	want, err := analysis.MarginsOf("LDAM", run)
	if err != nil {
		t.Fatal(err)
	}
	got, err := CommittedMargins("quick", "LDAM", "C10 LT 100", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Min, want.Min) || !slices.Equal(got.Median, want.Median) || !slices.Equal(got.Counts, want.Counts) {
		t.Errorf("restored margins %v / %v, trained model's %v / %v", got.Min, got.Median, want.Min, want.Median)
	}
	// Stored beside the run, they read back exactly.
	if _, err := os.Stat(filepath.Join(cfg.Out, record.DerivedFile)); err != nil {
		t.Fatalf("the margins were not stored: %v", err)
	}
	stored, err := CommittedMargins("quick", "LDAM", "C10 LT 100", 0)
	if err != nil || !slices.Equal(stored.Min, want.Min) || !slices.Equal(stored.Low, want.Low) || !slices.Equal(stored.TrainError, want.TrainError) {
		t.Errorf("stored margins differ (%v)", err)
	}
}
