package analysis

import (
	"math"
	"testing"
)

func TestTrainedMargins(t *testing.T) {
	r, err := TrainedMargins("CE", []int{200, 40, 8}, 40, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.TrainError > 0.05 {
		t.Errorf("training error %g: the mixture should be (nearly) fitted", r.TrainError)
	}
	sum, psum := 0.0, 0.0
	for j := range r.Margins {
		sum += r.Margins[j]
		psum += r.Predicted[j]
		if math.Abs(r.LogTerm[j]-math.Log(248)/math.Sqrt(float64(r.Counts[j]))) > 1e-12 {
			t.Errorf("log term %d = %g", j, r.LogTerm[j])
		}
	}
	if math.Abs(sum-psum) > 1e-9 || !(r.Predicted[2] > r.Predicted[0]) {
		t.Errorf("predicted margins %v for measured %v", r.Predicted, r.Margins)
	}
}
