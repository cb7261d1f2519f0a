package datasets

// ImbalancedSet is one training-set profile: a dataset's per-class counts under an imbalance
// profile and ratio ρ.
type ImbalancedSet struct {
	Dataset string
	Profile Profile
	Rho     float64
	Counts  []int
}

// Total is the number of training examples.
func (s ImbalancedSet) Total() int {
	n := 0
	for _, c := range s.Counts {
		n += c
	}
	return n
}

// HeadShare is the fraction of the training set in the most frequent class, TailShare the
// fraction in the rarer half of the classes.
func (s ImbalancedSet) HeadShare() float64 { return float64(s.Counts[0]) / float64(s.Total()) }

// TailShare is the fraction of the training set in the rarer half of the classes.
func (s ImbalancedSet) TailShare() float64 {
	n := 0
	for _, c := range s.Counts[len(s.Counts)-len(s.Counts)/2:] {
		n += c
	}
	return float64(n) / float64(s.Total())
}

// paperSets are the datasets of Tables 2 and 4: name, classes, training images per class.
var paperSets = []struct {
	name              string
	classes, perClass int
}{{"CIFAR-10", 10, 5000}, {"CIFAR-100", 100, 500}, {"Tiny ImageNet", 200, 500}}

// ImbalancedSets returns the training sets of Tables 2 and 4 — CIFAR-10, CIFAR-100 and Tiny
// ImageNet, long-tailed and step (μ = 0.5), ρ = 10 and 100 — with the official code's counts.
func ImbalancedSets(rhos ...float64) ([]ImbalancedSet, error) {
	var out []ImbalancedSet
	for _, d := range paperSets {
		for _, p := range []Profile{LongTailed, Step} {
			for _, rho := range rhos {
				counts, err := ClassCounts(p, d.perClass, d.classes, 1/rho, 0.5)
				if err != nil {
					return nil, err
				}
				out = append(out, ImbalancedSet{Dataset: d.name, Profile: p, Rho: rho, Counts: counts})
			}
		}
	}
	return out, nil
}
