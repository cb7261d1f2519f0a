package figures

import (
	"encoding/json"
	"fmt"
	"image/color"
	"math"
)

// SpherePanel is one panel of Fig. 5: 3-d features (normalized onto the unit sphere when
// drawn) and their labels.
type SpherePanel struct {
	Title    string
	Features [][3]float64
	Labels   []int
}

// Sphere3D is Fig. 5 as an interactive Plotly figure: one rotatable 3-d scene per panel, in
// rows of cols, each with the unit sphere as a faint wire frame and one scatter trace per
// class (colours as Palette; clicking a class in the legend hides it in every scene). At most
// maxPoints points per panel are kept, every k-th one (0 keeps all). It returns the figure as
// JSON, {"data": […], "layout": {…}}, for Plotly.newPlot.
func Sphere3D(title string, panels []SpherePanel, classes []string, cols, maxPoints int) ([]byte, error) {
	if len(panels) == 0 || cols < 1 {
		return nil, fmt.Errorf("figures: Sphere3D needs at least one panel and one column, got %d and %d", len(panels), cols)
	}
	rows := (len(panels) + cols - 1) / cols
	var data []map[string]any
	layout := map[string]any{
		"title":  map[string]any{"text": title},
		"height": 380 * rows,
		"margin": map[string]any{"l": 0, "r": 0, "t": 40, "b": 0},
		"legend": map[string]any{"itemsizing": "constant"},
	}
	var annotations []map[string]any
	for p, panel := range panels {
		if len(panel.Features) != len(panel.Labels) {
			return nil, fmt.Errorf("figures: panel %q has %d features for %d labels", panel.Title, len(panel.Features), len(panel.Labels))
		}
		scene := "scene"
		if p > 0 {
			scene = fmt.Sprintf("scene%d", p+1)
		}
		r, c := p/cols, p%cols
		x0, x1 := float64(c)/float64(cols), float64(c+1)/float64(cols)
		y1 := 1 - float64(r)/float64(rows)
		y0 := y1 - 1/float64(rows)
		axis := map[string]any{"range": []float64{-1.05, 1.05}, "showticklabels": false, "title": map[string]any{"text": ""}}
		layout[scene] = map[string]any{"domain": map[string]any{"x": []float64{x0, x1}, "y": []float64{y0, y1 - 0.06/float64(rows)}},
			"aspectmode": "cube", "xaxis": axis, "yaxis": axis, "zaxis": axis}
		annotations = append(annotations, map[string]any{"text": panel.Title, "showarrow": false, "xref": "paper", "yref": "paper",
			"x": (x0 + x1) / 2, "y": y1, "xanchor": "center", "yanchor": "top"})
		data = append(data, sphereFrame(scene))
		step := 1
		if maxPoints > 0 && len(panel.Features) > maxPoints {
			step = (len(panel.Features) + maxPoints - 1) / maxPoints
		}
		for k, name := range classes {
			var xs, ys, zs []float64
			for i := 0; i < len(panel.Features); i += step {
				if panel.Labels[i] != k {
					continue
				}
				f := panel.Features[i]
				n := math.Sqrt(f[0]*f[0] + f[1]*f[1] + f[2]*f[2])
				if n == 0 {
					continue
				}
				xs, ys, zs = append(xs, round4(f[0]/n)), append(ys, round4(f[1]/n)), append(zs, round4(f[2]/n))
			}
			data = append(data, map[string]any{"type": "scatter3d", "mode": "markers", "scene": scene, "name": name,
				"legendgroup": name, "showlegend": p == 0, "x": xs, "y": ys, "z": zs,
				"marker": map[string]any{"size": 2, "color": cssColor(Palette[k%len(Palette)])}})
		}
	}
	layout["annotations"] = annotations
	return json.Marshal(map[string]any{"data": data, "layout": layout})
}

// sphereFrame is the unit sphere's equator and two meridians as one faint line trace.
func sphereFrame(scene string) map[string]any {
	var xs, ys, zs []any
	for circle := range 3 {
		for i := 0; i <= 72; i++ {
			a := 2 * math.Pi * float64(i) / 72
			u, v := round4(math.Cos(a)), round4(math.Sin(a))
			switch circle {
			case 0:
				xs, ys, zs = append(xs, u), append(ys, v), append(zs, 0.0)
			case 1:
				xs, ys, zs = append(xs, u), append(ys, 0.0), append(zs, v)
			case 2:
				xs, ys, zs = append(xs, 0.0), append(ys, u), append(zs, v)
			}
		}
		xs, ys, zs = append(xs, nil), append(ys, nil), append(zs, nil) // a break between circles
	}
	return map[string]any{"type": "scatter3d", "mode": "lines", "scene": scene, "showlegend": false, "hoverinfo": "skip",
		"x": xs, "y": ys, "z": zs, "line": map[string]any{"color": "rgba(128,128,128,0.35)", "width": 1}}
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

func cssColor(c color.Color) string {
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("rgb(%d,%d,%d)", r>>8, g>>8, b>>8)
}
