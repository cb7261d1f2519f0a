package experiment

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/ldam/balance"
	"github.com/ldamlab/ldamlab/ldam/probe"
	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/stage2"
)

// skewedImages is a 3-class set of 8×8 RGB images, counts 24/10/4, whose pixels are noise
// around a class-dependent level.
func skewedImages(seed uint64) *datasets.Images {
	rng := rand.New(rand.NewPCG(seed, 7))
	d := &datasets.Images{Name: "skewed", Classes: []string{"a", "b", "c"}, Height: 8, Width: 8, Channels: 3}
	for c, n := range []int{24, 10, 4} {
		for range n {
			d.Labels = append(d.Labels, c)
			for range 8 * 8 * 3 {
				d.Pixels = append(d.Pixels, uint8(min(255, 60*c+40+rng.IntN(60))))
			}
		}
	}
	return d
}

func TestMixupTrains(t *testing.T) {
	for _, micro := range []int{1, 2} {
		base := Config{Data: pointsData(t), LossType: "CE", Epochs: 4, BatchSize: 16, Seed: 2, MicroBatches: micro}
		mixed := base
		mixed.Mixup = 1
		a, err := Train(base)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Train(mixed)
		if err != nil {
			t.Fatal(err)
		}
		la, lb := a.History[3].TrainLoss, b.History[3].TrainLoss
		if math.IsNaN(lb) || lb <= 0 {
			t.Fatalf("micro-batches %d: mixup's training loss %g", micro, lb)
		}
		if la == lb {
			t.Errorf("micro-batches %d: the same training loss %g with and without mixup", micro, la)
		}
		if b.Config.Mixup != 1 {
			t.Errorf("results record mixup %g", b.Config.Mixup)
		}
	}
}

