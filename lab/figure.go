package lab

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/ldamlab/ldamlab/datasets/fetch"
	"github.com/ldamlab/ldamlab/figures"
	"github.com/ldamlab/ldamlab/lab/env"
)

// Figure is a plot rendered for a notebook: the same drawing as SVG and as PNG, and a short
// text that stands for it where no image can be shown.
type Figure struct {
	SVG  string
	PNG  []byte
	Text string
}

// FigureWidth and FigureHeight are the size of saved figures.
const (
	FigureWidth  = 7 * vg.Inch
	FigureHeight = 4 * vg.Inch
)

// Render draws a figure (a plot or panels) at the given size as SVG and PNG; the text
// stand-in is its title.
func Render(d figures.Drawer, width, height vg.Length) (Figure, error) {
	var f Figure
	for _, format := range []string{"svg", "png"} {
		c, err := draw.NewFormattedCanvas(width, height, format)
		if err != nil {
			return Figure{}, err
		}
		d.Draw(draw.New(c))
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			return Figure{}, err
		}
		if format == "svg" {
			f.SVG = buf.String()
		} else {
			f.PNG = buf.Bytes()
		}
	}
	f.Text = "figure: " + figures.Title(d)
	return f, nil
}

// svgBody is the SVG document without the XML prolog and doctype, which an image/svg+xml
// output embedded in a page must not carry.
func svgBody(svg string) string {
	if i := strings.Index(svg, "<svg"); i > 0 {
		return svg[i:]
	}
	return svg
}

// mimeBundle is the notebook output of a figure: image/svg+xml for sharp rendering, image/png
// beside it (the classic Notebook shows only PNG from an untrusted notebook, which every
// cloned notebook is), and text/plain.
func (f Figure) mimeBundle() map[protocol.MIMEType]any {
	return map[protocol.MIMEType]any{
		protocol.MIMEImageSVG:  svgBody(f.SVG),
		protocol.MIMEImagePNG:  f.PNG,
		protocol.MIMETextPlain: f.Text,
	}
}

// Show displays a figure as an image output of the running cell (nothing outside GoNB).
// Image outputs render in untrusted notebooks and on GitHub, unlike HTML with inline SVG.
func Show(f Figure) {
	if !gonbui.IsNotebook {
		return
	}
	gonbui.SendData(&protocol.DisplayData{Data: f.mimeBundle()})
	// Wait until GoNB has published it: a cell that ends right after could otherwise finish
	// (kernel idle) before the output arrives, and the output is lost.
	gonbui.Sync()
}

// update replaces the output block with the given id by the figure (creating it the first
// time): live plots redraw in place and the saved notebook keeps the last drawing.
func update(id string, f Figure) {
	if !gonbui.IsNotebook {
		return
	}
	gonbui.SendData(&protocol.DisplayData{Data: f.mimeBundle(), DisplayID: id})
	// Wait until GoNB has published it: a cell that ends right after could otherwise finish
	// (kernel idle) before the output arrives, and the output is lost.
	gonbui.Sync()
}

// SaveFigure writes figures/<name>.svg and .png under the repository root (or $LDAMLAB_OUT),
// atomically, and shows the figure in the notebook: a plot at 7×4 inches, panels at 3.3×3
// inches each. It returns the SVG's path relative to that root, so that outputs hold no
// machine paths.
func SaveFigure(p figures.Drawer, name string) (string, error) {
	root, err := env.OutDir()
	if err != nil {
		return "", err
	}
	w, h := FigureWidth, FigureHeight
	if panels, ok := p.(*figures.Panels); ok && len(panels.Rows) > 0 {
		pw, ph := cmp.Or(panels.PanelWidth, 3.3*vg.Inch), cmp.Or(panels.PanelHeight, 3*vg.Inch)
		w, h = vg.Length(len(panels.Rows[0]))*pw, vg.Length(len(panels.Rows))*ph
	}
	f, err := Render(p, w, h)
	if err != nil {
		return "", err
	}
	rel := filepath.Join("figures", name)
	base := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return "", err
	}
	for ext, data := range map[string][]byte{".svg": []byte(f.SVG), ".png": f.PNG} {
		if err := fetch.WriteAtomic(base+ext, func(w io.Writer) error {
			_, err := w.Write(data)
			return err
		}); err != nil {
			return "", fmt.Errorf("lab: saving %s: %w", rel+ext, err)
		}
	}
	f.Text = fmt.Sprintf("%s (%s.svg)", f.Text, rel)
	Show(f)
	return rel + ".svg", nil
}
