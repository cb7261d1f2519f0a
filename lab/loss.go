package lab

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/ldamlab/ldamlab/figures"
	"github.com/ldamlab/ldamlab/ldam/losses"
)

// Section 3.2 of the paper (03-ldam-loss.ipynb): the LDAM losses seen as functions of the
// logit gap, and their gradients beside re-weighting's, computed with the library's losses.

// Gaps returns n evenly spaced logit gaps g = z_y − z_other over [lo, hi].
func Gaps(lo, hi float64, n int) []float64 {
	g := make([]float64, n)
	for i := range g {
		g[i] = lo + (hi-lo)*float64(i)/float64(n-1)
	}
	return g
}

// LossAndGradient evaluates a loss of package losses on two-class cosine logits
// z = (g/2, −g/2) with true class 0, for every gap g, and returns the per-example loss and its
// derivative in g (GoMLX autodiff). kind is "ce" (cross-entropy on s·z), "ldam" (Eq. 12–13 with
// margin delta) or "hinge" (Eq. 10–11, scaled by s); weight multiplies the loss (re-weighting).
func LossAndGradient(kind string, gaps []float64, delta, scale, weight float64) (loss, grad []float64, err error) {
	backend, err := gobackend.New("")
	if err != nil {
		return nil, nil, err
	}
	defer backend.Finalize()
	n := len(gaps)
	g32 := make([]float32, n)
	for i, v := range gaps {
		g32[i] = float32(v)
	}
	var call error
	exec, err := NewExec(backend, func(g *Node) []*Node {
		half := MulScalar(ExpandAxes(g, -1), 0.5)
		logits := Concatenate([]*Node{half, Neg(half)}, -1) // [n, 2]
		labels := Zeros(g.Graph(), shapes.Make(dtypes.Int32, n))
		margins := Const(g.Graph(), []float32{float32(delta), 0})
		var per *Node
		switch kind {
		case "ce":
			per = losses.PerExampleCrossEntropy(MulScalar(logits, scale), labels)
		case "ldam":
			per = losses.PerExampleCrossEntropy(losses.MarginLogits(logits, labels, margins, scale), labels)
		case "hinge":
			per = losses.PerExampleHinge(logits, labels, margins, scale)
		default:
			call = fmt.Errorf("lab: unknown loss %q; use ce, ldam or hinge", kind)
			return []*Node{g, g}
		}
		per = MulScalar(per, weight)
		return []*Node{per, Gradient(ReduceAllSum(per), g)[0]}
	})
	if err != nil {
		return nil, nil, err
	}
	out, err := exec.Call(g32)
	if err != nil {
		return nil, nil, err
	}
	if call != nil {
		return nil, nil, call
	}
	for i, t := range out {
		v := tensors.MustCopyFlatData[float32](t)
		f := make([]float64, len(v))
		for k, x := range v {
			f[k] = float64(x)
		}
		if i == 0 {
			loss = f
		} else {
			grad = f
		}
	}
	return loss, grad, nil
}

// curve is one named line of a plot.
type curve struct {
	name   string
	ys     []float64
	dashed bool
}

// linePlot draws curves over the gaps.
func linePlot(title, ylabel string, gaps []float64, curves []curve) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, "logit gap z_y − z_other (cosine units)", ylabel
	for k, c := range curves {
		pts := make(plotter.XYs, len(gaps))
		for i, g := range gaps {
			pts[i] = plotter.XY{X: g, Y: c.ys[i]}
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = figures.Palette[k%len(figures.Palette)], vg.Points(1.5)
		if c.dashed {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		p.Add(l)
		p.Legend.Add(c.name, l)
	}
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	return p, nil
}

// LossCurves draws the LDAM softmax loss (Eq. 12–13) and the LDAM hinge loss (Eq. 10–11) of a
// frequent and a rare class against the logit gap, beside cross-entropy, at scale s.
func LossCurves(headMargin, tailMargin, scale float64) (*plot.Plot, error) {
	gaps := Gaps(-1, 2, 121)
	var cs []curve
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
		l, _, err := LossAndGradient(c.kind, gaps, c.delta, scale, 1)
		if err != nil {
			return nil, err
		}
		cs = append(cs, curve{c.name, l, c.dashed})
	}
	return linePlot(fmt.Sprintf("Eq. 10–13 at s = %g: loss of one example", scale), "loss", gaps, cs)
}

// ScaleAndMargin draws the rare class's LDAM loss for several scales s (left panel, Δ fixed)
// and several Δ_max (right panel, s fixed).
func ScaleAndMargin(delta, scale float64, scales, deltas []float64) (*figures.Panels, error) {
	gaps := Gaps(-1, 2, 121)
	var left, right []curve
	for _, s := range scales {
		l, _, err := LossAndGradient("ldam", gaps, delta, s, 1)
		if err != nil {
			return nil, err
		}
		left = append(left, curve{name: fmt.Sprintf("s = %g", s), ys: l})
	}
	for _, d := range deltas {
		l, _, err := LossAndGradient("ldam", gaps, d, scale, 1)
		if err != nil {
			return nil, err
		}
		right = append(right, curve{name: fmt.Sprintf("Δ = %g", d), ys: l})
	}
	a, err := linePlot(fmt.Sprintf("(a) scale s, Δ = %g", delta), "loss", gaps, left)
	if err != nil {
		return nil, err
	}
	b, err := linePlot(fmt.Sprintf("(b) margin Δ, s = %g", scale), "loss", gaps, right)
	if err != nil {
		return nil, err
	}
	return figures.Row("The LDAM loss of a rare-class example: the scale s and the margin Δ", a, b), nil
}

// GradientFactors returns, over the gaps, the factor by which re-weighting (weight w) and LDAM
// (margin Δ) multiply the cross-entropy's gradient in the logit gap: re-weighting's is w at
// every gap, LDAM's σ(−s(g−Δ))/σ(−s·g) depends on the model's output (the binary remark of
// §3.2). Both are computed from autodiff gradients.
func GradientFactors(gaps []float64, weight, delta, scale float64) (reweight, ldam []float64, err error) {
	_, ce, err := LossAndGradient("ce", gaps, 0, scale, 1)
	if err != nil {
		return nil, nil, err
	}
	_, rw, err := LossAndGradient("ce", gaps, 0, scale, weight)
	if err != nil {
		return nil, nil, err
	}
	_, ld, err := LossAndGradient("ldam", gaps, delta, scale, 1)
	if err != nil {
		return nil, nil, err
	}
	for i := range gaps {
		reweight = append(reweight, rw[i]/ce[i])
		ldam = append(ldam, ld[i]/ce[i])
	}
	return reweight, ldam, nil
}

// GradientFactorPlot draws [GradientFactors] for a rare class over gaps in [−1, 0.25]: beyond
// that, at s = 30, cross-entropy's gradient is below float32's resolution of 1 − p_y.
func GradientFactorPlot(weight, delta, scale float64) (*plot.Plot, error) {
	gaps := Gaps(-1, 0.25, 101)
	rw, ld, err := GradientFactors(gaps, weight, delta, scale)
	if err != nil {
		return nil, err
	}
	p, err := linePlot(fmt.Sprintf("gradient of a rare-class example ÷ cross-entropy's (s = %g)", scale), "factor", gaps,
		[]curve{{name: fmt.Sprintf("re-weighting (w = %.2f): the class alone", weight), ys: rw}, {name: fmt.Sprintf("LDAM (Δ = %.2f): class and output", delta), ys: ld}})
	if err != nil {
		return nil, err
	}
	p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{}
	return p, nil
}
