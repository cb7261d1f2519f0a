package datasets

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/gomlx/gomlx/core/tensors"
	"gonum.org/v1/gonum/stat"
)

// labelledImages makes n 6×6×3 images whose every pixel equals 10·label+1.
func labelledImages(n, classes int) *Images {
	d := &Images{Name: "t", Height: 6, Width: 6, Channels: 3}
	for c := range classes {
		d.Classes = append(d.Classes, string(rune('a'+c)))
	}
	for i := range n {
		y := i % classes
		d.Labels = append(d.Labels, y)
		for range 6 * 6 * 3 {
			d.Pixels = append(d.Pixels, uint8(10*y+1))
		}
	}
	return d
}

func shuffled(n int) OrderFn {
	return func(epoch int, rng *rand.Rand) ([]int, error) { return rng.Perm(n), nil }
}

func TestLoaderAugmentationKeepsLabels(t *testing.T) {
	d := labelledImages(50, 5)
	l, err := NewImageLoader("t", d, LoaderConfig{BatchSize: 8, Order: shuffled(50), Augment: &Augment{Pad: 2, Flip: true}, Seed: 3, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	seen, padded := 0, 0
	for batch, err := range l.Iter() {
		if err != nil {
			t.Fatal(err)
		}
		img := tensors.MustCopyFlatData[float32](batch.Inputs[0])
		lab := tensors.MustCopyFlatData[int32](batch.Labels[0])
		dims := batch.Inputs[0].Shape().Dimensions
		if dims[1] != 6 || dims[2] != 6 || dims[3] != 3 || dims[0] != len(lab) {
			t.Fatalf("batch shape %v for %d labels", dims, len(lab))
		}
		for k, y := range lab {
			for _, v := range img[k*108 : (k+1)*108] {
				if v == 0 {
					padded++
					continue
				}
				if want := float32(10*y+1) / 255; v != want {
					t.Fatalf("image of label %d has pixel %g, want %g or padding", y, v, want)
				}
			}
		}
		seen += len(lab)
	}
	if seen != 50 {
		t.Errorf("epoch yielded %d examples, want 50 (last batch kept)", seen)
	}
	if padded == 0 {
		t.Error("no padding pixel seen: random crops did not move")
	}
}

func TestLoaderDeterministicAndEpochs(t *testing.T) {
	d := labelledImages(40, 4)
	cfg := LoaderConfig{BatchSize: 16, Order: shuffled(40), Augment: &Augment{Pad: 2, Flip: true}, Seed: 9, DropLast: true}
	collect := func(workers int, epoch int) []float32 {
		cfg.Workers = workers
		l, _ := NewImageLoader("t", d, cfg)
		l.SetEpoch(epoch)
		var all []float32
		n := 0
		for b, err := range l.Iter() {
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, tensors.MustCopyFlatData[float32](b.Inputs[0])...)
			n++
		}
		if n != 2 {
			t.Fatalf("%d batches with DropLast, want 2", n)
		}
		if l.Epoch() != epoch+1 {
			t.Fatalf("epoch counter %d", l.Epoch())
		}
		return all
	}
	a, b, c := collect(1, 3), collect(4, 3), collect(2, 4)
	if !slices.Equal(a, b) {
		t.Error("same seed and epoch gave different batches with 1 and 4 workers")
	}
	if slices.Equal(a, c) {
		t.Error("different epochs gave the same batches")
	}
}

func TestLoaderStopsEarlyAndErrors(t *testing.T) {
	d := labelledImages(64, 4)
	before := runtime.NumGoroutine()
	l, _ := NewImageLoader("t", d, LoaderConfig{BatchSize: 4, Workers: 2, Prefetch: 2})
	for range l.Iter() {
		break // the producer and workers must not leak or block
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left after stopping an epoch early (%d before)", n, before)
	}
	if _, err := NewImageLoader("t", d, LoaderConfig{BatchSize: 65}); err == nil {
		t.Error("batch larger than the data accepted")
	}
	bad := func(int, *rand.Rand) ([]int, error) { return []int{0, 1, 2, 3}, nil }
	l, _ = NewImageLoader("t", d, LoaderConfig{BatchSize: 4, Order: bad})
	n := 0
	for _, err := range l.Iter() {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Errorf("custom order of 4 examples gave %d batches", n)
	}
}

func TestTextAndPointsLoaders(t *testing.T) {
	r := Reviews{Texts: []string{"good film", "bad bad film", "ok"}, Labels: []int{1, 0, 1}}
	v, _ := BuildVocab(r.Texts, 10)
	txt, err := r.Encode("imdb", v, 4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewTextLoader("imdb", txt, LoaderConfig{BatchSize: 3, Mixup: 1}); err == nil {
		t.Error("a text loader accepted mixup")
	}
	l, err := NewTextLoader("imdb", txt, LoaderConfig{BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	for b, err := range l.Iter() {
		if err != nil {
			t.Fatal(err)
		}
		lens := tensors.MustCopyFlatData[int32](b.Inputs[1])
		if !slices.Equal(lens, []int32{2, 3, 1}) || b.Inputs[0].Shape().Dimensions[1] != 4 {
			t.Errorf("lengths %v, tokens %s", lens, b.Inputs[0].Shape())
		}
	}
	p := Separable2D(5, 5, 0.5, 1)
	pl, _ := NewPointsLoader("p", p, LoaderConfig{BatchSize: 10})
	for b := range pl.Iter() {
		if got := b.Inputs[0].Shape().Dimensions; got[0] != 10 || got[1] != 2 {
			t.Errorf("points batch %v", got)
		}
	}
}

func BenchmarkLoaderCIFARShape(b *testing.B) {
	d := labelledImages(4096, 10)
	d.Height, d.Width = 32, 32
	d.Pixels = make([]uint8, 4096*32*32*3)
	l, _ := NewImageLoader("bench", d, LoaderConfig{BatchSize: 128, Order: shuffled(4096), Augment: &Augment{Pad: 4, Flip: true},
		Mean: CIFARMean[:], Std: CIFARStd[:]})
	b.ResetTimer()
	images := 0
	for b.Loop() {
		for batch, err := range l.Iter() {
			if err != nil {
				b.Fatal(err)
			}
			images += batch.Inputs[0].Shape().Dimensions[0]
			batch.Finalize()
		}
	}
	b.ReportMetric(float64(images)/b.Elapsed().Seconds(), "images/s")
}

// TestLoaderMixup: each mixed image is λ·x + (1 − λ)·x[π] of two images of the batch whose
// labels are the two label tensors, with one λ in (0, 1) per batch, deterministic per seed and
// epoch, and λ's mean near 1/2 for α = 1 (Beta(1, 1) is uniform).
func TestLoaderMixup(t *testing.T) {
	d := labelledImages(64, 8) // every pixel of an image of label y is (10y + 1)/255
	cfg := LoaderConfig{BatchSize: 16, Order: shuffled(64), Seed: 5, Mixup: 1}
	var lambdas []float64
	var first []float32
	for epoch := range 8 {
		l, err := NewImageLoader("t", d, cfg)
		if err != nil {
			t.Fatal(err)
		}
		l.SetEpoch(epoch)
		for b, err := range l.Iter() {
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Labels) != 3 {
				t.Fatalf("%d label tensors with mixup, want 3 (y, y[π], λ)", len(b.Labels))
			}
			img := tensors.MustCopyFlatData[float32](b.Inputs[0])
			ya := tensors.MustCopyFlatData[int32](b.Labels[0])
			yb := tensors.MustCopyFlatData[int32](b.Labels[1])
			lam := tensors.MustCopyFlatData[float32](b.Labels[2])
			if !(lam[0] > 0 && lam[0] < 1) {
				t.Fatalf("λ = %g", lam[0])
			}
			for k := range ya {
				if lam[k] != lam[0] {
					t.Fatalf("λ differs within a batch: %g and %g", lam[k], lam[0])
				}
				want := lam[0]*float32(10*ya[k]+1)/255 + (1-lam[0])*float32(10*yb[k]+1)/255
				if v := img[k*108]; math.Abs(float64(v-want)) > 1e-6 {
					t.Fatalf("mixed pixel %g, want λ·x(%d) + (1−λ)·x(%d) = %g", v, ya[k], yb[k], want)
				}
			}
			if !slices.Equal(sorted(ya), sorted(yb)) {
				t.Fatalf("y[π] %v is not a permutation of y %v", yb, ya)
			}
			if epoch == 0 && first == nil {
				first = img
			}
			lambdas = append(lambdas, float64(lam[0]))
		}
	}
	if m := stat.Mean(lambdas, nil); math.Abs(m-0.5) > 0.15 {
		t.Errorf("mean λ over %d batches = %.3f, want about 0.5 for α = 1", len(lambdas), m)
	}
	l, _ := NewImageLoader("t", d, cfg)
	for b, err := range l.Iter() {
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(tensors.MustCopyFlatData[float32](b.Inputs[0]), first) {
			t.Error("the same seed and epoch mixed differently")
		}
		break
	}
	for _, bad := range []float64{-1, math.Inf(1), math.NaN()} {
		if _, err := NewImageLoader("t", d, LoaderConfig{BatchSize: 4, Mixup: bad}); err == nil {
			t.Errorf("mixup α = %g accepted", bad)
		}
	}
}

func sorted(v []int32) []int32 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s
}
