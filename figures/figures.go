// Package figures draws the paper's figures with gonum/plot from result data, in one style:
// class-count histograms (Fig. 4, 7), per-class error bars of several methods (Fig. 2, 6),
// learning curves with the DRW switch marked (Fig. 3), L2-normalized 3-d features on the unit
// sphere (Fig. 5) and the two-class margin trade-off (Fig. 1). Save writes SVG or PNG by the
// file extension; the output is deterministic.
package figures

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/ldamlab/ldamlab/datasets/fetch"
	"github.com/ldamlab/ldamlab/ldam/theory"
)

// Palette is the colour cycle of every figure (colour-blind safe, Okabe–Ito).
var Palette = []color.Color{
	color.RGBA{0, 114, 178, 255}, color.RGBA{213, 94, 0, 255}, color.RGBA{0, 158, 115, 255},
	color.RGBA{204, 121, 167, 255}, color.RGBA{230, 159, 0, 255}, color.RGBA{86, 180, 233, 255},
	color.RGBA{240, 228, 66, 255}, color.RGBA{0, 0, 0, 255}, color.RGBA{128, 128, 128, 255}, color.RGBA{153, 51, 0, 255},
}

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	return p
}

// Save writes p to file (.svg, .png or .pdf by extension) at width×height, atomically.
func Save(p *plot.Plot, width, height vg.Length, file string) error {
	ext := strings.TrimPrefix(filepath.Ext(file), ".")
	w, err := p.WriterTo(width, height, ext)
	if err != nil {
		return fmt.Errorf("figures: %s: %w", file, err)
	}
	return fetch.WriteAtomic(file, func(out io.Writer) error {
		_, err := w.WriteTo(out)
		return err
	})
}

// ClassHistogram is Fig. 4 / Fig. 7: the number of training (or test) images per class.
func ClassHistogram(title string, counts []int, classes []string) (*plot.Plot, error) {
	if len(counts) == 0 {
		return nil, fmt.Errorf("figures: no class counts")
	}
	p := newPlot(title, "class", "count")
	vals := make(plotter.Values, len(counts))
	for i, c := range counts {
		vals[i] = float64(c)
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(max(2, 200/float64(len(counts)))))
	if err != nil {
		return nil, err
	}
	bars.Color = Palette[0]
	bars.LineStyle.Width = 0
	p.Add(bars)
	if len(classes) == len(counts) && len(counts) <= 20 {
		p.NominalX(classes...)
	}
	p.Y.Tick.Marker = integerTicks{}
	return p, nil
}

// integerTicks labels the default ticks without decimals (counts).
type integerTicks struct{}

// Ticks implements plot.Ticker.
func (integerTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = fmt.Sprintf("%.0f", ticks[i].Value)
		}
	}
	return ticks
}

// Series is one method's per-class values.
type Series struct {
	Name   string
	Values []float64
}

// PerClassBars is Fig. 2 / Fig. 6: grouped bars of per-class error for several methods.
func PerClassBars(title string, classes []string, series []Series) (*plot.Plot, error) {
	if len(series) == 0 {
		return nil, fmt.Errorf("figures: no methods to plot")
	}
	p := newPlot(title, "class", "error")
	// Narrow enough that the groups of a 10-class panel in a row of figures (3.3 inches) do not
	// overlap.
	w := vg.Points(min(20, 180/float64(len(classes)*len(series))))
	for k, s := range series {
		if len(s.Values) != len(classes) {
			return nil, fmt.Errorf("figures: %s has %d values for %d classes", s.Name, len(s.Values), len(classes))
		}
		bars, err := plotter.NewBarChart(plotter.Values(s.Values), w)
		if err != nil {
			return nil, err
		}
		bars.Color = Palette[k%len(Palette)]
		bars.LineStyle.Width = 0
		bars.Offset = w * vg.Length(float64(k)-float64(len(series)-1)/2)
		p.Add(bars)
		p.Legend.Add(s.Name, bars)
	}
	p.NominalX(classes...)
	if len(classes) > 6 { // slanted, so that labels like "5-M" do not run into each other
		p.X.Tick.Label.Rotation = math.Pi / 4
		p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
	}
	// Errors are fractions: the legend goes in a band above 1, clear of the bars.
	p.Y.Min, p.Y.Max = 0, 1+0.12*float64(len(series))
	p.Y.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: "0"}, {Value: 0.25}, {Value: 0.5, Label: "0.5"}, {Value: 0.75}, {Value: 1, Label: "1"}})
	p.Legend.Left = true
	p.Legend.XOffs = vg.Points(10)
	return p, nil
}

