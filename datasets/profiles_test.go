package datasets

import (
	"math"
	"testing"
)

func TestImbalancedSets(t *testing.T) {
	sets, err := ImbalancedSets(10, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 12 {
		t.Fatalf("%d sets, want 3 datasets × 2 profiles × 2 ratios", len(sets))
	}
	// CIFAR-10-LT ρ = 100 as in the facts file (section 5.1).
	c := sets[1]
	want := []int{5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50}
	if c.Dataset != "CIFAR-10" || c.Rho != 100 || len(c.Counts) != 10 {
		t.Fatalf("second set %+v", c)
	}
	for i := range want {
		if c.Counts[i] != want[i] {
			t.Fatalf("CIFAR-10-LT ρ=100 counts %v, want %v", c.Counts, want)
		}
	}
	if c.Total() != 12406 || math.Abs(c.HeadShare()-5000.0/12406) > 1e-12 || math.Abs(c.TailShare()-(387+232+139+83+50)/12406.0) > 1e-12 {
		t.Errorf("total %d head %g tail %g", c.Total(), c.HeadShare(), c.TailShare())
	}
}
