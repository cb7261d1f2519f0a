package lab

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/figures"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/record"
)

func TestPresetAndRoot(t *testing.T) {
	t.Setenv(EnvPreset, "")
	if p, err := Preset(); err != nil || p != "quick" {
		t.Errorf("default preset %q, %v", p, err)
	}
	t.Setenv(EnvPreset, "paper")
	if p, _ := Preset(); p != "paper" {
		t.Errorf("preset %q", p)
	}
	t.Setenv(EnvPreset, "turbo")
	if _, err := Preset(); err == nil || !strings.Contains(err.Error(), "unknown preset") {
		t.Errorf("bad preset: %v", err)
	}
	t.Setenv(EnvRoot, "")
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "lab", "lab.go")); err != nil {
		t.Errorf("root %s: %v", root, err)
	}
}

func synthetic(t *testing.T) *experiment.Data {
	train, err := datasets.GaussianMixture(datasets.RingMeans(3, 2, 2), 0.4, []int{40, 12, 4}, 1)
	if err != nil {
		t.Fatal(err)
	}
	test, _ := datasets.GaussianMixture(datasets.RingMeans(3, 2, 2), 0.4, []int{20, 20, 20}, 2)
	return &experiment.Data{Name: "synthetic", Classes: train.Classes, TrainPoints: train, TestPoints: test}
}

// quickSynthetic points the notebooks' environment at a fresh root in the quick preset and
// returns it with an LDAM-DRW configuration on synthetic data.
func quickSynthetic(t *testing.T, epochs int) (string, experiment.Config) {
	root := t.TempDir()
	t.Setenv(EnvRoot, root)
	t.Setenv(EnvOut, "")
	t.Setenv(EnvPreset, "quick")
	return root, experiment.Config{Data: synthetic(t), LossType: "LDAM", TrainRule: "DRW", BatchSize: 8, Epochs: epochs}
}

func TestRunOrLoad(t *testing.T) {
	root, cfg := quickSynthetic(t, 4)
	var live [][]Figure
	cfg.OnEpoch = func(r *experiment.Result) {
		figs, err := ProgressFigures("LDAM-DRW", r)
		if err != nil {
			t.Fatal(err)
		}
		live = append(live, figs)
	}
	r1, err := RunOrLoad("toy", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(live) != 4 {
		t.Fatalf("%d live updates", len(live))
	}
	if figs := live[3]; len(figs) != 2 || !strings.Contains(figs[0].SVG, "<svg") || !bytes.HasPrefix(figs[1].PNG, []byte("\x89PNG")) {
		t.Errorf("last live update: %d figures", len(figs))
	}
	file := filepath.Join(root, "results", "quick", "toy", record.ResultsFile)
	st1, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	// The second call loads the finished run instead of training again.
	live = nil
	r2, err := RunOrLoad("toy", cfg)
	if err != nil {
		t.Fatal(err)
	}
	st2, _ := os.Stat(file)
	if len(live) != 1 || !st2.ModTime().Equal(st1.ModTime()) || r2.Final.Top1Error != r1.Final.Top1Error {
		t.Errorf("second call retrained or showed no final state (%d live updates)", len(live))
	}
	live = nil
	// A different configuration trains afresh.
	cfg.LossType = "CE"
	r3, err := RunOrLoad("toy", cfg)
	if err != nil || r3.Config.LossType != "CE" || len(live) != 4 {
		t.Errorf("changed config: %v, loss %s, %d epochs", err, r3.Config.LossType, len(live))
	}
	// A complete full-preset result is preferred.
	paper := filepath.Join(root, "results", "paper", "toy")
	os.MkdirAll(paper, 0o755)
	r1.Done = true
	r1.Preset.Name = "paper"
	if err := record.WriteJSON(filepath.Join(paper, record.ResultsFile), r1); err != nil {
		t.Fatal(err)
	}
	r4, err := RunOrLoad("toy", cfg)
	if err != nil || r4.Preset.Name != "paper" {
		t.Errorf("full run not used: %v %v", err, r4.Preset.Name)
	}
	curves, perClass, err := figures.Progress("x", r4)
	if err != nil || curves == nil || perClass == nil {
		t.Errorf("plots: %v", err)
	}
	if p, err := SaveFigure(curves, "test-curves"); err != nil || p != filepath.Join("figures", "test-curves.svg") {
		t.Errorf("SaveFigure: %s %v", p, err)
	}
	if _, err := os.Stat(filepath.Join(root, "figures", "test-curves.png")); err != nil {
		t.Error(err)
	}
}

func TestFigureOutputIsAnImage(t *testing.T) {
	curves, _, err := figures.Progress("x", &experiment.Result{History: []record.Epoch{{Epoch: 0}, {Epoch: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Render(curves, FigureWidth, FigureHeight)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(f.SVG, "<?xml") {
		t.Fatalf("gonum's SVG starts %q; the prolog check below would test nothing", f.SVG[:20])
	}
	b := f.mimeBundle()
	svg, _ := b["image/svg+xml"].(string)
	if !strings.HasPrefix(svg, "<svg") || !strings.HasSuffix(strings.TrimSpace(svg), "</svg>") {
		t.Errorf("image/svg+xml output starts %q", svg[:min(40, len(svg))])
	}
	if png, _ := b["image/png"].([]byte); !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Error("no PNG beside the SVG")
	}
	if _, ok := b["text/html"]; ok {
		t.Error("a figure output must not be HTML (untrusted notebooks sanitize it to text)")
	}
	if txt, _ := b["text/plain"].(string); !strings.Contains(txt, "x: balanced test") {
		t.Errorf("text/plain stand-in %q", txt)
	}
}

func TestTrainLive(t *testing.T) {
	root, cfg := quickSynthetic(t, 3)
	if _, err := RunOrLoad("toy", cfg); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(root, "results", "quick", "toy", record.ResultsFile)
	before, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	epochs := 0
	cfg.OnEpoch = func(*experiment.Result) { epochs++ }
	r, err := TrainLive("toy", cfg)
	if err != nil {
		t.Fatal(err)
	}
	// It trains every epoch again (RunOrLoad would load the finished run and call OnEpoch once)
	// and leaves the committed run alone.
	if epochs != 3 || !r.Done || len(r.History) != 3 || r.Preset.Name != "quick" {
		t.Errorf("live run: %d epochs seen, done %v, %d in history, preset %q", epochs, r.Done, len(r.History), r.Preset.Name)
	}
	if after, err := os.ReadFile(file); err != nil || !bytes.Equal(after, before) {
		t.Errorf("the committed run changed: %v", err)
	}
}
