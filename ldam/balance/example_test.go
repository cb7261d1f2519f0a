package balance_test

import (
	"fmt"

	"github.com/ldamlab/ldamlab/ldam/balance"
)

// Deferred re-weighting (DRW): unit weights until T0 (here epoch 160, 0-based), then the
// class-balanced weights (1 − β)/(1 − β^{n_j}) with β = 0.9999, normalized to sum to the number
// of classes.
func ExampleNewPlan() {
	plan, err := balance.NewPlan(balance.DRW, []int{5000, 500, 50}, 0.9999, 160)
	if err != nil {
		panic(err)
	}
	for _, epoch := range []int{0, 159, 160} {
		fmt.Printf("epoch %d: class weights %.3f\n", epoch, plan.ClassWeights(epoch))
	}
	// Output:
	// epoch 0: class weights [1.000 1.000 1.000]
	// epoch 159: class weights [1.000 1.000 1.000]
	// epoch 160: class weights [0.034 0.275 2.691]
}
