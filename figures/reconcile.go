package figures

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/ldamlab/ldamlab/ldam/record"
)

// ReconciledRow is one method's runs under one protocol in two implementations: ours and the
// official recipe's PyTorch reference.
type ReconciledRow struct {
	Method         string
	Ours, Official []*record.Result
}

// Reconciliation draws, one panel per method, the balanced test error by epoch of both
// implementations: each seed thin, the mean over the seeds that reached an epoch thick (ours
// blue, the official recipe orange), the re-balancing switch T0 of deferred runs marked — the
// curves side by side that tell where two implementations of a recipe part.
func Reconciliation(title string, rows []ReconciledRow) (*Panels, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("figures: no rows to reconcile")
	}
	var plots []*plot.Plot
	for _, row := range rows {
		p := newPlot(row.Method, "epochs trained", "balanced test error (%)")
		last, switchEpoch := 0, -1
		for k, side := range []struct {
			name string
			runs []*record.Result
		}{{"ours", row.Ours}, {"official recipe", row.Official}} {
			if len(side.runs) == 0 {
				continue
			}
			c := Palette[k]
			for _, r := range side.runs {
				pts := make(plotter.XYs, len(r.History))
				for i, e := range r.History {
					pts[i] = plotter.XY{X: float64(e.Epoch + 1), Y: 100 * e.Test.Top1Error}
				}
				l, err := plotter.NewLine(pts)
				if err != nil {
					return nil, fmt.Errorf("figures: %s, %s seed %d: %w", row.Method, side.name, r.Config.Seed, err)
				}
				l.Color, l.Width = fade(c), vg.Points(0.6)
				p.Add(l)
				if rule := r.Config.TrainRule; (rule == "DRW" || rule == "DRS") && r.Preset.DeferEpoch > 0 {
					switchEpoch = r.Preset.DeferEpoch
				}
			}
			mean := meanCurve(side.runs)
			if len(mean) > 0 {
				last = max(last, int(mean[len(mean)-1].X))
			}
			l, err := plotter.NewLine(mean)
			if err != nil {
				return nil, fmt.Errorf("figures: %s, %s: %w", row.Method, side.name, err)
			}
			l.Color, l.Width = c, vg.Points(2)
			p.Add(l)
			p.Legend.Add(fmt.Sprintf("%s (n = %d)", side.name, len(side.runs)), l)
		}
		if last == 0 {
			return nil, fmt.Errorf("figures: %s has no finished run on either side", row.Method)
		}
		if switchEpoch >= 0 {
			markSwitch(p, switchEpoch, 100, fmt.Sprintf("T0 = %d", switchEpoch))
		}
		// The legend goes bottom left: errors are highest in the first epochs, so no curve passes there.
		p.X.Min, p.X.Max = 0, float64(last)
		p.Y.Min, p.Y.Max = 0, 100
		p.Legend.Top, p.Legend.Left = false, true
		p.Legend.XOffs, p.Legend.YOffs = vg.Points(6), vg.Points(6)
		plots = append(plots, p)
	}
	return Row(title, plots...), nil
}

// meanCurve is the balanced test error (%) by epoch (x: epochs trained), averaged over the runs
// that reached each epoch.
func meanCurve(runs []*record.Result) plotter.XYs {
	var sum, n []float64
	for _, r := range runs {
		for _, e := range r.History {
			for len(sum) <= e.Epoch {
				sum, n = append(sum, 0), append(n, 0)
			}
			sum[e.Epoch] += 100 * e.Test.Top1Error
			n[e.Epoch]++
		}
	}
	var out plotter.XYs
	for e := range sum {
		if n[e] > 0 {
			out = append(out, plotter.XY{X: float64(e + 1), Y: sum[e] / n[e]})
		}
	}
	return out
}

// fade is c at a third of its opacity, for the per-seed lines under a mean.
func fade(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 85}
}
