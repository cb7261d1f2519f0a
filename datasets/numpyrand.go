package datasets

// NumpyRandomState is numpy's legacy random generator (numpy.random.RandomState, the generator
// behind numpy.random.seed and numpy.random.shuffle): MT19937 seeded with init_genrand, and the
// shuffle of a 1-d array as numpy draws it. The official LDAM-DRW code picks its long-tailed
// CIFAR subsets with it (imbalance_cifar.py: np.random.seed(rand_number), then one
// np.random.shuffle per class), so a seed selects the same images here as there.
//
// Only what that selection needs is here; it is not a general-purpose generator.
type NumpyRandomState struct {
	mt  [624]uint32
	pos int
}

// NewNumpyRandomState is numpy.random.RandomState(seed) for a seed in [0, 2³²), numpy's range.
func NewNumpyRandomState(seed uint32) *NumpyRandomState {
	r := &NumpyRandomState{}
	s := seed
	for i := range r.mt {
		r.mt[i] = s
		s = 1812433253*(s^(s>>30)) + uint32(i) + 1
	}
	r.pos = len(r.mt)
	return r
}

// Uint32 is MT19937's next 32-bit output (genrand_int32).
func (r *NumpyRandomState) Uint32() uint32 {
	const n, m = 624, 397
	if r.pos >= n {
		for i := range n {
			y := r.mt[i]&0x80000000 | r.mt[(i+1)%n]&0x7fffffff
			v := r.mt[(i+m)%n] ^ y>>1
			if y&1 != 0 {
				v ^= 0x9908b0df
			}
			r.mt[i] = v
		}
		r.pos = 0
	}
	y := r.mt[r.pos]
	r.pos++
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	y ^= y >> 18
	return y
}

// interval is numpy's random_interval(max): a uniform integer in [0, max] drawn by masking to
// the smallest covering power of two and rejecting values above max (max < 2³²).
func (r *NumpyRandomState) interval(max uint32) uint32 {
	if max == 0 {
		return 0
	}
	mask := max
	mask |= mask >> 1
	mask |= mask >> 2
	mask |= mask >> 4
	mask |= mask >> 8
	mask |= mask >> 16
	for {
		if v := r.Uint32() & mask; v <= max {
			return v
		}
	}
}

// Shuffle is numpy.random.shuffle of a 1-d array of n elements (Fisher–Yates from the end:
// for i = n−1 … 1 swap i with random_interval(i)); swap exchanges two elements.
func (r *NumpyRandomState) Shuffle(n int, swap func(i, j int)) {
	for i := n - 1; i > 0; i-- {
		swap(i, int(r.interval(uint32(i))))
	}
}
