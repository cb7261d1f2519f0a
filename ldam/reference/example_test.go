package reference_test

import (
	"fmt"

	"github.com/ldamlab/ldamlab/ldam/reference"
)

// The reference's runs of Table 2's core rows for one seed in the lite preset: first stages
// first, each DRW run branching from its first stage at T0.
func ExamplePlan() {
	jobs, err := reference.Plan("/repo", "lite", []uint64{0}, []string{"ERM", "ERM-DRW", "LDAM", "LDAM-DRW"}, "C10 LT 100")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, j := range jobs {
		if j.BranchFrom == "" {
			fmt.Println(j.Run.Method, j.Dir)
		} else {
			fmt.Println(j.Run.Method, j.Dir, "branching from", j.BranchFrom)
		}
	}
	// Output:
	// ERM /repo/results/lite/reference/cifar10-exp100-erm/seed-0
	// LDAM /repo/results/lite/reference/cifar10-exp100-ldam/seed-0
	// ERM-DRW /repo/results/lite/reference/cifar10-exp100-erm-drw/seed-0 branching from /repo/results/lite/reference/cifar10-exp100-erm/seed-0
	// LDAM-DRW /repo/results/lite/reference/cifar10-exp100-ldam-drw/seed-0 branching from /repo/results/lite/reference/cifar10-exp100-ldam/seed-0
}
