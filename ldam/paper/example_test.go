package paper_test

import (
	"fmt"

	"github.com/ldamlab/ldamlab/ldam/paper"
)

// The paper's headline, Table 2's CIFAR-10-LT ρ = 100 column, and what Fig. 3 draws of it.
func ExampleLookup() {
	t, err := paper.Lookup("table2")
	if err != nil {
		panic(err)
	}
	for _, m := range []string{"ERM", "LDAM", "LDAM-DRW"} {
		v, _ := t.Value(m, "C10 LT 100")
		fmt.Printf("%-8s %.2f %%\n", m, v)
	}
	fmt.Println("Fig. 3:", paper.Fig3.Methods, "in", paper.Fig3.Column)
	// Output:
	// ERM      29.64 %
	// LDAM     26.65 %
	// LDAM-DRW 22.97 %
	// Fig. 3: [LDAM-DRW CB RS CB RW] in C10 LT 100
}
