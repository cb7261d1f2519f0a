package bench

import (
	"testing"
	"time"
)

// BenchmarkResNet32TrainStep reports images/s of one CIFAR ResNet-32 training step at batch 128
// (forward, backward, SGD momentum) on the backend of $GOMLX_BACKEND (default go).
func BenchmarkResNet32TrainStep(b *testing.B) {
	for b.Loop() {
		st, err := ResNet32("", 128, 2, false)
		if err != nil {
			b.Fatal(err)
		}
		trainIPS, evalIPS := st.ImagesPerSecond()
		b.ReportMetric(trainIPS, "train-images/s")
		b.ReportMetric(evalIPS, "eval-images/s")
	}
}

func TestResNet32Products(t *testing.T) {
	p := ResNet32Products(1)
	if len(p) != 31 {
		t.Fatalf("%d convolutions, want 31 (stem + 3 stages × 5 blocks × 2)", len(p))
	}
	macs := 0
	for _, c := range p {
		macs += c.O * c.K * c.N
	}
	// ResNet-32 on 32×32 images: ≈ 69 M multiply-adds per image in its convolutions.
	if macs < 68e6 || macs > 70e6 {
		t.Errorf("%d multiply-adds per image, want ≈ 69 M", macs)
	}
	if got := ResNet32Products(4)[0].N; got != 4*32*32 {
		t.Errorf("stem columns at batch 4 = %d, want %d", got, 4*32*32)
	}
}

func TestMatMulFloor(t *testing.T) {
	// Many independent products of the size that the Go backend spreads over its workers (with
	// compute's default worker pool they deadlocked; see backend.New): this must finish.
	products := make([]ConvProduct, 6)
	for i := range products {
		products[i] = ConvProduct{64, 576, 8192}
	}
	done := make(chan error, 1)
	var ft FloorTimes
	go func() {
		var err error
		ft, err = MatMulFloor("go", products, 1)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(3 * time.Minute):
		t.Fatal("MatMulFloor did not finish in 3 minutes: the backend's parallel executor deadlocked")
	}
	if ft.Forward <= 0 || ft.Train <= 0 {
		t.Errorf("non-positive durations %+v", ft)
	}
	if _, err := MatMulFloor("nosuch", ResNet32Products(1), 1); err == nil {
		t.Error("unknown backend accepted")
	}
}
