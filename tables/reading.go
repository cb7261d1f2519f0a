package tables

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/ldamlab/ldamlab/ldam/registry"
)

// CoreReading is the reading of Table 2's four core rows (ERM, ERM-DRW, LDAM, LDAM-DRW) for one
// column, generated from the finished runs committed under root/results/<preset>/ so it cannot
// go stale: each row's mean ± std (n), deferred re-weighting's gain on ERM and on LDAM and in how
// many shared seeds it holds, LDAM's difference from ERM and LDAM-DRW's from ERM-DRW beside the
// paper's, how far the seeds of a row spread, and how far the means sit from the paper's.
func CoreReading(root, preset, column string) (string, error) {
	grid, err := registry.Grid("table2")
	if err != nil {
		return "", err
	}
	methods := []string{"ERM", "ERM-DRW", "LDAM", "LDAM-DRW"}
	seeds := map[string]registry.Seeds{}
	paper := map[string]float64{}
	for _, m := range methods {
		cell, err := registry.Cell("table2", m, column)
		if err != nil {
			return "", err
		}
		if seeds[m], err = cell.Read(root, preset); err != nil {
			return "", err
		}
		if len(seeds[m].Values) == 0 {
			return "", fmt.Errorf("tables: no finished %s run of table2 %q in results/%s; train it with ldam sweep --table table2 --preset %s", m, column, preset, preset)
		}
		paper[m], _ = grid.Value(m, column)
	}
	var b strings.Builder
	var rows []string
	spread, off := 0.0, 0.0
	for _, m := range methods {
		s := seeds[m]
		rows = append(rows, fmt.Sprintf("%s %s %% (n = %d)", m, registry.MeanStd(s.Values, 2), len(s.Values)))
		spread = max(spread, slices.Max(s.Values)-slices.Min(s.Values))
		off += (s.Mean() - paper[m]) / float64(len(methods))
	}
	fmt.Fprintf(&b, "Balanced test error, %s preset, %s, seeds as committed: %s. ", preset, column, strings.Join(rows, ", "))
	gain := func(from, to string) string {
		d := seeds[from].Mean() - seeds[to].Mean()
		held, shared := 0, 0
		for i, sd := range seeds[from].Seeds {
			if j := slices.Index(seeds[to].Seeds, sd); j >= 0 {
				shared++
				if seeds[to].Values[j] < seeds[from].Values[i] {
					held++
				}
			}
		}
		return fmt.Sprintf("%.1f points on %s (paper: %.1f), lower in %d of %d shared seeds", d, from, paper[from]-paper[to], held, shared)
	}
	fmt.Fprintf(&b, "Deferred re-weighting lowers it by %s, and by %s. ", gain("ERM", "ERM-DRW"), gain("LDAM", "LDAM-DRW"))
	than := func(a, ref string) string {
		d := seeds[a].Mean() - seeds[ref].Mean()
		p := paper[a] - paper[ref]
		word := func(x float64) string {
			if x < 0 {
				return "better"
			}
			return "worse"
		}
		return fmt.Sprintf("%s is %.1f points %s than %s (paper: %.1f %s)", a, math.Abs(d), word(d), ref, math.Abs(p), word(p))
	}
	fmt.Fprintf(&b, "%s; %s. ", than("LDAM", "ERM"), than("LDAM-DRW", "ERM-DRW"))
	fmt.Fprintf(&b, "The seeds of one row differ by up to %.1f points, so smaller differences are within seed noise; the means sit %.1f points %s the paper's on average.",
		spread, math.Abs(off), map[bool]string{true: "above", false: "below"}[off > 0])
	return b.String(), nil
}

// FullScheduleRows are the rows of Table 2 (and 5) that the paper preset's campaign trains on
// CIFAR-10-LT at the paper's 200-epoch schedule.
var FullScheduleRows = []string{"ERM", "ERM-DRW", "ERM-DRS", "LDAM", "M-DRW", "LDAM-DRW"}

// FullScheduleTolerance is how far (points) a row's mean may sit from the paper's number and
// still count as reproduced at the paper's schedule (seed noise of one run, the JPEG images).
const FullScheduleTolerance = 1.5

// FullScheduleReading is the reading of Table 2's column at the paper's 200-epoch schedule,
// generated from the runs committed under root/results/paper/: each finished row's mean (n)
// beside the paper's with the difference, how many rows are within FullScheduleTolerance of
// it, whether the paper's order LDAM-DRW < ERM-DRW < ERM holds once the three exist, and the
// rows with no finished run yet.
func FullScheduleReading(root, column string) (string, error) {
	grid, err := registry.Grid("table2")
	if err != nil {
		return "", err
	}
	means := map[string]float64{}
	var rows, missing []string
	within := 0
	for _, m := range FullScheduleRows {
		cell, err := registry.Cell("table2", m, column)
		if err != nil {
			return "", err
		}
		s, err := cell.Read(root, "paper")
		if err != nil {
			return "", err
		}
		if len(s.Values) == 0 {
			missing = append(missing, m)
			continue
		}
		p, _ := grid.Value(m, column)
		means[m] = s.Mean()
		d := s.Mean() - p
		if math.Abs(d) <= FullScheduleTolerance {
			within++
		}
		rows = append(rows, fmt.Sprintf("%s %s %% (n = %d; paper %.2f, %+.2f)", m, registry.MeanStd(s.Values, 2), len(s.Values), p, d))
	}
	if len(rows) == 0 {
		return fmt.Sprintf("No run of Table 2's %s column at the paper's 200-epoch schedule is committed yet (results/paper/table2/); the 20-epoch lite runs above are the closest.", column), nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Balanced test error after 200 epochs (paper preset, %s, seeds as committed): %s. ", column, strings.Join(rows, "; "))
	fmt.Fprintf(&b, "%d of %d within %.1f points of the paper. ", within, len(rows), FullScheduleTolerance)
	erm, okE := means["ERM"]
	drw, okD := means["ERM-DRW"]
	ldam, okL := means["LDAM-DRW"]
	if okE && okD && okL {
		if ldam < drw && drw < erm {
			b.WriteString("The paper's order LDAM-DRW < ERM-DRW < ERM holds. ")
		} else {
			fmt.Fprintf(&b, "The paper's order LDAM-DRW < ERM-DRW < ERM does not hold (%.2f, %.2f, %.2f). ", ldam, drw, erm)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(&b, "Not trained yet: %s.", strings.Join(missing, ", "))
	}
	return strings.TrimSpace(b.String()), nil
}
