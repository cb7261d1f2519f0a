package experiment

import "testing"

// BenchmarkResNet32TrainStep reports images/s of one CIFAR ResNet-32 training step at batch 128
// (forward, backward, SGD momentum) on the backend of $GOMLX_BACKEND (default go).
func BenchmarkResNet32TrainStep(b *testing.B) {
	for b.Loop() {
		st, err := BenchResNet32("", 128, 2, false, false)
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
	ft, err := MatMulFloor("go", []ConvProduct{{4, 9, 64}, {4, 9, 64}, {8, 36, 16}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if ft.Forward <= 0 || ft.Train <= 0 {
		t.Errorf("non-positive durations %+v", ft)
	}
	if _, err := MatMulFloor("nosuch", ResNet32Products(1), 1); err == nil {
		t.Error("unknown backend accepted")
	}
}
