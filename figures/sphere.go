package figures

import (
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Fig5Title is the title of Figure 5's reproduction.
const Fig5Title = "Fig. 5: 3-d features of Fashion-MNIST, step ρ = 100, on the unit sphere"

// Fig5PerClass is the most points of one class a panel of Fig5 draws: every k-th of a larger
// class, all of a smaller one, so the rare classes stay whole and a figure of the full data
// stays a few megabytes.
const Fig5PerClass = 250

// Fig5 draws Fig. 5's panels as sphere projections, in rows of four (training features
// on top, test features below), at most Fig5PerClass points of each class per panel.
func Fig5(panels []SpherePanel, classes []string) (*Panels, error) {
	fig := &Panels{Title: Fig5Title}
	for k, sp := range panels {
		if len(sp.Features) != len(sp.Labels) {
			return nil, fmt.Errorf("figures: panel %q has %d features for %d labels", sp.Title, len(sp.Features), len(sp.Labels))
		}
		var features [][3]float64
		var labels []int
		for _, i := range thinPerClass(sp.Labels, Fig5PerClass) {
			features, labels = append(features, sp.Features[i]), append(labels, sp.Labels[i])
		}
		p, err := SpherePoints(sp.Title, features, labels, classes)
		if err != nil {
			return nil, err
		}
		p.Legend = plot.NewLegend() // the classes' legend is a panel of its own, right of each row
		p.HideAxes()                // the projection's axes say nothing; without them the circle stays round
		p.X.Label.Text, p.Y.Label.Text = "", ""
		if k%4 == 0 {
			fig.Rows = append(fig.Rows, nil)
		}
		fig.Rows[len(fig.Rows)-1] = append(fig.Rows[len(fig.Rows)-1], p)
	}
	// A fifth column holds the class legend, split over the rows.
	per := (len(classes) + len(fig.Rows) - 1) / max(1, len(fig.Rows))
	for r := range fig.Rows {
		l := plot.New()
		l.HideAxes()
		l.Title.Text = "classes"
		if r > 0 {
			l.Title.Text = ""
		}
		for c := r * per; c < min(len(classes), (r+1)*per); c++ {
			s, err := plotter.NewScatter(plotter.XYs{{X: -10, Y: -10}}) // outside the range: only its legend shows
			if err != nil {
				return nil, err
			}
			s.Color, s.Shape = Palette[c%len(Palette)], draw.CircleGlyph{}
			l.Legend.Add(fmt.Sprintf("%d %s", c, classes[c]), s)
		}
		if r == len(fig.Rows)-1 {
			s, err := plotter.NewScatter(plotter.XYs{{X: -10, Y: -10}})
			if err != nil {
				return nil, err
			}
			s.Color, s.Shape = Palette[8], draw.RingGlyph{}
			l.Legend.Add("hollow: far hemisphere", s)
		}
		l.Legend.Left, l.Legend.Top = true, true
		l.X.Min, l.X.Max, l.Y.Min, l.Y.Max = 0, 1, 0, 1
		fig.Rows[r] = append(fig.Rows[r], l)
	}
	fig.PanelWidth, fig.PanelHeight = 3*vg.Inch, 3.25*vg.Inch // square data areas under the titles
	return fig, nil
}

// thinPerClass returns the indices of at most perClass examples of each class: every k-th of a
// class's examples in order (k the smallest step that fits), all of a class with fewer.
func thinPerClass(labels []int, perClass int) []int {
	count := map[int]int{}
	for _, y := range labels {
		count[y]++
	}
	seen := map[int]int{}
	var out []int
	for i, y := range labels {
		step := (count[y] + perClass - 1) / perClass
		if seen[y]%step == 0 {
			out = append(out, i)
		}
		seen[y]++
	}
	return out
}
