package balance

import (
	"fmt"
	"math/rand/v2"
	"sort"
)

// SamplerKind names how the examples of an epoch are drawn.
type SamplerKind int

const (
	// Instance draws every example once per epoch in a shuffled order (instance-balanced; ERM).
	Instance SamplerKind = iota
	// Weighted draws len(dataset) examples with replacement, example i with probability
	// proportional to the weight of its class (inverse frequency or class-balanced): re-sampling.
	Weighted
)

// Sampler draws the example indices of one epoch.
type Sampler struct {
	Kind SamplerKind
	// ClassWeights are the per-class sampling weights of a Weighted sampler.
	ClassWeights []float64
}

// String describes the sampler.
func (s Sampler) String() string {
	if s.Kind == Instance {
		return "instance-balanced"
	}
	return fmt.Sprintf("re-sampling with replacement, class weights %.4g", s.ClassWeights)
}

// EpochIndices returns the example indices of one epoch for the given labels, drawn with rng.
// An Instance sampler returns a permutation of 0…len(labels)−1; a Weighted sampler returns
// len(labels) indices drawn with replacement, each with probability ∝ ClassWeights[label].
func (s Sampler) EpochIndices(labels []int, rng *rand.Rand) ([]int, error) {
	n := len(labels)
	if s.Kind == Instance {
		return rng.Perm(n), nil
	}
	cum := make([]float64, n)
	total := 0.0
	for i, y := range labels {
		if y < 0 || y >= len(s.ClassWeights) {
			return nil, fmt.Errorf("balance: label %d of example %d is outside the %d sampler classes", y, i, len(s.ClassWeights))
		}
		total += s.ClassWeights[y]
		cum[i] = total
	}
	if total <= 0 {
		return nil, fmt.Errorf("balance: sampler weights sum to %g; at least one class needs a positive weight", total)
	}
	out := make([]int, n)
	for k := range out {
		u := rng.Float64() * total
		out[k] = sort.SearchFloat64s(cum, u)
		if out[k] >= n { // u == total after rounding
			out[k] = n - 1
		}
	}
	return out, nil
}
