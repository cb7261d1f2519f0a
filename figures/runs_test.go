package figures

import (
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/registry"
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
