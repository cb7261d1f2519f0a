package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Profile is an imbalance profile, named as the official code's --imb_type.
type Profile string

// The profiles of section 5.1.
const (
	LongTailed Profile = "exp"  // n_i = img_max·ρ^{−i/(C−1)} (Cui et al. 2019)
	Step       Profile = "step" // a fraction μ of minority classes with img_max/ρ (Buda et al. 2018)
)

// ParseProfile parses --imb_type.
func ParseProfile(s string) (Profile, error) {
	switch s {
	case "exp", "lt", "long-tailed":
		return LongTailed, nil
	case "step":
		return Step, nil
	}
	return "", fmt.Errorf("unknown imbalance type %q; use exp (long-tailed) or step", s)
}

// ClassCounts returns the per-class training counts of the official imbalance_cifar.py:
// imbFactor = 1/ρ ∈ (0, 1]; long-tailed n_i = int(imgMax·imbFactor^{i/(C−1)}); step: the first
// C − int(μ·C) classes keep imgMax, the rest int(imgMax·imbFactor) (μ = 0.5 in the paper).
func ClassCounts(p Profile, imgMax, classes int, imbFactor, mu float64) ([]int, error) {
	if classes < 1 || imgMax < 1 {
		return nil, fmt.Errorf("datasets: %d classes with %d images at most: both must be ≥ 1", classes, imgMax)
	}
	if !(imbFactor > 0 && imbFactor <= 1) {
		return nil, fmt.Errorf("datasets: imb_factor %g is outside (0, 1]; it is 1/ρ, e.g. 0.01 for ρ = 100", imbFactor)
	}
	counts := make([]int, classes)
	switch p {
	case LongTailed:
		for i := range counts {
			e := 0.0
			if classes > 1 {
				e = float64(i) / float64(classes-1)
			}
			counts[i] = int(float64(imgMax) * math.Pow(imbFactor, e))
		}
	case Step:
		if !(mu > 0 && mu < 1) {
			return nil, fmt.Errorf("datasets: step fraction μ = %g is outside (0, 1); the paper uses 0.5", mu)
		}
		minority := int(mu * float64(classes))
		for i := range counts {
			counts[i] = imgMax
			if i >= classes-minority {
				counts[i] = int(float64(imgMax) * imbFactor)
			}
		}
	default:
		return nil, fmt.Errorf("datasets: unknown imbalance profile %q; use exp or step", p)
	}
	for i, n := range counts {
		if n < 1 {
			return nil, fmt.Errorf("datasets: imb_factor %g leaves class %d with no image (img_max %d); use a larger imb_factor", imbFactor, i, imgMax)
		}
	}
	return counts, nil
}

// Selector chooses counts[c] examples of each class c among labels with a seed, returning their
// indices in class order: [SelectPerClass] (the official code's), or [SelectPerClassEarlier].
type Selector func(labels []int, counts []int, seed uint64) ([]int, error)

// SelectPerClassEarlier is the selection of builds before [SelectPerClass] was the official
// code's: each class's indices shuffled with Go's PCG generator seeded by seed, the first
// counts[c] kept. The same counts, other images. It exists to reopen runs made then
// (experiment.Config.EarlierSelection); new runs use SelectPerClass.
func SelectPerClassEarlier(labels []int, counts []int, seed uint64) ([]int, error) {
	byClass, err := byClass(labels, counts)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x1da3))
	var out []int
	for c, idx := range byClass {
		rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		out = append(out, idx[:counts[c]]...)
	}
	return out, nil
}

// byClass lists the indices of each class in ascending order, checking that every label is a
// class of counts and every class has counts[c] examples.
func byClass(labels []int, counts []int) ([][]int, error) {
	by := make([][]int, len(counts))
	for i, y := range labels {
		if y < 0 || y >= len(counts) {
			return nil, fmt.Errorf("datasets: label %d of example %d outside the %d classes of the profile", y, i, len(counts))
		}
		by[y] = append(by[y], i)
	}
	for c, idx := range by {
		if counts[c] > len(idx) {
			return nil, fmt.Errorf("datasets: class %d needs %d examples but has only %d; lower img_max or the profile", c, counts[c], len(idx))
		}
	}
	return by, nil
}

