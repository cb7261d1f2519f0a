package figures

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/ldamlab/ldamlab/ldam/toy"
)

// The bridge toy of notebook 03 (ldam/toy): each method's angular decision boundaries over the
// training points, and its normalized per-class margins against n_j^{-1/4}.

// ToyBoundaries draws, one panel per trained method, the training points of the toy and the
// method's decision boundaries (rays from the origin: a cosine classifier decides by angle), as
// Fig. 1 does for two classes. The legend sits above the points.
func ToyBoundaries(train toy.Set, rs []*toy.Result) (*Panels, error) {
	if len(rs) == 0 {
		return nil, fmt.Errorf("figures: no trained toy to draw")
	}
	k := len(rs[0].W)
	counts := make([]int, k)
	for _, y := range train.Y {
		counts[y]++
	}
	var plots []*plot.Plot
	for i, r := range rs {
		p := newPlot(fmt.Sprintf("%s: balanced error %.1f %%", r.Method.Name, 100*r.BalancedError), "x₁", "x₂")
		for c := range k {
			var pts plotter.XYs
			seen := 0
			for n, x := range train.X {
				if train.Y[n] == c {
					if seen%stride(counts[c]) == 0 {
						pts = append(pts, plotter.XY{X: x[0], Y: x[1]})
					}
					seen++
				}
			}
			s, err := plotter.NewScatter(pts)
			if err != nil {
				return nil, err
			}
			s.Color, s.GlyphStyle.Radius = Palette[c], vg.Points(1.5)
			p.Add(s)
			if i == 0 {
				label := fmt.Sprintf("class %d (n = %d)", c, counts[c])
				if len(pts) < counts[c] {
					label = fmt.Sprintf("class %d (n = %d, every %dth drawn)", c, counts[c], stride(counts[c]))
				}
				p.Legend.Add(label, s)
			}
		}
		for _, a := range boundaryAngles(r.W) {
			l, err := plotter.NewLine(plotter.XYs{{}, {X: 2.2 * math.Cos(a), Y: 2.2 * math.Sin(a)}})
			if err != nil {
				return nil, err
			}
			l.Color, l.Width = Palette[7], vg.Points(1.5)
			p.Add(l)
		}
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -2.2, 2.2, -2.2, 3.8 // room above the points for the legend
		p.Legend.Left = true
		plots = append(plots, p)
	}
	return &Panels{Title: "The toy's decision boundaries (black) over the training points", Rows: [][]*plot.Plot{plots}}, nil
}

// stride draws at most about 250 points of a class (the figure stays small; the points drawn
// are every stride-th of the class, in the order drawn, so the cloud keeps its shape).
func stride(n int) int { return max(1, (n+249)/250) }

// boundaryAngles returns the angles of a cosine classifier's decision boundaries: between
// class vectors adjacent in angle, the bisector of the arc between them (there the two cosines
// are equal and no third class scores higher when every arc is below 180°).
func boundaryAngles(w [][2]float64) []float64 {
	a := make([]float64, len(w))
	for j, v := range w {
		a[j] = math.Atan2(v[1], v[0])
	}
	sort.Float64s(a)
	out := make([]float64, len(a))
	for j := range a {
		next := a[(j+1)%len(a)]
		if j == len(a)-1 {
			next += 2 * math.Pi
		}
		out[j] = (a[j] + next) / 2
	}
	return out
}

// ToyMargins draws each method's normalized training margins γ_j (the toy.MarginQuantile
// quantile of class j's margins) against n_j^{-1/4}, beside the line through the origin and the
// rarest class's LDAM-DRW margin that Eq. 9 asks for (γ_j ∝ n_j^{-1/4}).
func ToyMargins(rs []*toy.Result, counts []int) (*plot.Plot, error) {
	if len(rs) == 0 {
		return nil, fmt.Errorf("figures: no trained toy to draw")
	}
	order := make([]int, len(counts)) // classes by n_j^{-1/4}, ascending
	for j := range order {
		order[j] = j
	}
	sort.Slice(order, func(a, b int) bool { return counts[order[a]] > counts[order[b]] })
	x := make([]float64, len(order))
	for i, j := range order {
		x[i] = math.Pow(float64(counts[j]), -0.25)
	}
	var lines []Line
	for _, r := range rs {
		y := make([]float64, len(order))
		for i, j := range order {
			y[i] = r.GammaLow[j]
		}
		lines = append(lines, Line{Name: r.Method.Name, Y: y})
	}
	last := rs[len(rs)-1]
	ref := make([]float64, len(order))
	for i := range order {
		ref[i] = last.GammaLow[order[len(order)-1]] * x[i] / x[len(x)-1]
	}
	lines = append(lines, Line{Name: "γ_j ~ n_j^-1/4 (Eq. 9)", Y: ref, Dashed: true})
	p, err := Lines(fmt.Sprintf("normalized margins γ_j (%g-quantile of the class's training margins)", toy.MarginQuantile), "n_j^-1/4", "γ_j (cosine units)", x, lines)
	if err != nil {
		return nil, err
	}
	// The legend goes right of the data, where there is none.
	p.X.Min, p.X.Max = x[0]-0.05*(x[len(x)-1]-x[0]), x[len(x)-1]+0.75*(x[len(x)-1]-x[0])
	p.Legend.Left = false
	return p, nil
}
