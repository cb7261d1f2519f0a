package registry_test

import (
	"fmt"

	"github.com/ldamlab/ldamlab/ldam/registry"
)

// Ours against the official recipe's reference over five seeds each (illustrative values): the difference of the
// means with Welch's standard error, as `ldam table` prints it.
func ExampleDiffOfMeans() {
	ours := []float64{82.4, 82.6, 82.2, 79.8, 79.9}
	official := []float64{85.5, 88.5, 83.7, 87.1, 83.5}
	d, se, _ := registry.DiffOfMeans(ours, official)
	fmt.Printf("%+.2f ± %.2f\n", d, se)
	// Output: -4.28 ± 1.15
}
