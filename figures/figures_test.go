package figures

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"image/png"
	"io"
	"math"
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
	lines, err := Lines("loss", "gap", "loss", []float64{0, 1, 2}, []Line{{Name: "CE", Y: []float64{1, 0.5, 0.2}}, {Name: "LDAM", Y: []float64{2, 1, 0.4}, Dashed: true}})
	if err != nil {
		t.Fatal(err)
	}
	checkFiles(t, "lines", lines)
}

func TestFigureErrors(t *testing.T) {
	if _, err := PerClassBars("x", []string{"a", "b"}, []Series{{"m", []float64{1}}}); err == nil {
		t.Error("mismatched series accepted")
	}
	if _, err := ClassHistogram("x", nil, nil); err == nil {
		t.Error("empty histogram accepted")
	}
	if _, err := Lines("x", "x", "y", []float64{0, 1}, []Line{{Name: "short", Y: []float64{1}}}); err == nil {
		t.Error("a line with fewer values than x values accepted")
	}
	if _, err := MarginTradeOff(0, 5, 1); err == nil {
		t.Error("n1 = 0 accepted")
	}
}

func TestSphere3D(t *testing.T) {
	panels := []SpherePanel{
		{Title: "(a) train", Features: [][3]float64{{2, 0, 0}, {0, 3, 0}, {0, 0, -1}, {1, 1, 1}}, Labels: []int{0, 1, 1, 0}},
		{Title: "(b) test", Features: [][3]float64{{0, 0, 5}}, Labels: []int{1}},
	}
	js, err := Sphere3D("Fig. 5", panels, []string{"a", "b"}, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	var fig struct {
		Data []struct {
			Type, Mode, Scene, Name string
			ShowLegend              bool `json:"showlegend"`
			X, Y, Z                 []*float64
		}
		Layout map[string]json.RawMessage
	}
	if err := json.Unmarshal(js, &fig); err != nil {
		t.Fatal(err)
	}
	// Per panel: the sphere frame, then one trace per class.
	if len(fig.Data) != 2*3 {
		t.Fatalf("%d traces, want 6", len(fig.Data))
	}
	for _, scene := range []string{"scene", "scene2"} {
		if _, ok := fig.Layout[scene]; !ok {
			t.Errorf("layout has no %s", scene)
		}
	}
	points := 0
	for i, tr := range fig.Data {
		if i%3 == 0 {
			if tr.Mode != "lines" {
				t.Errorf("trace %d: %q, want the sphere frame", i, tr.Mode)
			}
			continue
		}
		for j := range tr.X {
			x, y, z := *tr.X[j], *tr.Y[j], *tr.Z[j]
			if math.Abs(x*x+y*y+z*z-1) > 1e-3 {
				t.Errorf("trace %d point %d (%g, %g, %g) is not on the unit sphere", i, j, x, y, z)
			}
			points++
		}
		if tr.ShowLegend != (i < 3) {
			t.Errorf("trace %d (%s): showlegend %v; only the first scene's classes go in the legend", i, tr.Scene, tr.ShowLegend)
		}
	}
	if points != 5 {
		t.Errorf("%d points drawn, want 5", points)
	}
	if fig.Data[1].Name != "a" || len(fig.Data[1].X) != 2 || fig.Data[5].Scene != "scene2" || len(fig.Data[5].X) != 1 {
		t.Errorf("class traces misassigned: %+v", fig.Data)
	}
	few, _ := Sphere3D("", panels, []string{"a", "b"}, 2, 2)
	if len(few) >= len(js) {
		t.Error("maxPoints = 2 kept every point")
	}
	if _, err := Sphere3D("", []SpherePanel{{Features: make([][3]float64, 2), Labels: []int{0}}}, []string{"a"}, 1, 0); err == nil {
		t.Error("2 features for 1 label: no error")
	}
}

func TestCountProfiles(t *testing.T) {
	p, err := CountProfiles("profiles", []Series{{Name: "LT", Values: []float64{5, 500, 50}}, {Name: "step", Values: []float64{500, 5, 500}}})
	if err != nil {
		t.Fatal(err)
	}
	checkFiles(t, "profiles", p)
	if p.Y.Min != 5 || p.Y.Max != 500 {
		t.Errorf("count axis %g–%g, want 5–500", p.Y.Min, p.Y.Max)
	}
	xy, err := rankCounts(Series{Name: "x", Values: []float64{5, 500, 50, 50.5}})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []float64{500, 50.5, 50, 5} {
		if xy[i].X != float64(i) || xy[i].Y != want {
			t.Fatalf("ranked counts %v, want 500, 50.5, 50, 5 at ranks 0–3", xy)
		}
	}
	for _, bad := range [][]Series{nil, {{Name: "empty class", Values: []float64{3, 0}}}, {{Name: "none"}}} {
		if _, err := CountProfiles("bad", bad); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

// TestThinPerClass: a large class is thinned to at most the cap, evenly; a small one is kept
// whole.
func TestThinPerClass(t *testing.T) {
	var labels []int
	for i := range 1000 {
		labels = append(labels, 0)
		if i%50 == 0 {
			labels = append(labels, 1) // 20 of class 1
		}
	}
	kept := thinPerClass(labels, 250)
	n := map[int]int{}
	for _, i := range kept {
		n[labels[i]]++
	}
	if n[0] != 250 || n[1] != 20 {
		t.Errorf("kept %d of class 0 (cap 250) and %d of class 1 (all 20)", n[0], n[1])
	}
}
