package tables_test

import (
	"fmt"

	"github.com/ldamlab/ldamlab/tables"
)

// The recipe `ldam train --dataset cifar10` follows in each preset, as notebooks show it.
func ExampleRecipe() {
	fmt.Print(tables.Recipe("cifar10").Markdown())
	// Output:
	// | preset | epochs | batch | optimizer | learning rate | T0 (DRW/DRS) | data caps (head class / test per class) |
	// |---|---|---|---|---|---|---|
	// | paper | 200 | 128 | SGD, momentum 0.9, weight decay 0.0002 | 0.1, warm-up 5 epoch(s), ×0.01 from epoch 160 and 180 | 160 | full data |
	// | lite | 20 | 128 | SGD, momentum 0.9, weight decay 0.0002 | 0.1, warm-up 1 epoch(s), ×0.01 from epoch 16 and 18 | 16 | full data |
	// | quick | 10 | 128 | SGD, momentum 0.9, weight decay 0.0002 | 0.1, warm-up 1 epoch(s), ×0.01 from epoch 8 and 9 | 8 | 500 / 100 |
}

// Algorithm 1 for two classes of 100 and 10 examples in the quick preset: plain training until
// T0 = 8, then class-balanced weights (β = 0.9999, normalized to sum to the number of classes).
func ExampleDRWPlan() {
	tb, err := tables.DRWPlan("quick", "DRW", []int{100, 10}, 0.9999)
	if err != nil {
		panic(err)
	}
	for _, e := range []int{7, 8} {
		fmt.Println(tb.Rows[e])
	}
	// Output:
	// [7 0.1 1: plain training (lines 2–6) 1.000 1.000 instance (every example once)]
	// [8 0.001 2: re-balanced (lines 8–11) 0.183 1.817 instance (every example once)]
}
