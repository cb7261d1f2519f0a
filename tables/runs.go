package tables

import (
	"fmt"
	"strings"

	"github.com/ldamlab/ldamlab/ldam/paper"
	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/registry"
)

// Tables of finished runs: each beside the paper's number for its cell.

// Paper is a table of the paper as published (rows × columns, errors in %).
func Paper(name string) (Table, error) {
	t, err := paper.Lookup(name)
	if err != nil {
		return Table{}, err
	}
	out := Table{Header: append([]string{"method"}, t.Columns...)}
	for _, r := range t.Rows {
		row := []string{r.Method}
		for c := range t.Columns {
			if v, ok := t.Value(r.Method, t.Columns[c]); ok {
				row = append(row, fmt.Sprintf("%.2f", v))
			} else {
				row = append(row, "–")
			}
		}
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}

// Committed compares committed runs with the paper: balanced error, many/medium/few-shot
// error, the paper's number for the cell and its schedule.
func Committed(runs []registry.Finished) Table {
	t := Table{Header: []string{"method", "ours: balanced error (%)", "many / medium / few-shot (%)", "paper (%), its full schedule", "ours: preset, epochs, seed, backend, data"}}
	for _, c := range runs {
		r, f := c.Result, c.Result.Final
		p := "–"
		if c.Paper > 0 {
			p = fmt.Sprintf("%.2f", c.Paper)
		}
		t.Rows = append(t.Rows, []string{c.Method, fmt.Sprintf("%.2f", 100*f.Top1Error), pct(f.ManyShotError) + " / " + pct(f.MediumShotError) + " / " + pct(f.FewShotError),
			p, provenance(r)})
	}
	return t
}

// Results lists runs' final balanced test errors with many/medium/few-shot errors.
func Results(names []string, results []*record.Result) Table {
	t := Table{Header: []string{"method", "balanced test error (%)", "many / medium / few-shot error (%)", "preset, seed, backend"}}
	for i, r := range results {
		if r.Final == nil {
			continue
		}
		f := r.Final
		t.Rows = append(t.Rows, []string{names[i], fmt.Sprintf("%.2f", 100*f.Top1Error), pct(f.ManyShotError) + " / " + pct(f.MediumShotError) + " / " + pct(f.FewShotError),
			fmt.Sprintf("%s, seed %d, %s", r.Preset.Name, r.Config.Seed, r.Backend)})
	}
	return t
}

// Table6 shows runs on an imbalanced test set: the plain error on that test set (Table
// 6's metric), the balanced error for contrast, and the paper's number.
func Table6(runs []registry.Finished) Table {
	t := Table{Header: []string{"method", "ours: error on the imbalanced test set (%)", "ours: balanced error (%)", "paper (%)", "test images", "ours: preset, epochs, seed, backend, data"}}
	for _, c := range runs {
		f := c.Result.Final
		p := "–"
		if c.Paper > 0 {
			p = fmt.Sprintf("%.2f", c.Paper)
		}
		n := 0
		for _, k := range c.Result.Data.TestCounts {
			n += k
		}
		t.Rows = append(t.Rows, []string{c.Method, fmt.Sprintf("%.2f", 100*f.OverallError), fmt.Sprintf("%.2f", 100*f.Top1Error), p, fmt.Sprint(n), provenance(c.Result)})
	}
	return t
}

// IMDB is Table 1 with our runs: per-class error of the negative (minority) and positive
// (majority) reviews and their mean (the balanced error), beside the paper's.
func IMDB(runs []registry.Finished) (Table, error) {
	t1, err := paper.Lookup("table1")
	if err != nil {
		return Table{}, err
	}
	t := Table{Header: []string{"method", "negative (%): ours / paper", "positive (%): ours / paper", "mean (%): ours / paper", "training reviews (neg / pos)", "ours: preset, epochs, seed, backend, data"}}
	for _, c := range runs {
		f := c.Result.Final
		if f == nil || len(f.PerClassError) != 2 {
			return Table{}, fmt.Errorf("tables: %s has no per-class error of IMDB's two classes", c.Method)
		}
		cell := func(ours float64, col string) string {
			if v, ok := t1.Value(c.Method, col); ok {
				return fmt.Sprintf("%.2f / %.2f", 100*ours, v)
			}
			return fmt.Sprintf("%.2f / –", 100*ours)
		}
		counts := c.Result.Data.TrainCounts
		t.Rows = append(t.Rows, []string{c.Method, cell(f.PerClassError[0], "negative"), cell(f.PerClassError[1], "positive"), cell(f.Top1Error, "mean"),
			fmt.Sprintf("%d / %d", counts[0], counts[1]), provenance(c.Result)})
	}
	return t, nil
}

// Table4 shows Tiny ImageNet runs: balanced top-1 and top-5 error beside the paper's.
func Table4(runs []registry.Finished) Table {
	t := Table{Header: []string{"method", "ours: top-1 / top-5 error (%)", "paper: top-1 / top-5 (%)", "ours: preset, epochs, seed, backend, data"}}
	for _, c := range runs {
		f := c.Result.Final
		p := "–"
		if g, err := registry.Grid("table4"); err == nil {
			col5 := strings.Replace(c.Column, "top-1", "top-5", 1)
			v1, ok1 := g.Value(c.Method, c.Column)
			v5, ok5 := g.Value(c.Method, col5)
			if ok1 && ok5 {
				p = fmt.Sprintf("%.2f / %.2f", v1, v5)
			}
		}
		t.Rows = append(t.Rows, []string{c.Method, fmt.Sprintf("%.2f / %.2f", 100*f.Top1Error, 100*f.Top5Error), p, provenance(c.Result)})
	}
	return t
}

// PerClassChange compares two finished runs of the same data class by class: the training
// count, each run's final test error and the change from the first to the second (the
// exercise "which classes does DRW help?").
func PerClassChange(a, b registry.Finished) (Table, error) {
	fa, fb := a.Result.Final, b.Result.Final
	if fa == nil || fb == nil || len(fa.PerClassError) != len(fb.PerClassError) || len(a.Result.Data.TrainCounts) != len(fa.PerClassError) {
		return Table{}, fmt.Errorf("tables: %s and %s are not finished runs of the same classes", a.Method, b.Method)
	}
	t := Table{Header: []string{"class", "n_j", a.Method + ": test error (%)", b.Method + ": test error (%)", "change (points)"}}
	for j := range fa.PerClassError {
		t.Rows = append(t.Rows, []string{fmt.Sprint(j), fmt.Sprint(a.Result.Data.TrainCounts[j]), fmt.Sprintf("%.1f", 100*fa.PerClassError[j]),
			fmt.Sprintf("%.1f", 100*fb.PerClassError[j]), fmt.Sprintf("%+.1f", 100*(fb.PerClassError[j]-fa.PerClassError[j]))})
	}
	return t, nil
}
