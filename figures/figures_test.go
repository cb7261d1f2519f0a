package figures

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

func checkFiles(t *testing.T, name string, p *plot.Plot) {
	t.Helper()
	dir := t.TempDir()
	for _, ext := range []string{".svg", ".png"} {
		file := filepath.Join(dir, name+ext)
		if err := Save(p, 6*vg.Inch, 4*vg.Inch, file); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(file)
		if err != nil || len(b) < 500 {
			t.Fatalf("%s: %d bytes, %v", file, len(b), err)
		}
		switch ext {
		case ".svg":
			dec := xml.NewDecoder(bytes.NewReader(b))
			for {
				if _, err := dec.Token(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatalf("%s is not well-formed XML: %v", file, err)
				}
			}
		case ".png":
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil || img.Bounds().Dx() < 100 {
				t.Fatalf("%s: %v", file, err)
			}
		}
		// Deterministic: the same figure twice gives the same bytes.
		again := filepath.Join(dir, "again"+ext)
		Save(p, 6*vg.Inch, 4*vg.Inch, again)
		if b2, _ := os.ReadFile(again); !bytes.Equal(b, b2) {
			t.Errorf("%s: two renders differ", file)
		}
	}
}

func TestFigures(t *testing.T) {
	classes := []string{"0-F", "1-F", "2-F", "3-M", "4-M"}
	hist, err := ClassHistogram("CIFAR-10-LT ρ=100", []int{5000, 2997, 1796, 1077, 645}, classes)
	if err != nil {
		t.Fatal(err)
	}
	checkFiles(t, "fig4", hist)
	bars, err := PerClassBars("per-class error", classes, []Series{{"LDAM-DRW", []float64{.05, .06, .1, .3, .4}}, {"CB RW", []float64{.1, .1, .2, .4, .5}}})
	if err != nil {
		t.Fatal(err)
	}
	checkFiles(t, "fig2", bars)
	lc, err := LearningCurves("CIFAR-10-LT", []Curve{{Name: "DRW", Epochs: []int{0, 1, 2, 3}, TestError: []float64{.6, .4, .35, .25}, TrainError: []float64{.5, .3, .2, .1}}}, 2)
	if err != nil {
		t.Fatal(err)
	}
	checkFiles(t, "fig3", lc)
	sp, err := SpherePoints("features", [][3]float64{{1, 0, 0}, {0, 1, 0.5}, {0, 0, -1}, {0.3, 0.3, -0.2}}, []int{0, 1, 2, 0}, []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	checkFiles(t, "fig5", sp)
	mt, err := MarginTradeOff(5000, 50, 1)
	if err != nil {
		t.Fatal(err)
	}
	checkFiles(t, "fig1", mt)
}

func TestFigureErrors(t *testing.T) {
	if _, err := PerClassBars("x", []string{"a", "b"}, []Series{{"m", []float64{1}}}); err == nil {
		t.Error("mismatched series accepted")
	}
	if _, err := ClassHistogram("x", nil, nil); err == nil {
		t.Error("empty histogram accepted")
	}
	if _, err := MarginTradeOff(0, 5, 1); err == nil {
		t.Error("n1 = 0 accepted")
	}
}
