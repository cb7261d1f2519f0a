package experiment

import "testing"

// BenchmarkResNet32TrainStep reports images/s of one CIFAR ResNet-32 training step at batch 128
// (forward, backward, SGD momentum) on the backend of $GOMLX_BACKEND (default go).
func BenchmarkResNet32TrainStep(b *testing.B) {
	for b.Loop() {
		st, err := BenchResNet32("", 128, 2, false)
		if err != nil {
			b.Fatal(err)
		}
		trainIPS, evalIPS := st.ImagesPerSecond()
		b.ReportMetric(trainIPS, "train-images/s")
		b.ReportMetric(evalIPS, "eval-images/s")
	}
}
