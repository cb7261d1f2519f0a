package figures

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/ldamlab/ldamlab/ldam/theory"
)

// Theorem3 draws the Theorem 3 experiment in two panels: (a) the mean balanced error ± std
// over draws against α, with the n^{-1/4} prediction marked and re-weighting as a horizontal
// line; (b) what the argument rests on, the paired differences from α = 1/4 draw by draw, mean ±
// 2 standard errors (re-weighting at the right).
func Theorem3(r *theory.Theorem3Result) (*Panels, error) {
	left, err := theorem3Means(r)
	if err != nil {
		return nil, err
	}
	right, err := theorem3Paired(r)
	if err != nil {
		return nil, err
	}
	c := r.Config
	return Row(fmt.Sprintf("Theorem 3: n = %d vs %d, %d-d Gaussians, %d draws", c.N0, c.N1, c.Dim, len(r.Rows[0].Errors)), left, right), nil
}

// theorem3Means is panel (a) of Theorem3.
func theorem3Means(r *theory.Theorem3Result) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("(a) balanced error, mean ± std over %d draws", len(r.Rows[0].Errors))
	p.X.Label.Text = "α (margins γ_j ~ n_j^-α)"
	p.Y.Label.Text = "balanced test error (%)"
	var pts plotter.XYs
	var errs plotter.YErrors
	top := 0.0
	for _, row := range r.Rows {
		if math.IsNaN(row.Alpha) {
			continue
		}
		m, s := 100*row.Mean(), 100*row.Std()
		pts = append(pts, plotter.XY{X: row.Alpha, Y: m})
		errs = append(errs, struct{ Low, High float64 }{s, s})
		top = max(top, m+s)
	}
	line, points, err := plotter.NewLinePoints(pts)
	if err != nil {
		return nil, err
	}
	line.Color, points.Color = Palette[0], Palette[0]
	bars, err := errorBars(pts, errs)
	if err != nil {
		return nil, err
	}
	p.Add(line, points, bars)
	p.Legend.Add("max-margin, bias moved", line, points)
	rw := r.Reweighted()
	h, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 100 * rw.Mean()}, {X: 1, Y: 100 * rw.Mean()}})
	if err != nil {
		return nil, err
	}
	h.Color, h.Dashes = Palette[1], []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(h)
	p.Legend.Add("re-weighting", h)
	v, err := plotter.NewLine(plotter.XYs{{X: 0.25, Y: 0}, {X: 0.25, Y: top}})
	if err != nil {
		return nil, err
	}
	v.Color, v.Dashes = Palette[8], []vg.Length{vg.Points(1), vg.Points(2)}
	p.Add(v)
	p.Legend.Add("Theorem 3: α = 1/4", v)
	p.Legend.Top = true
	p.Y.Min, p.Y.Max = 0, 1.5*top // room above the bars for the legend
	p.Add(plotter.NewGrid())
	return p, nil
}

// errorBars draws vertical error bars of errs at pts, in the palette's first colour.
func errorBars(pts plotter.XYs, errs plotter.YErrors) (*plotter.YErrorBars, error) {
	bars, err := plotter.NewYErrorBars(struct {
		plotter.XYer
		plotter.YErrorer
	}{pts, errs})
	if err != nil {
		return nil, err
	}
	bars.Color = Palette[0]
	return bars, nil
}

