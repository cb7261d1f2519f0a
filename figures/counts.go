package figures

import (
	"cmp"
	"fmt"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// CountProfiles draws class-count profiles as lines, each series' counts sorted from the most
// to the least frequent class, on a logarithmic count axis: the shape of a long-tailed set
// with hundreds or thousands of classes (Tiny ImageNet, iNaturalist), where bars cannot be
// told apart. Every count must be ≥ 1.
func CountProfiles(title string, series []Series) (*plot.Plot, error) {
	if len(series) == 0 {
		return nil, fmt.Errorf("figures: no count profiles to draw")
	}
	p := newPlot(title, "class rank (most frequent first)", "images (log scale)")
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	for k, s := range series {
		if len(s.Values) == 0 {
			return nil, fmt.Errorf("figures: %s has no counts", s.Name)
		}
		xy, err := rankCounts(s)
		if err != nil {
			return nil, err
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, err
		}
		l.Color = Palette[k%len(Palette)]
		l.Width = 1.5
		p.Add(l)
		p.Legend.Add(s.Name, l)
	}
	return p, nil
}

// rankCounts returns a series' counts sorted from the most to the least frequent class as
// (rank, count) points.
func rankCounts(s Series) (plotter.XYs, error) {
	v := slices.Clone(s.Values)
	slices.SortFunc(v, func(a, b float64) int { return cmp.Compare(b, a) })
	xy := make(plotter.XYs, len(v))
	for i, c := range v {
		if c < 1 {
			return nil, fmt.Errorf("figures: %s has a class with %g images; a log axis needs ≥ 1 (drop empty classes)", s.Name, c)
		}
		xy[i].X, xy[i].Y = float64(i), c
	}
	return xy, nil
}
