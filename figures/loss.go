package figures

import (
	"fmt"

	"github.com/ldamlab/ldamlab/ldam/losses"
	"gonum.org/v1/plot"
)

// Section 3.2 of the paper: the LDAM losses drawn as functions of the logit gap
// (losses.TwoClass), and their gradients beside re-weighting's (losses.GradientFactors).

// gapAxis labels the logit-gap axis of the loss plots.
const gapAxis = "logit gap z_y − z_other (cosine units)"

// LossCurves draws the LDAM softmax loss (Eq. 12–13) and the LDAM hinge loss (Eq. 10–11) of a
// frequent and a rare class against the logit gap, beside cross-entropy, at scale s.
func LossCurves(headMargin, tailMargin, scale float64) (*plot.Plot, error) {
	gaps := losses.Gaps(-1, 2, 121)
	var cs []Line
	for _, c := range []struct {
		kind, name string
		delta      float64
		dashed     bool
	}{
		{"ce", "cross-entropy", 0, false},
		{"ldam", fmt.Sprintf("LDAM, frequent class (Δ = %.2f)", headMargin), headMargin, false},
		{"ldam", fmt.Sprintf("LDAM, rare class (Δ = %.2f)", tailMargin), tailMargin, false},
		{"hinge", fmt.Sprintf("LDAM hinge, frequent (Δ = %.2f)", headMargin), headMargin, true},
		{"hinge", fmt.Sprintf("LDAM hinge, rare (Δ = %.2f)", tailMargin), tailMargin, true},
	} {
		l, _, err := losses.TwoClass(c.kind, gaps, c.delta, scale, 1)
		if err != nil {
			return nil, err
		}
		cs = append(cs, Line{Name: c.name, Y: l, Dashed: c.dashed})
	}
	return Lines(fmt.Sprintf("Eq. 10–13 at s = %g: loss of one example", scale), gapAxis, "loss", gaps, cs)
}

// ScaleAndMargin draws the rare class's LDAM loss for several scales s (left panel, Δ fixed)
// and several Δ_max (right panel, s fixed).
func ScaleAndMargin(delta, scale float64, scales, deltas []float64) (*Panels, error) {
	gaps := losses.Gaps(-1, 2, 121)
	var left, right []Line
	for _, s := range scales {
		l, _, err := losses.TwoClass("ldam", gaps, delta, s, 1)
		if err != nil {
			return nil, err
		}
		left = append(left, Line{Name: fmt.Sprintf("s = %g", s), Y: l})
	}
	for _, d := range deltas {
		l, _, err := losses.TwoClass("ldam", gaps, d, scale, 1)
		if err != nil {
			return nil, err
		}
		right = append(right, Line{Name: fmt.Sprintf("Δ = %g", d), Y: l})
	}
	a, err := Lines(fmt.Sprintf("(a) scale s, Δ = %g", delta), gapAxis, "loss", gaps, left)
	if err != nil {
		return nil, err
	}
	b, err := Lines(fmt.Sprintf("(b) margin Δ, s = %g", scale), gapAxis, "loss", gaps, right)
	if err != nil {
		return nil, err
	}
	return Row("The LDAM loss of a rare-class example: the scale s and the margin Δ", a, b), nil
}

// GradientFactor draws [losses.GradientFactors] for a rare class over gaps in [−1, 0.25]: beyond
// that, at s = 30, cross-entropy's gradient is below float32's resolution of 1 − p_y.
func GradientFactor(weight, delta, scale float64) (*plot.Plot, error) {
	gaps := losses.Gaps(-1, 0.25, 101)
	rw, ld, err := losses.GradientFactors(gaps, weight, delta, scale)
	if err != nil {
		return nil, err
	}
	p, err := Lines(fmt.Sprintf("gradient of a rare-class example ÷ cross-entropy's (s = %g)", scale), gapAxis, "factor", gaps,
		[]Line{{Name: fmt.Sprintf("re-weighting (w = %.2f): the class alone", weight), Y: rw}, {Name: fmt.Sprintf("LDAM (Δ = %.2f): class and output", delta), Y: ld}})
	if err != nil {
		return nil, err
	}
	p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{}
	return p, nil
}