// theorem3Paired is panel (b) of Theorem3: per method, the draw-by-draw difference of its
// balanced error from α = 1/4's, mean ± 2 standard errors; re-weighting is drawn at α = 1.15.
func theorem3Paired(r *theory.Theorem3Result) (*plot.Plot, error) {
	ref, ok := r.Row(0.25)
	if !ok {
		return nil, fmt.Errorf("figures: the Theorem 3 experiment has no α = 1/4 row to pair with")
	}
	p := plot.New()
	p.Title.Text = "(b) minus α = 1/4, paired: mean ± 2 s.e."
	p.X.Label.Text = "α (re-weighting at the right)"
	p.Y.Label.Text = "difference in balanced error (points)"
	var pts plotter.XYs
	var errs plotter.YErrors
	for _, row := range r.Rows {
		d := row.Minus(ref)
		x := row.Alpha
		if math.IsNaN(x) {
			x = 1.15
		}
		pts = append(pts, plotter.XY{X: x, Y: 100 * d.Mean()})
		errs = append(errs, struct{ Low, High float64 }{200 * d.StdErr(), 200 * d.StdErr()})
	}
	points, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, err
	}
	points.Color = Palette[0]
	bars, err := errorBars(pts, errs)
	if err != nil {
		return nil, err
	}
	zero, err := plotter.NewLine(plotter.XYs{{X: -0.05, Y: 0}, {X: 1.2, Y: 0}})
	if err != nil {
		return nil, err
	}
	zero.Color, zero.Dashes = Palette[8], []vg.Length{vg.Points(2), vg.Points(2)}
	p.Add(plotter.NewGrid(), zero, bars, points)
	return p, nil
}

// boundary returns two points of the line w·x + b = 0 (2-d) across the x-range [lo, hi].
func boundary(l theory.Linear, lo, hi float64) plotter.XYs {
	w0, w1 := l.W[0], l.W[1]
	if math.Abs(w1) < 1e-12 { // vertical line
		return plotter.XYs{{X: -l.B / w0, Y: lo}, {X: -l.B / w0, Y: hi}}
	}
	at := func(x float64) float64 { return -(l.B + w0*x) / w1 }
	return plotter.XYs{{X: lo, Y: at(lo)}, {X: hi, Y: at(hi)}}
}

// Fig1 is Figure 1 of the paper drawn from data: a separable 2-d two-class set, its
// max-margin boundary (equal margins, dashed) and the boundary moved to the margins of
// Theorem 3 (γ_j ∝ n_j^{−1/4}, solid), with the rare class's larger margin; the title gives
// γ₀ and γ₁ of both.
func Fig1(x [][]float64, y []int, svm theory.Linear) (*plot.Plot, error) {
	n := [2]int{}
	for _, c := range y {
		n[c]++
	}
	g0, g1 := svm.Margins(x, y)
	m0, m1 := theory.TwoClassOptimum(g0+g1, n[0], n[1])
	shifted := svm.WithMargins(x, y, m0)
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Fig. 1: max-margin γ0 = γ1 = %.2f; Theorem 3: γ0 = %.2f, γ1 = %.2f", g0, m0, m1)
	p.X.Label.Text, p.Y.Label.Text = "x₁", "x₂"
	lo, hi := math.Inf(1), math.Inf(-1)
	ylo, yhi := math.Inf(1), math.Inf(-1)
	for c := range 2 {
		var pts plotter.XYs
		for i, xi := range x {
			if y[i] == c {
				pts = append(pts, plotter.XY{X: xi[0], Y: xi[1]})
				lo, hi = min(lo, xi[0]), max(hi, xi[0])
				ylo, yhi = min(ylo, xi[1]), max(yhi, xi[1])
			}
		}
		s, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, err
		}
		s.Color = Palette[c]
		p.Add(s)
		p.Legend.Add(fmt.Sprintf("class %d (n = %d)", c, n[c]), s)
	}
	for _, b := range []struct {
		l      theory.Linear
		name   string
		dashed bool
	}{{svm, "max-margin boundary", true}, {shifted, "bias moved: γ_j ~ n_j^-1/4", false}} {
		line, err := plotter.NewLine(boundary(b.l, lo, hi))
		if err != nil {
			return nil, err
		}
		line.Color, line.Width = Palette[7], vg.Points(1.5)
		if b.dashed {
			line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		p.Add(line)
		p.Legend.Add(b.name, line)
	}
	// Room above the points for the legend.
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lo-0.5, hi+0.5, ylo-0.5, yhi+0.35*(yhi-ylo)+0.5
	p.Legend.Top, p.Legend.Left = true, false
	return p, nil
}
