package lab

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/ldam/analysis"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/record"
)

// smallImages is a 10-class set of random 28×28 gray images, every class present.
func smallImages(perClass int, seed uint64) *datasets.Images {
	rng := rand.New(rand.NewPCG(seed, 1))
	n := 10 * perClass
	d := &datasets.Images{Name: "small", Classes: datasets.FashionMNISTClasses, Height: 28, Width: 28, Channels: 1,
		Pixels: make([]uint8, n*28*28), Labels: make([]int, n)}
	for i := range d.Labels {
		d.Labels[i] = i % 10
	}
	for i := range d.Pixels {
		d.Pixels[i] = uint8(rng.IntN(64) + 19*d.Labels[i/(28*28)])
	}
	return d
}

// TestRunModelAndSphereFeatures trains the sphere CNN briefly, restores it from its checkpoint
// on the second call, and checks the features are unit 3-d vectors, the same both times.
func TestRunModelAndSphereFeatures(t *testing.T) {
	root := t.TempDir()
	t.Setenv(EnvRoot, root)
	t.Setenv(EnvOut, "")
	t.Setenv(EnvPreset, "quick")
	train, test := smallImages(6, 1), smallImages(2, 2)
	cfg := experiment.Config{Data: &experiment.Data{Name: "small", Classes: train.Classes, TrainImages: train, TestImages: test,
		Info: datasets.InfoFor("fashion-mnist")}, Arch: "spherecnn", LossType: "LDAM", Epochs: 2, BatchSize: 20}
	run, err := RunModel("sphere", cfg)
	if err != nil {
		t.Fatal(err)
	}
	f1, y, err := analysis.SphereFeatures(run, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(f1) != 20 || len(y) != 20 {
		t.Fatalf("%d features for %d labels, want 20", len(f1), len(y))
	}
	for _, f := range f1 {
		if math.Abs(f[0]*f[0]+f[1]*f[1]+f[2]*f[2]-1) > 1e-6 {
			t.Fatalf("feature %v is not a unit vector", f)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "results", "quick", "sphere", record.CheckpointFile)); err != nil {
		t.Fatal(err)
	}
	again, err := RunModel("sphere", cfg) // restored, not retrained
	if err != nil {
		t.Fatal(err)
	}
	f2, _, err := analysis.SphereFeatures(again, true)
	if err != nil {
		t.Fatal(err)
	}
	for i := range f1 {
		if f1[i] != f2[i] {
			t.Fatalf("feature %d differs after restoring: %v vs %v", i, f1[i], f2[i])
		}
	}
	if len(again.Result.History) != 2 {
		t.Errorf("restored run has %d epochs", len(again.Result.History))
	}
}