// TestMiSLASSecondStage: after the last epoch the run fine-tunes its linear head as
// probe.AuthorsMiSLAS does on its frozen training features, reports the evaluation after it as Final (before it as
// Stage1), and saves it: a resumed run evaluates to Final.
func TestMiSLASSecondStage(t *testing.T) {
	imgs := skewedImages(1)
	data := &Data{Name: "skewed", Classes: imgs.Classes, TrainImages: imgs, TestImages: skewedImages(2), Info: datasets.InfoFor("cifar10")}
	dir := t.TempDir()
	cfg := Config{Data: data, Arch: "resnet32", Width: 0.25, LossType: "CE", Mixup: 1, Stage2: "mislas", Epochs: 2, BatchSize: 8, Seed: 1, Out: dir}
	run, err := Prepare(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Fit(); err != nil {
		t.Fatal(err)
	}
	res := run.Result
	if res.Stage1 == nil || res.Final == nil || !res.Done {
		t.Fatalf("stage1 %v, final %v, done %v", res.Stage1, res.Final, res.Done)
	}
	if c := res.Config; c.Stage2 != record.Stage2MiSLAS || c.SmoothHead != 0.3 || c.SmoothTail != 0 {
		t.Errorf("recorded stage 2 %q, smoothing %g → %g; want MiSLAS, 0.3 → 0", c.Stage2, c.SmoothHead, c.SmoothTail)
	}
	// The head is MiSLAS's fine-tune of the trained head (kept in TrainedFile) on the trained
	// network's frozen features.
	got, err := run.LinearHead()
	if err != nil {
		t.Fatal(err)
	}
	if err := run.LoadWeights(filepath.Join(dir, record.TrainedFile)); err != nil {
		t.Fatal(err)
	}
	head, err := run.LinearHead()
	if err != nil {
		t.Fatal(err)
	}
	x, _, labels, err := run.SplitOutputs(false, run.Features)
	if err != nil {
		t.Fatal(err)
	}
	eps, err := probe.LASSmoothing(res.Data.TrainCounts, 0.3, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := probe.AuthorsMiSLAS()
	f.Seed = cfg.Seed
	want, _, err := f.Run(head, x, labels, eps)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.W {
		if math.Abs(got.W[i]-want.W[i]) > 1e-4*max(1, math.Abs(want.W[i])) {
			t.Fatalf("head weight %d: %g, the authors' fine-tune from the trained head %g", i, got.W[i], want.W[i])
		}
	}
	// The checkpoint holds the second stage's head.
	again := cfg
	again.Resume = true
	run2, err := Prepare(again)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := run2.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	if ev.Top1Error != res.Final.Top1Error {
		t.Errorf("resumed run evaluates to %g, Final says %g", ev.Top1Error, res.Final.Top1Error)
	}
	// A loss with the cosine head has no linear head to re-fit.
	bad := cfg
	bad.LossType, bad.Out = "LDAM", ""
	if _, err := Prepare(bad); err == nil {
		t.Error("--stage2 MiSLAS accepted the LDAM loss's cosine head")
	}
}

// TestWeightBalancingSecondStage: --stage2 WB fine-tunes the trained linear head as
// probe.AuthorsMaxNorm does (class-balanced weights of β = stage2.WBBeta, the run's seed), keeps the
// network before it in TrainedFile, and leaves every class vector within the MaxNorm bound of
// the trained head.
func TestWeightBalancingSecondStage(t *testing.T) {
	imgs := skewedImages(1)
	data := &Data{Name: "skewed", Classes: imgs.Classes, TrainImages: imgs, TestImages: skewedImages(2), Info: datasets.InfoFor("cifar10")}
	cfg := Config{Data: data, Arch: "resnet32", Width: 0.25, LossType: "CE", WeightDecay: 5e-3, Epochs: 2, BatchSize: 8, Seed: 1, Stage2: "wb", Out: t.TempDir()}
	run, err := Prepare(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Fit(); err != nil {
		t.Fatal(err)
	}
	if run.Result.Config.Stage2 != record.Stage2WB || run.Result.Stage1 == nil {
		t.Fatalf("recorded stage 2 %q, stage 1 result %v", run.Result.Config.Stage2, run.Result.Stage1)
	}
	got, err := run.LinearHead()
	if err != nil {
		t.Fatal(err)
	}
	// The trained network, reloaded from TrainedFile: its head and features give the stage.
	if err := run.LoadWeights(filepath.Join(cfg.Out, record.TrainedFile)); err != nil {
		t.Fatal(err)
	}
	head, err := run.LinearHead()
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(head.W, got.W) {
		t.Fatal("the head after the second stage equals the trained one")
	}
	trained, err := run.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	if trained.Top1Error != run.Result.Stage1.Top1Error {
		t.Errorf("the network in %s scores %g, the recorded first stage %g", record.TrainedFile, trained.Top1Error, run.Result.Stage1.Top1Error)
	}
	x, _, labels, err := run.SplitOutputs(false, run.Features)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := balance.ClassBalanced(run.Result.Data.TrainCounts, stage2.WBBeta)
	if err != nil {
		t.Fatal(err)
	}
	f := probe.AuthorsMaxNorm()
	f.Seed = cfg.Seed
	want, delta, err := f.Run(head, x, labels, cb)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.W {
		if math.Abs(got.W[i]-want.W[i]) > 1e-4*max(1, math.Abs(want.W[i])) {
			t.Fatalf("head weight %d: %g, the authors' fine-tune from the trained head %g", i, got.W[i], want.W[i])
		}
	}
	for j, n := range got.RowNorms() {
		if n > delta*(1+1e-5) {
			t.Errorf("class %d's vector has norm %g, over the MaxNorm bound %g", j, n, delta)
		}
	}
	bad := cfg
	bad.LossType, bad.Out = "LDAM", ""
	if _, err := Prepare(bad); err == nil {
		t.Error("--stage2 WB accepted the LDAM loss's cosine head")
	}
}

// TestRestage: re-running the second stage of a finished run from TrainedFile gives, with the
// same procedure, the same head and evaluation as the run's own; runs without a kept network
// or without a second stage are refused with errors that say so.
func TestRestage(t *testing.T) {
	imgs := skewedImages(1)
	data := &Data{Name: "skewed", Classes: imgs.Classes, TrainImages: imgs, TestImages: skewedImages(2), Info: datasets.InfoFor("cifar10")}
	dir := t.TempDir()
	cfg := Config{Data: data, Arch: "resnet32", Width: 0.25, LossType: "CE", Mixup: 1, Stage2: "MiSLAS", Epochs: 2, BatchSize: 8, Seed: 3, Out: dir}
	run, err := Prepare(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Fit(); err != nil {
		t.Fatal(err)
	}
	first := *run.Result.Final
	head, err := run.LinearHead()
	if err != nil {
		t.Fatal(err)
	}
	again := cfg
	again.Resume = true
	run2, err := Prepare(again)
	if err != nil {
		t.Fatal(err)
	}
	before, err := run2.Restage()
	if err != nil {
		t.Fatal(err)
	}
	if before.Top1Error != first.Top1Error || run2.Result.Final.Top1Error != first.Top1Error {
		t.Errorf("restaged: before %g, after %g; the run's own stage gave %g", before.Top1Error, run2.Result.Final.Top1Error, first.Top1Error)
	}
	head2, err := run2.LinearHead()
	if err != nil {
		t.Fatal(err)
	}
	for i := range head.W {
		if math.Abs(head.W[i]-head2.W[i]) > 1e-5*max(1, math.Abs(head.W[i])) {
			t.Fatalf("head weight %d: %g restaged, %g from the run", i, head2.W[i], head.W[i])
		}
	}
	saved, err := record.ReadResult(filepath.Join(dir, record.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	if saved.Final == nil || saved.Final.Top1Error != run2.Result.Final.Top1Error || !saved.Done || len(saved.History) != 2 {
		t.Errorf("results.json after restage: final %v, done %v, %d epochs", saved.Final, saved.Done, len(saved.History))
	}
	t.Run("no kept network", func(t *testing.T) {
		if err := os.Remove(filepath.Join(dir, record.TrainedFile)); err != nil {
			t.Fatal(err)
		}
		run3, err := Prepare(again)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := run3.Restage(); err == nil || !strings.Contains(err.Error(), "--branch_from") {
			t.Errorf("error %v, want one naming the way out (--branch_from)", err)
		}
	})
	t.Run("no second stage", func(t *testing.T) {
		plain := cfg
		plain.Stage2, plain.Out = "", t.TempDir()
		p, err := Prepare(plain)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Restage(); err == nil || !strings.Contains(err.Error(), "no second stage") {
			t.Errorf("error %v, want one saying the run has no second stage", err)
		}
	})
}
