package losses_test

import (
	"fmt"

	"github.com/gomlx/compute/gobackend"
	. "github.com/gomlx/gomlx/core/graph"

	"github.com/ldamlab/ldamlab/ldam/losses"
)

// The LDAM margins of Eq. 13 on CIFAR-10-LT's ρ = 100 counts: Δ_j ∝ n_j^{-1/4}, the rarest
// class's margin 0.5.
func ExampleLDAMMargins() {
	counts := []int{5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50}
	margins, err := losses.LDAMMargins(counts, 0.5)
	if err != nil {
		panic(err)
	}
	for j, m := range margins {
		fmt.Printf("class %d (n = %4d): Δ = %.3f\n", j, counts[j], m)
	}
	// Output:
	// class 0 (n = 5000): Δ = 0.158
	// class 1 (n = 2997): Δ = 0.180
	// class 2 (n = 1796): Δ = 0.204
	// class 3 (n = 1077): Δ = 0.232
	// class 4 (n =  645): Δ = 0.264
	// class 5 (n =  387): Δ = 0.300
	// class 6 (n =  232): Δ = 0.341
	// class 7 (n =  139): Δ = 0.387
	// class 8 (n =   83): Δ = 0.440
	// class 9 (n =   50): Δ = 0.500
}

// The LDAM loss (Eq. 12–13) of one example of the rare class 1 whose cosine logits favour it
// by 0.2: with the margin 0.5 subtracted from its logit it still pays as if it were 0.3 behind,
// while cross-entropy at the same scale s = 30 barely counts it.
func ExampleLDAM() {
	backend, err := gobackend.New("")
	if err != nil {
		panic(err)
	}
	defer backend.Finalize()
	loss := func(margin float32) float32 {
		out := MustExecOnce(backend, func(logits, labels *Node) *Node {
			margins := Const(logits.Graph(), []float32{0.1, margin})
			return losses.LDAM(logits, labels, margins, nil, 30)
		}, [][]float32{{0.3, 0.5}}, []int32{1})
		return out.Value().(float32)
	}
	fmt.Printf("cross-entropy (no margin): %.4f\n", loss(0))
	fmt.Printf("LDAM (Δ = 0.5):            %.4f\n", loss(0.5))
	// Output:
	// cross-entropy (no margin): 0.0025
	// LDAM (Δ = 0.5):            9.0001
}
