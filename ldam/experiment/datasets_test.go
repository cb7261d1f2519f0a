package experiment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/datasets/catalog"
	"github.com/ldamlab/ldamlab/ldam/record"
)

// randomImages is a labelled image set of the given shape with every class present.
func randomImages(name string, classes, perClass, h, w, c int) *datasets.Images {
	names := make([]string, classes)
	for i := range names {
		names[i] = fmt.Sprintf("class%d", i)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	n := classes * perClass
	d := &datasets.Images{Name: name, Classes: names, Height: h, Width: w, Channels: c, Pixels: make([]uint8, n*h*w*c), Labels: make([]int, n)}
	for i := range d.Pixels {
		d.Pixels[i] = uint8(rng.IntN(256))
	}
	for i := range d.Labels {
		d.Labels[i] = i % classes
	}
	return d
}

// writeINatTree writes an iNaturalist-2018-shaped tree (train2018.json, val2018.json and
// JPEGs under train_val2018/) with the given classes and images per class and split.
func writeINatTree(t *testing.T, dir string, classes, perClass int) {
	t.Helper()
	type image_ struct {
		ID       int    `json:"id"`
		FileName string `json:"file_name"`
	}
	type ann struct {
		ImageID    int `json:"image_id"`
		CategoryID int `json:"category_id"`
	}
	type cat struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	}
	for _, split := range []string{"train", "val"} {
		var js struct {
			Images      []image_ `json:"images"`
			Annotations []ann    `json:"annotations"`
			Categories  []cat    `json:"categories"`
		}
		for c := range classes {
			js.Categories = append(js.Categories, cat{ID: c, Name: fmt.Sprintf("species%d", c)})
			for k := range perClass {
				id := len(js.Images) + 1
				rel := fmt.Sprintf("train_val2018/Plantae/%d/%s%d.jpg", c, split, k)
				img := image.NewRGBA(image.Rect(0, 0, 256+32*k, 256))
				for i := range img.Pix {
					img.Pix[i] = uint8(37*c + 11*k + i%7)
				}
				img.Set(0, 0, color.RGBA{255, 0, 0, 255})
				var buf bytes.Buffer
				if err := jpeg.Encode(&buf, img, nil); err != nil {
					t.Fatal(err)
				}
				os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755)
				if err := os.WriteFile(filepath.Join(dir, rel), buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				js.Images = append(js.Images, image_{ID: id, FileName: rel})
				js.Annotations = append(js.Annotations, ann{ImageID: id, CategoryID: c})
			}
		}
		b, _ := json.Marshal(js)
		if err := os.WriteFile(filepath.Join(dir, split+"2018.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestEveryDatasetTrains trains one short epoch of every --dataset with its default network
// (quick preset, balanced, a few examples per class) and checks the loss is finite and
// results.json is written. CIFAR-10, Tiny ImageNet and IMDB come from $LDAMLAB_DATASETS and
// Fashion-MNIST from Debian's package (CI has both; then a missing file fails the test);
// iNaturalist is a synthetic tree in its official layout; CIFAR-100 and MNIST, whose official
// archives are checksum-verified downloads, are random images of their shapes (their file
// formats are tested in package datasets).
func TestEveryDatasetTrains(t *testing.T) {
	if testing.Short() {
		t.Skip("trains every network")
	}
	offline := os.Getenv(catalog.EnvOffline) != ""
	for _, name := range datasets.Names {
		t.Run(name, func(t *testing.T) {
			cfg := Config{Dataset: name, Preset: "quick", Epochs: 1, ImbFactor: 1, MaxPerClass: 2, TestPerClass: 1, BatchSize: 16, Out: t.TempDir()}
			switch name {
			case "cifar10", "tinyimagenet", "imdb":
				if !offline {
					t.Skipf("$%s is not set", catalog.EnvOffline)
				}
				if name == "imdb" {
					cfg.ImbFactor, cfg.MaxPerClass, cfg.TestPerClass = 0, 16, 8
				}
			case "fashion-mnist":
				if _, err := os.Stat(catalog.FashionMNISTDebianDir); err != nil && !offline {
					t.Skip("dataset-fashion-mnist is not installed")
				}
			case "cifar100":
				cfg.Data = &Data{Name: name, TrainImages: randomImages(name, 100, 2, 32, 32, 3), TestImages: randomImages(name, 100, 1, 32, 32, 3),
					Info: datasets.InfoFor(name)}
			case "mnist":
				cfg.Data = &Data{Name: name, TrainImages: randomImages(name, 10, 2, 28, 28, 1), TestImages: randomImages(name, 10, 1, 28, 28, 1),
					Info: datasets.InfoFor(name)}
			case "inat2018":
				cfg.DataDir, cfg.BatchSize = t.TempDir(), 4
				writeINatTree(t, filepath.Join(cfg.DataDir, "inat2018"), 2, 2)
			}
			if d, ok := cfg.Data.(*Data); ok {
				d.Classes = d.TrainImages.(*datasets.Images).Classes
			}
			t0 := time.Now()
			res, err := Train(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.History) != 1 || math.IsNaN(res.History[0].TrainLoss) || math.IsInf(res.History[0].TrainLoss, 0) {
				t.Fatalf("history %+v", res.History)
			}
			r, err := record.ReadResult(filepath.Join(cfg.Out, record.ResultsFile))
			if err != nil || !r.Done || r.Final == nil {
				t.Fatalf("results.json: %v (done %v)", err, r != nil && r.Done)
			}
			t.Logf("%s (%s): %d training examples, loss %.3f, %s", name, recipeOf(name).arch, sumInts(r.Data.TrainCounts), res.History[0].TrainLoss, time.Since(t0).Round(time.Second))
		})
	}
}

func sumInts(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

// TestOpenReopensTheEarlierSelection: a CIFAR-10 run made on the earlier image selection records
// no selection and is stale; Open reopens it on its own images (resuming its checkpoint), while a
// plain resume with the official selection is refused. A run on the official selection records
// it and is not stale; the two selections train on other images of the same counts.
func TestOpenReopensTheEarlierSelection(t *testing.T) {
	if os.Getenv(catalog.EnvOffline) == "" {
		t.Skipf("$%s is not set", catalog.EnvOffline)
	}
	base := Config{Dataset: "cifar10", Preset: "quick", Epochs: 2, MaxPerClass: 200, TestPerClass: 2, BatchSize: 16, Resume: true, StopAfter: 1}
	earlier := base
	earlier.Out, earlier.EarlierSelection = t.TempDir(), true
	res, err := Train(earlier)
	if err != nil {
		t.Fatal(err)
	}
	if res.Data.Selection != "" || !record.StaleSelection(res) {
		t.Fatalf("earlier selection: recorded %q, stale %v", res.Data.Selection, record.StaleSelection(res))
	}
	run, r, err := Open(earlier.Out, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if start, from := run.StartEpoch(); start != 1 || from == "" || len(r.History) != 1 {
		t.Errorf("Open resumed at epoch %d from %q (%d epochs read)", start, from, len(r.History))
	}
	plain := base
	plain.Out = earlier.Out
	if _, err := Prepare(plain); err == nil || !strings.Contains(err.Error(), "another selection") {
		t.Errorf("resuming a run of the earlier selection with the official one: %v", err)
	}
	official := base
	official.Out = t.TempDir()
	res2, err := Train(official)
	if err != nil {
		t.Fatal(err)
	}
	if res2.Data.Selection != catalog.Selection || record.StaleSelection(res2) {
		t.Errorf("official selection: recorded %q, stale %v", res2.Data.Selection, record.StaleSelection(res2))
	}
	if fmt.Sprint(res.Data.TrainCounts) != fmt.Sprint(res2.Data.TrainCounts) {
		t.Errorf("counts differ: %v and %v", res.Data.TrainCounts, res2.Data.TrainCounts)
	}
	a, _, _ := Open(earlier.Out, nil)
	b, _, _ := Open(official.Out, nil)
	if a == nil || b == nil {
		t.Fatal("reopening failed")
	}
	same := true
	ai, bi := a.Data.TrainImages.(*datasets.Images), b.Data.TrainImages.(*datasets.Images)
	for i := range ai.Pixels {
		if ai.Pixels[i] != bi.Pixels[i] {
			same = false
			break
		}
	}
	if same {
		t.Error("the two selections trained on the same images")
	}
}
