package figures

import "gonum.org/v1/plot"

// Fig5Title is the title of Figure 5's reproduction.
const Fig5Title = "Fig. 5: 3-d features of Fashion-MNIST, step ρ = 100, on the unit sphere"

// Fig5 draws Fig. 5's panels as sphere projections, in rows of four (training features
// on top, test features below).
func Fig5(panels []SpherePanel, classes []string) (*Panels, error) {
	fig := &Panels{Title: Fig5Title}
	for k, sp := range panels {
		p, err := SpherePoints(sp.Title, sp.Features, sp.Labels, classes)
		if err != nil {
			return nil, err
		}
		p.Legend = plot.NewLegend() // one legend would not fit eight panels: classes by colour
		if k%4 == 0 {
			fig.Rows = append(fig.Rows, nil)
		}
		fig.Rows[len(fig.Rows)-1] = append(fig.Rows[len(fig.Rows)-1], p)
	}
	return fig, nil
}