// Curve is one method's learning curve: per epoch, balanced test error and training error.
type Curve struct {
	Name                  string
	Epochs                []int
	TestError, TrainError []float64
}

// LearningCurves is Fig. 3: test error (solid) and training error (dashed) by epoch, with a
// vertical line at the DRW switch epoch T0 (if ≥ 0).
func LearningCurves(title string, curves []Curve, switchEpoch int) (*plot.Plot, error) {
	p := newPlot(title, "epochs trained", "error (%)")
	top := 0.0
	for k, c := range curves {
		for _, part := range []struct {
			ys     []float64
			suffix string
			dashed bool
		}{{c.TestError, " (test)", false}, {c.TrainError, " (train)", true}} {
			if len(part.ys) == 0 {
				continue
			}
			if len(part.ys) != len(c.Epochs) {
				return nil, fmt.Errorf("figures: %s has %d epochs and %d values", c.Name, len(c.Epochs), len(part.ys))
			}
			pts := make(plotter.XYs, len(part.ys))
			for i, y := range part.ys {
				pts[i] = plotter.XY{X: float64(c.Epochs[i] + 1), Y: 100 * y}
				top = max(top, 100*y)
			}
			l, err := plotter.NewLine(pts)
			if err != nil {
				return nil, err
			}
			l.Color = Palette[k%len(Palette)]
			l.Width = vg.Points(1.5)
			if part.dashed {
				l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			}
			p.Add(l)
			p.Legend.Add(c.Name+part.suffix, l)
		}
	}
	if switchEpoch >= 0 {
		markSwitch(p, switchEpoch, max(top, 1), fmt.Sprintf("DRW switch, T0 = %d", switchEpoch))
	}
	// The legend goes right of the last epoch, where there is no data.
	last := 0
	for _, c := range curves {
		for _, e := range c.Epochs {
			last = max(last, e+1)
		}
	}
	p.X.Min, p.X.Max = 0, float64(last)*1.55
	p.Legend.Top, p.Legend.Left = true, false
	p.Y.Min, p.Y.Max = 0, 100
	return p, nil
}

// markSwitch draws the re-balancing switch of deferred runs on learning curves: a dotted grey
// vertical line between epoch t0 and the next, from 0 to top, with its legend entry.
func markSwitch(p *plot.Plot, t0 int, top float64, legend string) {
	v, _ := plotter.NewLine(plotter.XYs{{X: float64(t0) + 0.5, Y: 0}, {X: float64(t0) + 0.5, Y: top}})
	v.Color = color.Gray{120}
	v.Dashes = []vg.Length{vg.Points(1), vg.Points(2)}
	p.Add(v)
	p.Legend.Add(legend, v)
}

