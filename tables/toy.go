package tables

import (
	"fmt"
	"math"
	"strings"

	"github.com/ldamlab/ldamlab/ldam/toy"
)

// Toy lists the bridge toy's trained methods: balanced and per-class test error, the margins
// Δ_j the loss enforced, the normalized training margins γ_j (toy.MarginQuantile quantile), and
// Eq. 5 evaluated with them — its margin term and the whole bound (∞ when a margin is ≤ 0).
func Toy(rs []*toy.Result, counts []int) Table {
	t := Table{Header: []string{"method", "balanced test error (%)", "test error per class (%)", "Δ_j enforced", "γ_j trained", "Eq. 5: margin term", "Eq. 5: bound"}}
	list := func(v []float64, f string, scale float64) string {
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = fmt.Sprintf(f, scale*x)
		}
		return strings.Join(s, " / ")
	}
	num := func(v float64) string {
		if math.IsInf(v, 1) {
			return "∞"
		}
		return fmt.Sprintf("%.2f", v)
	}
	for _, r := range rs {
		t.Rows = append(t.Rows, []string{r.Method.Name, fmt.Sprintf("%.1f", 100*r.BalancedError), list(r.TestError, "%.1f", 100),
			list(r.Delta, "%.2f", 1), list(r.GammaLow, "%.2f", 1), num(toy.MarginTerm(r.GammaLow, counts)), num(toy.Bound(r.GammaLow, counts))})
	}
	return t
}
