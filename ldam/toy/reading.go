package toy

import (
	"fmt"
	"math"
	"strings"
)

// Reading is the notebook's reading of trained methods (the first must be CE), generated from
// the results so it cannot go stale: how CE treats the rarest class, how far each other method
// moves it, the rarest class's margin, and whether Eq. 5's margin term orders the methods as
// their balanced test errors do.
func Reading(rs []*Result, counts []int) string {
	if len(rs) < 2 || rs[0].Method.Loss != "CE" || rs[0].Method.Rule != "None" {
		return "toy: the reading needs CE first and at least one other method"
	}
	rare, head := 0, 0
	for j, n := range counts {
		if n < counts[rare] {
			rare = j
		}
		if n > counts[head] {
			head = j
		}
	}
	ce := rs[0]
	var b strings.Builder
	fmt.Fprintf(&b, "Cross-entropy leaves the rarest class (n = %d) at %.1f %% test error against %.1f %% for the largest (n = %d): its boundary sits against the few training points (their margin γ = %.2f). ",
		counts[rare], 100*ce.TestError[rare], 100*ce.TestError[head], counts[head], ce.GammaLow[rare])
	best := ce
	var moved []string
	for _, r := range rs[1:] {
		moved = append(moved, fmt.Sprintf("%s %.1f %% (γ = %.2f)", r.Method.Name, 100*r.TestError[rare], r.GammaLow[rare]))
		if r.BalancedError < best.BalancedError {
			best = r
		}
	}
	fmt.Fprintf(&b, "The rarest class's test error and margin under the others: %s. The balanced error falls from %.1f %% (CE) to %.1f %% (%s). ",
		strings.Join(moved, ", "), 100*ce.BalancedError, 100*best.BalancedError, best.Method.Name)
	agree, pairs := 0, 0
	for i := range rs {
		for k := i + 1; k < len(rs); k++ {
			ti, tk := MarginTerm(rs[i].GammaLow, counts), MarginTerm(rs[k].GammaLow, counts)
			ei, ek := rs[i].BalancedError, rs[k].BalancedError
			if ei == ek || ti == tk {
				continue
			}
			pairs++
			if (ti < tk) == (ei < ek) {
				agree++
			}
		}
	}
	fmt.Fprintf(&b, "Eq. 5's margin term orders %d of the %d pairs of methods as their balanced errors do", agree, pairs)
	if finite := Bound(best.GammaLow, counts); !math.IsInf(finite, 1) && finite > 1 {
		fmt.Fprintf(&b, "; the bound itself stays above 1 (%.2f for %s) — vacuous at these n, so its ranking, not its value, is what it says", finite, best.Method.Name)
	}
	b.WriteString(".")
	return b.String()
}
