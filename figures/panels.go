package figures

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Drawer is a figure: a single *plot.Plot or several in [Panels].
type Drawer interface {
	Draw(c draw.Canvas)
}

// Panels is a figure of plots side by side in rows, as the paper's "(a)–(c)" figures; Title
// names the whole figure (each panel keeps its own title).
type Panels struct {
	Title string
	Rows  [][]*plot.Plot
	// PanelWidth and PanelHeight, when set, are the size each panel asks for when saved (zero:
	// the saver's default).
	PanelWidth, PanelHeight vg.Length
}

// Row returns panels in one row.
func Row(title string, plots ...*plot.Plot) *Panels {
	return &Panels{Title: title, Rows: [][]*plot.Plot{plots}}
}

// Draw draws the panels on c with aligned axes.
func (p *Panels) Draw(c draw.Canvas) {
	if len(p.Rows) == 0 || len(p.Rows[0]) == 0 {
		return
	}
	tiles := draw.Tiles{Rows: len(p.Rows), Cols: len(p.Rows[0]), PadX: 8, PadY: 8, PadTop: 4, PadBottom: 4, PadLeft: 4, PadRight: 4}
	canvases := plot.Align(p.Rows, tiles, c)
	for i, row := range p.Rows {
		for j, pl := range row {
			if pl != nil {
				pl.Draw(canvases[i][j])
			}
		}
	}
}

// Title returns the title of a figure: the plot's or the panels'.
func Title(d Drawer) string {
	switch f := d.(type) {
	case *plot.Plot:
		return f.Title.Text
	case *Panels:
		return f.Title
	}
	return ""
}