// SelectPerClass returns the indices of a subset with counts[c] examples of each class c, chosen
// as the official code's gen_imbalanced_data does: numpy's legacy generator seeded once with
// seed ([NewNumpyRandomState]; numpy.random.seed(rand_number)), then for each class in order its
// indices (ascending) shuffled with numpy's shuffle and the first counts[c] kept. The same seed
// picks the same images as the official code on the same data order. The result lists the
// classes in order. seed must be below 2³², numpy's limit.
func SelectPerClass(labels []int, counts []int, seed uint64) ([]int, error) {
	if seed > math.MaxUint32 {
		return nil, fmt.Errorf("datasets: selection seed %d is above 2³²−1, the largest numpy (and the official code's --rand_number) accepts", seed)
	}
	byClass, err := byClass(labels, counts)
	if err != nil {
		return nil, err
	}
	rng := NewNumpyRandomState(uint32(seed))
	var out []int
	for c, idx := range byClass {
		rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		out = append(out, idx[:counts[c]]...)
	}
	return out, nil
}

// Imbalanced returns the imbalanced training set of a profile: per-class counts from
// [ClassCounts] with img_max = the largest class of d (capped at maxPerClass when it is > 0,
// the quick preset's scale-down), chosen by sel (nil: [SelectPerClass]).
func Imbalanced(d *Images, p Profile, imbFactor, mu float64, maxPerClass int, seed uint64, sel Selector) (*Images, error) {
	idx, err := ImbalancedIndices(d.Labels, len(d.Classes), p, imbFactor, mu, maxPerClass, seed, sel)
	if err != nil {
		return nil, err
	}
	return d.Subset(idx), nil
}

// ImbalancedIndices are the indices [Imbalanced] keeps of a data set with these labels (of
// `classes` classes), in class order.
func ImbalancedIndices(labels []int, classes int, p Profile, imbFactor, mu float64, maxPerClass int, seed uint64, sel Selector) ([]int, error) {
	counts := CountLabels(labels, classes)
	imgMax := 0
	for _, n := range counts {
		imgMax = max(imgMax, n)
	}
	if maxPerClass > 0 {
		imgMax = min(imgMax, maxPerClass)
	}
	want, err := ClassCounts(p, imgMax, len(counts), imbFactor, mu)
	if err != nil {
		return nil, err
	}
	return sel.orDefault()(labels, want, seed)
}

// CapPerClass keeps at most n examples of each class (chosen by sel with seed; nil:
// [SelectPerClass]); n ≤ 0 keeps all.
func CapPerClass(d *Images, n int, seed uint64, sel Selector) (*Images, error) {
	if n <= 0 {
		return d, nil
	}
	idx, err := CapPerClassIndices(d.Labels, len(d.Classes), n, seed, sel)
	if err != nil {
		return nil, err
	}
	return d.Subset(idx), nil
}

// CapPerClassIndices are the indices [CapPerClass] keeps (n > 0), in class order.
func CapPerClassIndices(labels []int, classes, n int, seed uint64, sel Selector) ([]int, error) {
	counts := CountLabels(labels, classes)
	for c := range counts {
		counts[c] = min(counts[c], n)
	}
	return sel.orDefault()(labels, counts, seed)
}

// orDefault is s, or SelectPerClass when s is nil.
func (s Selector) orDefault() Selector {
	if s == nil {
		return SelectPerClass
	}
	return s
}

// PermutedTestCounts returns an imbalanced test distribution for Table 6 / Fig. 7 (appendix
// C.5): the counts of the same profile and ratio with img_max = testMax (1000 for CIFAR), whose
// assignment to classes is a random permutation drawn with seed, so train and test label
// distributions differ.
func PermutedTestCounts(p Profile, testMax, classes int, imbFactor, mu float64, seed uint64) ([]int, error) {
	base, err := ClassCounts(p, testMax, classes, imbFactor, mu)
	if err != nil {
		return nil, err
	}
	perm := rand.New(rand.NewPCG(seed, 0x7e57)).Perm(classes)
	out := make([]int, classes)
	for c := range out {
		out[c] = base[perm[c]]
	}
	return out, nil
}
