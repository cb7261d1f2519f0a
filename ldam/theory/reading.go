package theory

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
)

// Reading is notebook 02's reading of the Theorem 3 experiment, generated from its result so
// it cannot go stale: whether moving the boundary toward the frequent class (α = 1/4 against
// the max-margin α = 0) lowers the balanced error, which α does best, and re-weighting beside
// the Bayes error Φ(−Mu) — each difference paired draw by draw, with its standard error.
func (r *Theorem3Result) Reading() string {
	zero, ok0 := r.Row(0)
	quarter, ok1 := r.Row(0.25)
	if !ok0 || !ok1 {
		return "theory: the reading needs the rows α = 0 and α = 1/4"
	}
	pct := func(v float64) string { return fmt.Sprintf("%.2f %%", 100*v) }
	diff := func(a, b Theorem3Row) string {
		d := a.Minus(b)
		return fmt.Sprintf("%+.2f ± %.2f points", 100*d.Mean(), 100*d.StdErr())
	}
	var b strings.Builder
	d := quarter.Minus(zero)
	verdict := "holds"
	if d.Mean()+2*d.StdErr() >= 0 {
		verdict = "is not confirmed"
	}
	fmt.Fprintf(&b, "Over %d draws (seed %d), the direction of Theorem 3 %s: α = 1/4 gives %s against %s for the max-margin classifier (α = 0), a paired difference of %s. ",
		len(zero.Errors), r.Config.Seed, verdict, pct(quarter.Mean()), pct(zero.Mean()), diff(quarter, zero))
	best := quarter
	for _, row := range r.Rows {
		if !math.IsNaN(row.Alpha) && row.Mean() < best.Mean() {
			best = row
		}
	}
	if best.Alpha == quarter.Alpha {
		b.WriteString("No other exponent does better. ")
	} else {
		fmt.Fprintf(&b, "The exponent is not the error's optimum: %s does best, %s (%s from α = 1/4). ", best.Name, pct(best.Mean()), diff(best, quarter))
	}
	rw := r.Reweighted()
	bayes := distuv.UnitNormal.CDF(-r.Config.Mu)
	fmt.Fprintf(&b, "Re-weighted, regularized logistic regression reaches %s (%s from α = 1/4); the Bayes-optimal balanced error is %s.", pct(rw.Mean()), diff(rw, quarter), pct(bayes))
	return b.String()
}
