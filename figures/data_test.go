package figures

import (
	"bytes"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

func TestSectionOneFigures(t *testing.T) {
	f4, err := Fig4()
	if err != nil || len(f4.Rows[0]) != 3 {
		t.Fatalf("Fig. 4: %v", err)
	}
	f7, err := Fig7([2]uint64{1, 2})
	if err != nil || len(f7.Rows[0]) != 3 {
		t.Fatalf("Fig. 7: %v", err)
	}
	for _, c := range []struct {
		fig  Drawer
		want string
	}{{f4, "(c) step, ρ = 10"}, {f7, "test distribution 2 (seed 2)"}} {
		canvas := vgsvg.New(9*vg.Inch, 3*vg.Inch)
		c.fig.Draw(draw.New(canvas))
		var b bytes.Buffer
		if _, err := canvas.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), c.want) {
			t.Errorf("%s: the SVG lacks %q", Title(c.fig), c.want)
		}
	}
	if got := Title(f7); got != "Fig. 7: CIFAR-10-LT ρ = 100, training and permuted test distributions" {
		t.Errorf("Fig. 7 title %q", got)
	}
}

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
		func() error { _, err := GradientFactor(3, 0.5, 30); return err },
	} {
		if err := f(); err != nil {
			t.Error(err)
		}
	}
}
