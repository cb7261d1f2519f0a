// Package tables formats the lab's results as tables — the paper's numbers beside ours, seeds
// and their spread, a run's provenance — for notebooks (lab.ShowTable renders them) and tests;
// the tabular counterpart of package figures.
package tables

import (
	"fmt"
	"strings"

	"github.com/ldamlab/ldamlab/ldam/record"
)

// Table is a table of text cells that notebooks show and tests read.
type Table struct {
	Header []string
	Rows   [][]string
}

// Markdown renders the table as a Markdown pipe table.
func (t Table) Markdown() string {
	var sb strings.Builder
	row := func(cells []string) {
		sb.WriteString("|")
		for _, c := range cells {
			sb.WriteString(" " + strings.ReplaceAll(c, "|", `\|`) + " |")
		}
		sb.WriteString("\n")
	}
	row(t.Header)
	sb.WriteString(strings.Repeat("|---", len(t.Header)) + "|\n")
	for _, r := range t.Rows {
		row(r)
	}
	return sb.String()
}

// Summary is a one-paragraph text summary of a result, with its provenance.
func Summary(r *record.Result) string {
	if r.Final == nil {
		return "no epoch finished yet"
	}
	return fmt.Sprintf("%s, %s/%s, preset %s (%d epochs), backend %s, data: %s; seed %d.\n"+
		"final balanced top-1 error %.2f%% (top-5 %.2f%%); best %.2f%% at epoch %d; many/medium/few-shot error %s / %s / %s.",
		r.Data.Name, r.Config.LossType, r.Config.TrainRule, r.Preset.Name, r.Preset.Epochs, r.Backend, r.Data.Source, r.Config.Seed,
		100*r.Final.Top1Error, 100*r.Final.Top5Error, 100*r.Best.Top1Error, r.BestEpoch+1,
		pct(r.Final.ManyShotError), pct(r.Final.MediumShotError), pct(r.Final.FewShotError))
}

func pct(p *float64) string {
	if p == nil {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", 100**p)
}

// provenance says where a result's numbers come from: preset, epochs, seed, backend and data.
func provenance(r *record.Result) string {
	return fmt.Sprintf("%s, %d epochs, seed %d, %s, %s", r.Preset.Name, r.Preset.Epochs, r.Config.Seed, r.Backend, strings.TrimSpace(r.Data.Source))
}
