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
