package experiment

import (
	"testing"

	"github.com/ldamlab/ldamlab/ldam/models"
)

// BenchmarkConvForms compares the matrix-product formulas of the im2col convolution on the
// ResNet-32 training step (batch 64).
func BenchmarkConvForms(b *testing.B) {
	forms := []struct {
		name string
		form models.ConvFormula
	}{{"cols·w", models.ConvMatMul}, {"wᵀ·colsᵀ", models.ConvTransposed}, {"split-gradients", models.ConvSplitGradients}}
	for _, f := range forms {
		b.Run(f.name, func(b *testing.B) {
			models.ConvForm = f.form
			defer func(f models.ConvFormula) { models.ConvForm = f }(models.ConvForm)
			for b.Loop() {
				st, err := BenchResNet32("", 64, 2, false, false)
				if err != nil {
					b.Fatal(err)
				}
				tr, ev := st.ImagesPerSecond()
				b.ReportMetric(tr, "train-images/s")
				b.ReportMetric(ev, "eval-images/s")
			}
		})
	}
}
