package lab

import (
	"strings"
	"testing"
)

func TestLossPlots(t *testing.T) {
	p, err := LossCurves(0.16, 0.5, 30)
	if err != nil || !strings.Contains(p.Title.Text, "s = 30") {
		t.Fatalf("LossCurves: %v", err)
	}
	for _, f := range []func() error{
		func() error {
			_, err := ScaleAndMargin(0.5, 30, []float64{1, 10, 30}, []float64{0.25, 0.5, 1})
			return err
		},
		func() error { _, err := GradientFactorPlot(3, 0.5, 30); return err },
	} {
		if err := f(); err != nil {
			t.Error(err)
		}
	}
}
