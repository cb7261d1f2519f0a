package datasets

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ldamlab/ldamlab/datasets/catalog"
)

// offlineDirOrSkip returns $LDAMLAB_DATASETS. When it is set, a missing file fails the test;
// only when it is unset may the test skip.
func offlineDirOrSkip(t *testing.T, files ...string) string {
	t.Helper()
	dir := os.Getenv(catalog.EnvOffline)
	if dir == "" {
		t.Skipf("%s is not set: the offline copies are not available", catalog.EnvOffline)
	}
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("%s is set but %v", catalog.EnvOffline, err)
		}
	}
	return dir
}

func TestOfflineCIFAR10(t *testing.T) {
	dir := offlineDirOrSkip(t, "cifar10-jpeg-train.tar.gz", "cifar10-jpeg-test.tar.gz")
	s, err := LoadCIFAR10JPEG(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Len() != 50000 || s.Test.Len() != 10000 || s.Train.Height != 32 || s.Train.Channels != 3 {
		t.Fatalf("train %d test %d shape %d×%d×%d", s.Train.Len(), s.Test.Len(), s.Train.Height, s.Train.Width, s.Train.Channels)
	}
	if !slices.Equal(s.Train.Classes, CIFAR10Classes) {
		t.Errorf("class order %v", s.Train.Classes)
	}
	// Per-channel mean of the decoded train set (README: 0.4912, 0.4820, 0.4464).
	var sum [3]float64
	for i, v := range s.Train.Pixels {
		sum[i%3] += float64(v)
	}
	for c, want := range []float64{0.4912, 0.4820, 0.4464} {
		got := sum[c] / float64(len(s.Train.Pixels)/3) / 255
		if got < want-0.002 || got > want+0.002 {
			t.Errorf("channel %d mean %.4f, README says %.4f", c, got, want)
		}
	}
	lt, err := Imbalanced(s.Train, LongTailed, 0.01, 0.5, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50}
	if got := lt.Counts(); !slices.Equal(got, want) {
		t.Errorf("CIFAR-10-LT ρ=100 counts %v, want %v", got, want)
	}
	if got := s.Test.Counts(); slices.Min(got) != 1000 || slices.Max(got) != 1000 {
		t.Errorf("test counts %v, want 1000 each", got)
	}
}

func TestOfflineTinyImageNet(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes 110,000 JPEGs")
	}
	dir := offlineDirOrSkip(t, catalog.TinyImageNetOffline.Meta, catalog.TinyImageNetOffline.Val, catalog.TinyImageNetOffline.Train[0], catalog.TinyImageNetOffline.Train[1])
	s, err := LoadTinyImageNetOffline(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Len() != 100000 || s.Test.Len() != 10000 || s.Train.Height != 64 || s.Train.Channels != 3 {
		t.Fatalf("train %d val %d shape %d×%d×%d", s.Train.Len(), s.Test.Len(), s.Train.Height, s.Train.Width, s.Train.Channels)
	}
	// wnids.txt line order: the first classes are n02124075 (Egyptian cat), n04067472, n04540053.
	if !slices.Equal(s.Train.Classes[:3], []string{"n02124075", "n04067472", "n04540053"}) {
		t.Errorf("class order starts %v", s.Train.Classes[:3])
	}
	lt, err := Imbalanced(s.Train, LongTailed, 0.01, 0.5, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if lt.Len() != 21549 {
		t.Errorf("Tiny ImageNet LT ρ=100 has %d images, want 21549", lt.Len())
	}
}

func TestOfflineIMDB(t *testing.T) {
	dir := offlineDirOrSkip(t, catalog.IMDBOffline)
	train, test, err := LoadIMDB(filepath.Join(dir, catalog.IMDBOffline))
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]Reviews{"train": train, "test": test} {
		if c := CountLabels(r.Labels, 2); c[0] != 12500 || c[1] != 12500 {
			t.Errorf("%s counts %v, want 12500 negative and 12500 positive", name, c)
		}
	}
	imb, _ := train.DropFraction(0, 0.9, 0)
	if c := CountLabels(imb.Labels, 2); c[0] != 1250 || c[1] != 12500 {
		t.Errorf("imbalanced IMDB counts %v, want [1250 12500]", c)
	}
	v, _ := BuildVocab(imb.Texts, 20000)
	txt, _ := imb.Encode("imdb", v, 256)
	if txt.Len() != 13750 || len(v.Words) != 20000 {
		t.Errorf("encoded %d reviews with %d words", txt.Len(), len(v.Words))
	}
}

func TestOfflineFashionMNIST(t *testing.T) {
	if _, err := os.Stat(catalog.FashionMNISTDebianDir); err != nil && os.Getenv(catalog.EnvOffline) == "" {
		t.Skip("dataset-fashion-mnist is not installed")
	}
	s, err := LoadFashionMNIST()
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Len() != 60000 || s.Test.Len() != 10000 || s.Train.Height != 28 {
		t.Fatalf("Fashion-MNIST train %d test %d", s.Train.Len(), s.Test.Len())
	}
	step, err := Imbalanced(s.Train, Step, 0.01, 0.5, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c := step.Counts(); c[0] != 6000 || c[9] != 60 {
		t.Errorf("step ρ=100 counts %v", c)
	}
}
