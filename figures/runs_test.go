package figures

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/registry"
	"github.com/ldamlab/ldamlab/ldam/toy"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// TestFigureLabels: the engines of a figure's runs are named once each, and Fig. 2's classes
// are labelled F (the largest training count) or M.
func TestFigureLabels(t *testing.T) {
	runs := []registry.Finished{{Result: &record.Result{Backend: "Go Backend"}}, {Result: &record.Result{Backend: "onnxruntime"}}, {Result: &record.Result{Backend: "Go Backend"}}}
	if got := backends(runs); got != "Go Backend + onnxruntime" {
		t.Errorf("backends %q", got)
	}
	if got := shotClassNames([]string{"a", "b", "c"}, []int{50, 50, 5}); strings.Join(got, " ") != "0-F 1-F 2-M" {
		t.Errorf("class names %v", got)
	}
	if got := ShortClassNames([]string{"airplane", "cat"}); strings.Join(got, " ") != "0-airpla 1-cat" {
		t.Errorf("short class names %v", got)
	}
}

// TestToyFigures: one panel per method with its boundaries; the head class is thinned to
// about 250 drawn points and says so; boundaries bisect adjacent class vectors.
func TestToyFigures(t *testing.T) {
	c := toy.Default()
	train, _, err := toy.Data(c)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := toy.TrainAll(c)
	if err != nil {
		t.Fatal(err)
	}
	f, err := ToyBoundaries(train, rs)
	if err != nil || len(f.Rows[0]) != len(toy.Methods) {
		t.Fatalf("boundaries: %v", err)
	}
	if _, err := ToyMargins(rs, c.Counts); err != nil {
		t.Fatal(err)
	}
	a := boundaryAngles([][2]float64{{1, 0}, {0, 1}, {-1, -1}})
	want := []float64{-3 * math.Pi / 8, math.Pi / 4, 7 * math.Pi / 8}
	for i := range want {
		if math.Abs(a[i]-want[i]) > 1e-12 {
			t.Errorf("boundary angles %v, want %v", a, want)
		}
	}
	if stride(1000) != 4 || stride(100) != 1 {
		t.Errorf("strides %d, %d", stride(1000), stride(100))
	}
	if _, err := ToyBoundaries(train, nil); err == nil {
		t.Error("no results drew")
	}
}

// TestFig5Layout: eight sphere panels in two rows, each row closed by a legend panel that
// names its share of the classes, square panels requested, no axes on the projections.
func TestFig5Layout(t *testing.T) {
	var panels []SpherePanel
	for k := range 8 {
		panels = append(panels, SpherePanel{Title: fmt.Sprint(k), Features: [][3]float64{{1, 0, 0}, {0, 1, 0}}, Labels: []int{0, 9}})
	}
	classes := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}
	f, err := Fig5(panels, classes)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Rows) != 2 || len(f.Rows[0]) != 5 || len(f.Rows[1]) != 5 || f.PanelWidth == 0 {
		t.Fatalf("%d rows of %d, panel width %v", len(f.Rows), len(f.Rows[0]), f.PanelWidth)
	}
	if f.Rows[0][0].X.Width != 0 || f.Rows[0][0].Y.Width != 0 {
		t.Error("the projection shows its axes")
	}
	canvas := vgsvg.New(15*vg.Inch, 6.5*vg.Inch)
	f.Draw(draw.New(canvas))
	var b bytes.Buffer
	if _, err := canvas.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"0 a", "4 e", "5 f", "9 j"} {
		if !strings.Contains(b.String(), ">"+c+"<") {
			t.Errorf("the legend lacks %q", c)
		}
	}
}
