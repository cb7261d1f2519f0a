package figures

import (
	"math"
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/registry"
	"github.com/ldamlab/ldamlab/ldam/toy"
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
