package balance

import (
	"fmt"
	"strings"
)

// Rule is the re-balancing rule, named as the official code's --train_rule.
type Rule string

// The training rules. DRS is not in the official code; its "Resample" is a no-op there
// (issue #7 of kaidic/LDAM-DRW) but really re-samples here.
const (
	None     Rule = "None"     // ERM: no re-balancing.
	Reweight Rule = "Reweight" // RW: class weights for the whole run.
	Resample Rule = "Resample" // RS: re-sampling for the whole run.
	DRW      Rule = "DRW"      // Deferred re-weighting: weights switched on at epoch T0.
	DRS      Rule = "DRS"      // Deferred re-sampling: sampler switched at epoch T0.
)

// Rules lists every rule, in the order of the paper.
var Rules = []Rule{None, Reweight, Resample, DRW, DRS}

// ParseRule parses a --train_rule value (case-insensitive).
func ParseRule(s string) (Rule, error) {
	for _, r := range Rules {
		if strings.EqualFold(s, string(r)) {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown train rule %q; use one of None, Reweight, Resample, DRW, DRS", s)
}

// Plan is a complete re-balancing schedule: which weights and which sampler every epoch uses.
type Plan struct {
	Rule Rule
	// Counts are the per-class training counts n_j.
	Counts []int
	// Beta selects the weights: 1 for inverse frequency (Algorithm 1), else the class-balanced
	// effective number with this β (0.9999 in the official code).
	Beta float64
	// DeferEpoch is T0 (0-based): DRW and DRS re-balance from this epoch on (160 for CIFAR).
	DeferEpoch int
}

// NewPlan validates and returns a plan.
func NewPlan(rule Rule, counts []int, beta float64, deferEpoch int) (Plan, error) {
	p := Plan{Rule: rule, Counts: counts, Beta: beta, DeferEpoch: deferEpoch}
	if _, err := ParseRule(string(rule)); err != nil {
		return p, err
	}
	if _, err := ClassBalanced(counts, beta); err != nil {
		return p, err
	}
	if deferEpoch < 0 {
		return p, fmt.Errorf("balance: deferred epoch T0 = %d is negative", deferEpoch)
	}
	return p, nil
}

// rebalanced reports whether re-balancing is on at the given 0-based epoch.
func (p Plan) rebalanced(epoch int) bool {
	switch p.Rule {
	case Reweight, Resample:
		return true
	case DRW, DRS:
		return epoch >= p.DeferEpoch
	}
	return false
}

// ClassWeights returns the per-class loss weights for the given 0-based epoch: uniform ones
// unless the rule re-weights at that epoch.
func (p Plan) ClassWeights(epoch int) []float64 {
	if (p.Rule == Reweight || p.Rule == DRW) && p.rebalanced(epoch) {
		w, _ := ClassBalanced(p.Counts, p.Beta) // validated by NewPlan
		return w
	}
	return Uniform(len(p.Counts))
}

// Sampler returns the sampler for the given 0-based epoch.
func (p Plan) Sampler(epoch int) Sampler {
	if (p.Rule == Resample || p.Rule == DRS) && p.rebalanced(epoch) {
		w, _ := ClassBalanced(p.Counts, p.Beta)
		return Sampler{Kind: Weighted, ClassWeights: w}
	}
	return Sampler{Kind: Instance}
}
