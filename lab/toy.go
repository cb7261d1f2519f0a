package lab

import (
	"fmt"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"gonum.org/v1/plot/vg"

	"github.com/ldamlab/ldamlab/figures"
	"github.com/ldamlab/ldamlab/ldam/toy"
	"github.com/ldamlab/ldamlab/tables"
)

// ToyView trains the bridge toy's methods (toy.Methods) with c and returns their boundaries,
// their margins against n_j^{-1/4}, and their table.
func ToyView(c toy.Config) (bounds *figures.Panels, margins figures.Drawer, t tables.Table, err error) {
	train, _, err := toy.Data(c)
	if err != nil {
		return nil, nil, t, err
	}
	rs, err := toy.TrainAll(c)
	if err != nil {
		return nil, nil, t, err
	}
	if bounds, err = figures.ToyBoundaries(train, rs); err != nil {
		return nil, nil, t, err
	}
	counts := c.Counts
	if counts == nil {
		counts = toy.Default().Counts
	}
	m, err := figures.ToyMargins(rs, counts)
	if err != nil {
		return nil, nil, t, err
	}
	return bounds, m, tables.Toy(rs, counts), nil
}

// ToyExplorer shows the toy trained with c: the boundaries (saved as figures/<name>-boundaries),
// the margins (figures/<name>-margins) and the table. In a live session it adds four sliders —
// 100·Δ_max, s, 100·α (the exponent of Δ_j ∝ n_j^{-α}) and T0 — and retrains and redraws in
// place whenever one moves, for up to limit; headless, it shows c's and returns. Start c from
// toy.Default().
func ToyExplorer(name string, c toy.Config, limit time.Duration) error {
	d := toy.Default()
	if c.Scale == 0 {
		c.Scale = d.Scale
	}
	if c.Epochs == 0 {
		c.Epochs, c.T0 = d.Epochs, d.T0
	}
	bounds, margins, t, err := ToyView(c)
	if err != nil {
		return err
	}
	if _, err := SaveFigure(bounds, name+"-boundaries"); err != nil {
		return err
	}
	if _, err := SaveFigure(margins, name+"-margins"); err != nil {
		return err
	}
	ShowTable(t)
	if !Interactive() {
		return nil
	}
	id := "ldamlab-toy-" + gonbui.UniqueId()
	return explore("**Move the sliders** (100·Δ_max, s, 100·α, T0): the five methods retrain and the views below redraw.", limit, func(v []int) error {
		c.MaxMargin, c.Scale, c.Alpha, c.T0 = float64(v[0])/100, float64(max(1, v[1])), float64(v[2])/100, v[3]
		bounds, margins, t, err := ToyView(c)
		if err != nil {
			gonbui.UpdateMarkdown(id+"-text", err.Error())
			return nil
		}
		fb, err := Render(bounds, vg.Length(len(bounds.Rows[0]))*3.3*vg.Inch, 3*vg.Inch)
		if err != nil {
			return err
		}
		fm, err := Render(margins, FigureWidth, FigureHeight)
		if err != nil {
			return err
		}
		update(id+"-bounds", fb)
		update(id+"-margins", fm)
		gonbui.UpdateMarkdown(id+"-text", fmt.Sprintf("Δ_max = %.2f, s = %g, α = %.2f, T0 = %d\n\n%s", c.MaxMargin, c.Scale, c.Alpha, c.T0, t.Markdown()))
		return nil
	}, slider{0, 100, int(100*c.MaxMargin + 0.5)}, slider{1, 40, int(c.Scale + 0.5)}, slider{0, 100, int(100*c.Alpha + 0.5)}, slider{0, c.Epochs, c.T0})
}