// SpherePoints is Fig. 5: 3-d features, L2-normalized, seen along the z axis (orthographic
// projection; points on the far hemisphere are drawn hollow), coloured by class.
func SpherePoints(title string, features [][3]float64, labels []int, classes []string) (*plot.Plot, error) {
	if len(features) != len(labels) {
		return nil, fmt.Errorf("figures: %d features for %d labels", len(features), len(labels))
	}
	p := newPlot(title, "x", "y")
	circle := make(plotter.XYs, 181)
	for i := range circle {
		a := 2 * math.Pi * float64(i) / 180
		circle[i] = plotter.XY{X: math.Cos(a), Y: math.Sin(a)}
	}
	outline, _ := plotter.NewLine(circle)
	outline.Color = color.Gray{160}
	p.Add(outline)
	for c := range classes {
		var near, far plotter.XYs
		for i, f := range features {
			if labels[i] != c {
				continue
			}
			n := math.Sqrt(f[0]*f[0] + f[1]*f[1] + f[2]*f[2])
			if n == 0 {
				continue
			}
			pt := plotter.XY{X: f[0] / n, Y: f[1] / n}
			if f[2] >= 0 {
				near = append(near, pt)
			} else {
				far = append(far, pt)
			}
		}
		col := Palette[c%len(Palette)]
		for k, pts := range []plotter.XYs{near, far} {
			if len(pts) == 0 {
				continue
			}
			s, err := plotter.NewScatter(pts)
			if err != nil {
				return nil, err
			}
			s.Color = col
			s.Radius = vg.Points(1.5)
			s.Shape = draw.CircleGlyph{}
			if k == 1 {
				s.Shape = draw.RingGlyph{}
			} else {
				p.Legend.Add(classes[c], s)
			}
			p.Add(s)
		}
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -1.05, 1.05, -1.05, 1.05
	return p, nil
}

// MarginTradeOff is Fig. 1 made quantitative: the two-class objective of Eq. 6,
// 1/(γ1√n1) + 1/(γ2√n2) with γ1 + γ2 = β, against γ1, with the optimum of Eq. 8
// (γ1 ∝ n1^{−1/4}) and the equal-margin choice marked.
func MarginTradeOff(n1, n2 int, beta float64) (*plot.Plot, error) {
	if n1 <= 0 || n2 <= 0 || beta <= 0 {
		return nil, fmt.Errorf("figures: need positive class sizes and β")
	}
	p := newPlot(fmt.Sprintf("Margin trade-off (n1 = %d, n2 = %d)", n1, n2), "γ1 (margin of the frequent class)", "1/(γ1√n1) + 1/(γ2√n2)")
	var pts plotter.XYs
	for i := 1; i < 200; i++ {
		g := beta * float64(i) / 200
		pts = append(pts, plotter.XY{X: g, Y: theory.TradeOff(g, beta, n1, n2)})
	}
	l, _ := plotter.NewLine(pts)
	l.Color = Palette[0]
	l.Width = vg.Points(1.5)
	p.Add(l)
	g1, _ := theory.TwoClassOptimum(beta, n1, n2)
	opt, _ := plotter.NewScatter(plotter.XYs{{X: g1, Y: theory.TradeOff(g1, beta, n1, n2)}})
	opt.Color = Palette[1]
	opt.Radius = vg.Points(4)
	opt.Shape = draw.CircleGlyph{}
	eq, _ := plotter.NewScatter(plotter.XYs{{X: beta / 2, Y: theory.TradeOff(beta/2, beta, n1, n2)}})
	eq.Color = Palette[2]
	eq.Radius = vg.Points(4)
	eq.Shape = draw.SquareGlyph{}
	p.Add(opt, eq)
	p.Legend.Add("objective (Eq. 6)", l)
	p.Legend.Add(fmt.Sprintf("optimum γ1 = %.3f ~ n1^(-1/4) (Eq. 8)", g1), opt)
	p.Legend.Add("equal margins", eq)
	// The objective's minimum is well above 0: the band below it holds the legend.
	p.Legend.Top, p.Legend.Left = false, false
	p.Legend.YOffs = vg.Points(6)
	top := theory.TradeOff(beta/20, beta, n1, n2)
	p.Y.Min, p.Y.Max = 0, top
	return p, nil
}

// Line is one named curve of Lines: Y over Lines' x values, solid or dashed.
type Line struct {
	Name   string
	Y      []float64
	Dashed bool
}

// Lines draws curves over shared x values, in the palette's order, with a legend.
func Lines(title, xLabel, yLabel string, x []float64, lines []Line) (*plot.Plot, error) {
	p := newPlot(title, xLabel, yLabel)
	for k, c := range lines {
		if len(c.Y) != len(x) {
			return nil, fmt.Errorf("figures: line %q has %d values for %d x values", c.Name, len(c.Y), len(x))
		}
		pts := make(plotter.XYs, len(x))
		for i := range x {
			pts[i] = plotter.XY{X: x[i], Y: c.Y[i]}
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, fmt.Errorf("figures: line %q: %w", c.Name, err)
		}
		l.Color, l.Width = Palette[k%len(Palette)], vg.Points(1.5)
		if c.Dashed {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		p.Add(l)
		p.Legend.Add(c.Name, l)
	}
	return p, nil
}
