package reference

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/datasets/catalog"
	"github.com/ldamlab/ldamlab/ldam/balance"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/losses"
	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/schedule"
)

// needTorch skips without PyTorch, or fails when $LDAMLAB_REQUIRE_TORCH is set (CI).
func needTorch(t *testing.T) {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv("LDAMLAB_REQUIRE_TORCH") != "" {
			t.Fatalf("LDAMLAB_REQUIRE_TORCH is set: %v", err)
		}
		t.Skip(err)
	}
}

// root is the repository root (this package is ldam/reference).
func root(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// TestRecipeArithmetic: the reference's class counts, LDAM margins, DRW and class-balanced
// weights and learning rates equal the library's, for the lite preset on CIFAR-10-LT ρ = 100.
func TestRecipeArithmetic(t *testing.T) {
	needTorch(t)
	pj, _ := json.Marshal(schedule.Lite)
	out, err := exec.Command(Python(), filepath.Join(root(t), Script), "--selftest", "--preset_json", string(pj),
		"--imb_factor", "0.01", "--img_max", "5000").CombinedOutput()
	if err != nil {
		t.Fatalf("selftest: %v\n%s", err, out)
	}
	var got struct {
		Counts                                 []int
		Margins, DRWBefore, DRWAfter, Reweight []float64
		LR                                     []float64
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(out, &raw); err != nil {
		t.Fatalf("selftest output %q: %v", out, err)
	}
	for key, dst := range map[string]any{"counts": &got.Counts, "margins": &got.Margins, "drw_before": &got.DRWBefore,
		"drw_after": &got.DRWAfter, "reweight": &got.Reweight, "lr": &got.LR} {
		if err := json.Unmarshal(raw[key], dst); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
	}
	var selection string
	if err := json.Unmarshal(raw["selection"], &selection); err != nil || selection != catalog.Selection {
		t.Errorf("the reference names its selection %q, the library %q (%v)", selection, catalog.Selection, err)
	}
	counts, _ := datasets.ClassCounts(datasets.LongTailed, 5000, 10, 0.01, 0.5)
	if fmt.Sprint(got.Counts) != fmt.Sprint(counts) {
		t.Errorf("counts %v, library %v", got.Counts, counts)
	}
	margins, _ := losses.LDAMMargins(counts, 0.5)
	cb, _ := balance.ClassBalanced(counts, 0.9999)
	lrs := make([]float64, schedule.Lite.Epochs)
	for e := range lrs {
		lrs[e] = schedule.Lite.LR(e)
	}
	ones := balance.Uniform(10)
	for _, c := range []struct {
		name      string
		got, want []float64
	}{
		{"LDAM margins", got.Margins, margins}, {"DRW weights before T0", got.DRWBefore, ones},
		{"DRW weights from T0", got.DRWAfter, cb}, {"class-balanced weights", got.Reweight, cb}, {"learning rates", got.LR, lrs},
	} {
		if len(c.got) != len(c.want) {
			t.Errorf("%s: %d values, library %d", c.name, len(c.got), len(c.want))
			continue
		}
		for i := range c.got {
			if math.Abs(c.got[i]-c.want[i]) > 1e-9*math.Max(1, math.Abs(c.want[i])) {
				t.Errorf("%s[%d] = %.12g, library %.12g", c.name, i, c.got[i], c.want[i])
			}
		}
	}
}

// tinyCIFAR writes cifar10-jpeg-{train,test}.tar.gz with perClass and testPerClass images of
// each class (the offline layout), colored by class so that a network can learn them.
func tinyCIFAR(t *testing.T, dir string, perClass, testPerClass int) {
	t.Helper()
	for _, split := range []struct {
		name string
		n    int
	}{{"train", perClass}, {"test", testPerClass}} {
		var buf bytes.Buffer
		gz := gzip.NewWriter(&buf)
		tw := tar.NewWriter(gz)
		for c, class := range datasets.CIFAR10Classes {
			for i := range split.n {
				img := image.NewRGBA(image.Rect(0, 0, 32, 32))
				for y := range 32 {
					for x := range 32 {
						v := uint8((x*7 + y*3 + i*11) % 64)
						img.Set(x, y, color.RGBA{uint8(25 * c), v + uint8(c*12), 255 - uint8(20*c), 255})
					}
				}
				var jb bytes.Buffer
				if err := jpeg.Encode(&jb, img, &jpeg.Options{Quality: 90}); err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("%s/%s/%04d.jpg", split.name, class, i)
				tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(jb.Len()), Typeflag: tar.TypeReg})
				tw.Write(jb.Bytes())
			}
		}
		tw.Close()
		gz.Close()
		if err := os.WriteFile(filepath.Join(dir, "cifar10-jpeg-"+split.name+".tar.gz"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// tinyPreset is a 3-epoch preset on 20 training images of the head class (ρ = 10) and 4 test
// images per class, with DRW from epoch 2.
var tinyPreset = schedule.Preset{Name: "quick", Epochs: 3, BatchSize: 16, Momentum: 0.9, WeightDecay: 2e-4,
	Schedule: schedule.Schedule{BaseLR: 0.05, WarmupEpochs: 1, DecayEpochs: []int{2}, DecayFactor: 0.1}, DeferEpoch: 2,
	MaxPerClass: 20, TestPerClass: 4, Width: 0.25}

// TestRunsBranchesAndResumes trains ERM and ERM-DRW (branched at T0) with the reference on tiny
// data: the results load with the registry's reader, the branch repeats the first stage
// exactly and re-weights from T0 only, and a run stopped after one epoch and resumed ends as
// the uninterrupted run does.
func TestRunsBranchesAndResumes(t *testing.T) {
	needTorch(t)
	data := t.TempDir()
	tinyCIFAR(t, data, 20, 4)
	t.Setenv("LDAMLAB_DATASETS", data)
	out := t.TempDir()
	jobs, err := Plan(out, tinyPreset.Name, []uint64{0}, []string{"ERM-DRW", "ERM"}, "C10 LT 10")
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 || jobs[0].Run.Method != "ERM" || jobs[1].BranchFrom != jobs[0].Dir {
		t.Fatalf("plan: %+v, want ERM first and ERM-DRW branching from it", jobs)
	}
	if !strings.Contains(jobs[0].Dir, filepath.Join("results", "quick", "reference", "cifar10-exp10-erm", "seed-0")) {
		t.Errorf("run directory %s", jobs[0].Dir)
	}
	if err := Run(root(t), tinyPreset, jobs, 1, nil); err != nil {
		t.Fatal(err)
	}
	read := func(dir string) *experiment.Result {
		r, err := record.ReadResult(filepath.Join(dir, record.ResultsFile))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	erm, drw := read(jobs[0].Dir), read(jobs[1].Dir)
	for _, r := range []*experiment.Result{erm, drw} {
		if !r.Done || r.Final == nil || len(r.History) != 3 || r.Backend != Engine || r.Final.Confusion == nil {
			t.Fatalf("result: done %v, final %v, %d epochs, backend %q", r.Done, r.Final != nil, len(r.History), r.Backend)
		}
		if e := r.Final.Top1Error; e < 0 || e > 1 || len(r.Final.PerClassError) != 10 {
			t.Errorf("final error %v, per class %v", e, r.Final.PerClassError)
		}
		if want, _ := datasets.ClassCounts(datasets.LongTailed, 20, 10, 0.1, 0.5); fmt.Sprint(r.Data.TrainCounts) != fmt.Sprint(want) {
			t.Errorf("train counts %v, want %v", r.Data.TrainCounts, want)
		}
	}
	for e := range 2 {
		a, b := erm.History[e], drw.History[e]
		if a.TrainLoss != b.TrainLoss || a.Test.Top1Error != b.Test.Top1Error || b.Reweighted {
			t.Errorf("epoch %d: the branch differs from its first stage (loss %v vs %v, reweighted %v)", e, a.TrainLoss, b.TrainLoss, b.Reweighted)
		}
	}
	if !drw.History[2].Reweighted || erm.History[2].Reweighted {
		t.Errorf("epoch 2 re-weighted: DRW %v, ERM %v", drw.History[2].Reweighted, erm.History[2].Reweighted)
	}

	// Stopped after one epoch, then resumed: the same history as the uninterrupted run.
	stopped := Job{Run: jobs[0].Run, Seed: 0, Dir: filepath.Join(out, "stopped")}
	args, err := stopped.Args(root(t), tinyPreset, 1)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(Python(), append(args, "--stop_after", "1")...).CombinedOutput(); err != nil {
		t.Fatalf("stopped run: %v\n%s", err, b)
	}
	if r := read(stopped.Dir); r.Done || len(r.History) != 1 {
		t.Fatalf("after --stop_after 1: done %v, %d epochs", r.Done, len(r.History))
	}
	if err := Run(root(t), tinyPreset, []Job{stopped}, 1, nil); err != nil {
		t.Fatal(err)
	}
	resumed := read(stopped.Dir)
	for e := range 3 {
		if resumed.History[e].TrainLoss != erm.History[e].TrainLoss || resumed.History[e].Test.Top1Error != erm.History[e].Test.Top1Error {
			t.Errorf("epoch %d after resuming: loss %v, error %v; uninterrupted %v, %v", e, resumed.History[e].TrainLoss,
				resumed.History[e].Test.Top1Error, erm.History[e].TrainLoss, erm.History[e].Test.Top1Error)
		}
	}
}

// TestBadInput: methods and columns the reference cannot run, and a missing data set, fail
// with messages that name the problem.
func TestBadInput(t *testing.T) {
	if _, err := Plan(t.TempDir(), "lite", []uint64{0}, []string{"CB RS"}, "C10 LT 100"); err == nil || !strings.Contains(err.Error(), "no method") {
		t.Errorf("CB RS: %v", err)
	}
	if _, err := Plan(t.TempDir(), "lite", []uint64{0}, nil, "C100 LT 100"); err == nil || !strings.Contains(err.Error(), "CIFAR-10") {
		t.Errorf("CIFAR-100: %v", err)
	}
	needTorch(t)
	t.Setenv("LDAMLAB_DATASETS", t.TempDir())
	jobs, err := Plan(t.TempDir(), "quick", []uint64{0}, []string{"ERM"}, "C10 LT 100")
	if err != nil {
		t.Fatal(err)
	}
	err = Run(root(t), tinyPreset, jobs, 1, nil)
	if err == nil {
		t.Fatal("a run without data succeeded")
	}
	log, _ := os.ReadFile(filepath.Join(jobs[0].Dir, "train.log"))
	if !strings.Contains(string(log), "LDAMLAB_DATASETS") {
		t.Errorf("the log does not say how to point at the data: %s", log)
	}
}

// TestOurSelection: ourSelection (what TestOurSelectionIsTheOfficial compares) is our run's
// selection on the archives' layout: the profile's counts, each index inside its class's block
// (5,000 training and 1,000 test images a class), the quick preset's 100 test images a class,
// and the same indices as datasets' selection of a data set with those labels.
func TestOurSelection(t *testing.T) {
	run, err := Cell("LDAM-DRW", "C10 LT 100")
	if err != nil {
		t.Fatal(err)
	}
	train, test, err := ourSelection(schedule.Quick, run.Config)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := datasets.ClassCounts(datasets.LongTailed, 500, 10, 0.01, 0.5)
	got := make([]int, 10)
	for _, i := range train {
		got[i/5000]++
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("training counts %v, want %v", got, want)
	}
	tc := make([]int, 10)
	for _, i := range test {
		tc[i/1000]++
	}
	if fmt.Sprint(tc) != "[100 100 100 100 100 100 100 100 100 100]" {
		t.Errorf("test counts %v", tc)
	}
	labels := make([]int, 50000)
	for i := range labels {
		labels[i] = i / 5000
	}
	d := &datasets.Images{Classes: datasets.CIFAR10Classes, Height: 1, Width: 1, Channels: 1, Labels: labels, Pixels: make([]uint8, 50000)}
	for i := range d.Pixels {
		d.Pixels[i] = uint8(i % 251)
	}
	sub, err := datasets.Imbalanced(d, datasets.LongTailed, 0.01, 0.5, 500, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, i := range train {
		if sub.Pixels[k] != d.Pixels[i] {
			t.Fatalf("image %d of the subset is not index %d of the data set", k, i)
		}
	}
}

// TestOurSelectionIsTheOfficial: our runs train and test on exactly the images the official
// code's selection keeps (the reference's --print_selection, numpy itself on the same JPEG
// archives), in the quick preset (capped: 500 for the head class, 100 test images a class) and
// the lite one (the whole test set).
func TestOurSelectionIsTheOfficial(t *testing.T) {
	needTorch(t)
	if os.Getenv("LDAMLAB_DATASETS") == "" {
		t.Skip("$LDAMLAB_DATASETS is not set")
	}
	run, err := Cell("LDAM-DRW", "C10 LT 100")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []schedule.Preset{schedule.Quick, schedule.Lite} {
		train, test, err := ourSelection(p, run.Config)
		if err != nil {
			t.Fatal(err)
		}
		pj, _ := json.Marshal(p)
		out, err := exec.Command(Python(), filepath.Join(root(t), Script), "--print_selection", "--preset_json", string(pj),
			"--imb_factor", "0.01", "--datasets", os.Getenv("LDAMLAB_DATASETS")).Output()
		if err != nil {
			t.Fatalf("%s: --print_selection: %v", p.Name, err)
		}
		var official struct{ Train, Test []int }
		if err := json.Unmarshal(out, &official); err != nil {
			t.Fatalf("%s: %v\n%s", p.Name, err, out)
		}
		if fmt.Sprint(train) != fmt.Sprint(official.Train) {
			t.Errorf("%s: our %d training images differ from the official selection's %d", p.Name, len(train), len(official.Train))
		}
		if fmt.Sprint(test) != fmt.Sprint(official.Test) {
			t.Errorf("%s: our %d test images differ from the official selection's %d", p.Name, len(test), len(official.Test))
		}
	}
}

// ourSelection returns the indices of the CIFAR-10 JPEG training and test images that our run of
// a cell uses in a preset — the selection experiment.Prepare makes (datasets.ImbalancedIndices,
// CapPerClassIndices), on the archives' order (class by class, 5,000 training and 1,000 test
// images each, by file name).
func ourSelection(p schedule.Preset, c experiment.Config) (train, test []int, err error) {
	p = p.ForDataset("cifar10")
	labels := func(perClass int) []int {
		var l []int
		for c := range len(datasets.CIFAR10Classes) {
			for range perClass {
				l = append(l, c)
			}
		}
		return l
	}
	prof, err := datasets.ParseProfile(c.ImbType)
	if err != nil {
		return nil, nil, err
	}
	mu := c.StepMu
	if mu == 0 {
		mu = 0.5
	}
	classes := len(datasets.CIFAR10Classes)
	if train, err = datasets.ImbalancedIndices(labels(5000), classes, prof, c.ImbFactor, mu, p.MaxPerClass, c.DataSeed, nil); err != nil {
		return nil, nil, err
	}
	test = make([]int, 1000*classes)
	for i := range test {
		test[i] = i
	}
	if p.TestPerClass > 0 {
		if test, err = datasets.CapPerClassIndices(labels(1000), classes, p.TestPerClass, c.DataSeed, nil); err != nil {
			return nil, nil, err
		}
	}
	return train, test, nil
}
