package metrics

import (
	"math"
	"testing"
)

func TestBalancedErrorAndConfusion(t *testing.T) {
	// 3 classes; class 0 has 4 examples (3 right), class 1 has 1 (wrong), class 2 has 2 (right).
	scores := []float32{
		1, 0, 0, // y=0 ✓
		1, 0, 0, // y=0 ✓
		1, 0, 0, // y=0 ✓
		0, 1, 0, // y=0 ✗ → 1
		1, 0, 0.5, // y=1 ✗ → 0, top-2 would miss
		0, 0, 1, // y=2 ✓
		0.2, 0.1, 0.3, // y=2 ✓
	}
	labels := []int{0, 0, 0, 0, 1, 2, 2}
	a := NewAccumulator(3)
	if err := a.Add(scores, labels); err != nil {
		t.Fatal(err)
	}
	r := a.Result([]int{500, 50, 5})
	wantPer := []float64{0.25, 1, 0}
	for c, w := range wantPer {
		if math.Abs(r.PerClassError[c]-w) > 1e-12 {
			t.Errorf("class %d error %g, want %g", c, r.PerClassError[c], w)
		}
	}
	if math.Abs(r.Top1Error-(0.25+1+0)/3) > 1e-12 {
		t.Errorf("balanced top-1 error %g", r.Top1Error)
	}
	if math.Abs(r.OverallError-2.0/7) > 1e-12 {
		t.Errorf("overall error %g, want 2/7", r.OverallError)
	}
	if r.Top5Error != 0 {
		t.Errorf("top-5 error with 3 classes = %g, want 0", r.Top5Error)
	}
	if r.Confusion[0][1] != 1 || r.Confusion[1][0] != 1 || r.Confusion[2][2] != 2 {
		t.Errorf("confusion %v", r.Confusion)
	}
	if *r.ManyShotError != 0.25 || *r.MediumShotError != 1 || *r.FewShotError != 0 {
		t.Errorf("shot errors %v %v %v", *r.ManyShotError, *r.MediumShotError, *r.FewShotError)
	}
}

func TestTop5(t *testing.T) {
	a := NewAccumulator(7)
	// true class 6 ranked 6th → top-5 miss; true class 0 ranked 5th → hit.
	a.Add([]float32{0, 6, 5, 4, 3, 2, 1, 3, 7, 6, 5, 4, 1, 0}, []int{6, 0})
	r := a.Result(nil)
	if r.Top5Error != 0.5 {
		t.Errorf("top-5 error %g, want 0.5 (mean of class 0: 0, class 6: 1)", r.Top5Error)
	}
	if r.ManyShotError != nil {
		t.Error("shot groups without training counts")
	}
}

func TestBadInput(t *testing.T) {
	a := NewAccumulator(2)
	if err := a.Add([]float32{1, 2, 3}, []int{0}); err == nil {
		t.Error("wrong score count accepted")
	}
	if err := a.Add([]float32{1, 2}, []int{2}); err == nil {
		t.Error("label out of range accepted")
	}
}

func TestTestErrors(t *testing.T) {
	// Perfect on the five frequent classes, always wrong on the five rare ones.
	perClass := []float64{0, 0, 0, 0, 0, 1, 1, 1, 1, 1}
	lt := []int{5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50}
	plain, balanced, err := TestErrors(perClass, lt)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(plain-891.0/12406) > 1e-12 || balanced != 0.5 {
		t.Errorf("plain %g balanced %g", plain, balanced)
	}
	if _, _, err := TestErrors(perClass, lt[:3]); err == nil {
		t.Error("mismatched lengths accepted")
	}
}
