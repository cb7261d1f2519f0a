package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Points is a labelled set of real vectors (the synthetic sets of the theory notebooks).
type Points struct {
	Name    string
	Classes []string
	Dim     int
	X       []float32 // Len()·Dim
	Labels  []int
}

// Len is the number of points.
func (p *Points) Len() int { return len(p.Labels) }

// Counts returns the points per class.
func (p *Points) Counts() []int { return CountLabels(p.Labels, len(p.Classes)) }

// GaussianMixture draws counts[c] points of class c from an isotropic Gaussian N(means[c], σ²I)
// in len(means[c]) dimensions, with seed.
func GaussianMixture(means [][]float64, sigma float64, counts []int, seed uint64) (*Points, error) {
	if len(means) != len(counts) || len(means) == 0 {
		return nil, fmt.Errorf("datasets: %d class means for %d class counts", len(means), len(counts))
	}
	dim := len(means[0])
	p := &Points{Name: "gaussian-mixture", Dim: dim}
	rng := rand.New(rand.NewPCG(seed, 0x9a55))
	for c, mu := range means {
		if len(mu) != dim {
			return nil, fmt.Errorf("datasets: class %d mean has %d dimensions, class 0 has %d", c, len(mu), dim)
		}
		if counts[c] < 0 {
			return nil, fmt.Errorf("datasets: class %d count %d is negative", c, counts[c])
		}
		p.Classes = append(p.Classes, fmt.Sprintf("class %d", c))
		for range counts[c] {
			for _, m := range mu {
				p.X = append(p.X, float32(m+sigma*rng.NormFloat64()))
			}
			p.Labels = append(p.Labels, c)
		}
	}
	return p, nil
}

// Separable2D draws a linearly separable two-class set in the plane: class 0 (counts[0]
// points) uniform in the strip x ≤ −gap/2 and class 1 in x ≥ gap/2, both within [−1−gap/2, 1+gap/2] × [−1, 1].
// The best separator is x = 0 with margins gap/2 on both sides, the setting of Fig. 1.
func Separable2D(n0, n1 int, gap float64, seed uint64) *Points {
	rng := rand.New(rand.NewPCG(seed, 0x5e9a))
	p := &Points{Name: "separable-2d", Dim: 2, Classes: []string{"class 0", "class 1"}}
	for c, n := range []int{n0, n1} {
		sign := 2*float64(c) - 1
		for range n {
			x := sign * (gap/2 + rng.Float64())
			y := 2*rng.Float64() - 1
			p.X = append(p.X, float32(x), float32(y))
			p.Labels = append(p.Labels, c)
		}
	}
	return p
}

// RingMeans returns k class means equally spaced on a circle of the given radius, padded with
// zeros to dim ≥ 2 dimensions.
func RingMeans(k, dim int, radius float64) [][]float64 {
	out := make([][]float64, k)
	for c := range out {
		a := 2 * math.Pi * float64(c) / float64(k)
		out[c] = make([]float64, max(dim, 2))
		out[c][0], out[c][1] = radius*math.Cos(a), radius*math.Sin(a)
	}
	return out
}

// RandomCIFAR returns n random 32×32×3 images with random labels of 10 classes, balanced.
func RandomCIFAR(n int, seed uint64) *Images {
	rng := rand.New(rand.NewPCG(seed, 1))
	d := &Images{Name: "random-cifar", Classes: CIFAR10Classes, Height: 32, Width: 32, Channels: 3,
		Pixels: make([]uint8, n*32*32*3), Labels: make([]int, n)}
	for i := range d.Pixels {
		d.Pixels[i] = uint8(rng.IntN(256))
	}
	for i := range d.Labels {
		d.Labels[i] = i % 10
	}
	return d
}
