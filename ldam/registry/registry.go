// Package registry maps the cells of the paper's tables to training runs and collects their
// results over seeds. A run is identified by its configuration; its results live in
//
//	results/<preset>/<table>/<dataset>-<profile><ρ>-<method>/seed-<n>/results.json
//
// (for example results/lite/table2/cifar10-exp100-ldam-drw/seed-0). [Cell] gives the
// configuration and directory of a table cell, [Collect] reads every finished seed of a table
// and [Compare] puts the mean ± std over seeds beside the paper's number (package paper).
package registry

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat"

	"github.com/ldamlab/ldamlab/ldam/paper"
	"github.com/ldamlab/ldamlab/ldam/record"
)

// Method is a row of the paper's tables as a loss and a train rule (the official flags).
type Method struct{ Loss, Rule string }

// Methods are the rows of Tables 1–6. "CB" methods use the class-balanced weights with the
// official code's β = 0.9999; RS and RW of Table 1 likewise.
var Methods = map[string]Method{
	"ERM": {"CE", "None"}, "Focal": {"Focal", "None"}, "LDAM": {"LDAM", "None"},
	"CB RS": {"CE", "Resample"}, "CB RW": {"CE", "Reweight"}, "CB Focal": {"Focal", "Reweight"},
	"HG-DRS": {"HG", "DRS"}, "LDAM-HG-DRS": {"LDAM-HG", "DRS"}, "M-DRW": {"M", "DRW"}, "LDAM-DRW": {"LDAM", "DRW"},
	"ERM-DRW": {"CE", "DRW"}, "ERM-DRS": {"CE", "DRS"}, "RS": {"CE", "Resample"}, "RW": {"CE", "Reweight"}, "CB SM": {"CE", "Reweight"},
	// The follow-ups of table "beyond" (names as their authors' code where it has one).
	"LA": {"LA", "None"}, "BalancedSoftmax": {"BalancedSoftmax", "None"}, "VS": {"VS", "None"},
	"ERM-DRW-SAM": {"CE", "DRW"}, "LDAM-DRW-SAM": {"LDAM", "DRW"},
	"MiSLAS": {"CE", "None"}, "LA-AM": {"LA-AM", "None"}, "WB": {"CE", "None"},
}

// stage2 lists the methods whose runs end with a second stage (Config.Stage2): MiSLAS, after a
// first stage with mixup α = 1 (the authors' configs; the smoothing takes their per-dataset
// values, record.Config.SmoothHead).
var stage2 = map[string]struct {
	Stage2 string
	Mixup  float64
}{"MiSLAS": {record.Stage2MiSLAS, 1}, "WB": {record.Stage2WB, 0}}

// weightDecay is the weight decay of the methods that tune it (0: the preset's): weight
// balancing's first stage, 5e-3 as the authors' code (ShadeAlsha/LTR-weight-balancing, demo1;
// CIFAR-100-LT, their own recipe of batch 64 and a cosine schedule over 320 epochs), here with
// the LDAM recipe of the preset.
var weightDecay = map[string]float64{"WB": 5e-3}

// samRho is the SAM radius of the methods trained with SAM (Rangwani et al. 2022's CIFAR-10
// values: 0.5 for CE-DRW, 0.8 for LDAM-DRW).
var samRho = map[string]float64{"ERM-DRW-SAM": 0.5, "LDAM-DRW-SAM": 0.8}

// Setting is a column of a table: a dataset with its imbalance profile and ratio ρ, and for
// Table 6 the seed of the permuted imbalanced test set (1 for the paper's column "a", 2 for
// "b"; 0: the balanced test set).
type Setting struct {
	Dataset, Profile string
	Rho              float64
	TestImbSeed      uint64
}

// Slug is the setting's part of a run name: cifar10-exp100, or cifar10-exp100-test1 for
// Table 6's first test permutation.
func (s Setting) Slug() string {
	if s.Profile == "natural" {
		return s.Dataset // iNaturalist: its own imbalance
	}
	slug := fmt.Sprintf("%s-%s%s", s.Dataset, s.Profile, strconv.FormatFloat(s.Rho, 'g', -1, 64))
	if s.TestImbSeed > 0 {
		slug += fmt.Sprintf("-test%d", s.TestImbSeed)
	}
	return slug
}

// settingOf parses a column name of Tables 2, 4 and 5 ("C10 LT 100", "LT 100 top-1"), Table 6
// ("LT 100 seed a": CIFAR-10, test permutation 1; "seed b": 2) and Table 1 (IMDB, any column).
// The metric of a column is "top5" for top-5 columns, "overall" (the plain error on the
// imbalanced test set) for Table 6, else "top1".
func settingOf(table, column string) (Setting, string, error) {
	f := strings.Fields(column)
	metric := "top1"
	switch table {
	case "table1":
		return Setting{Dataset: "imdb", Profile: "exp", Rho: 10}, column, nil
	case "table3":
		return Setting{Dataset: "inat2018", Profile: "natural", Rho: 1}, strings.ReplaceAll(column, "-", ""), nil
	case "table6":
		seeds := map[string]uint64{"a": 1, "b": 2}
		if len(f) != 4 || f[2] != "seed" || seeds[f[3]] == 0 {
			return Setting{}, "", fmt.Errorf("registry: cannot read the setting of column %q of %s", column, table)
		}
		s, _, err := settingOf("table2", "C10 "+f[0]+" "+f[1])
		s.TestImbSeed = seeds[f[3]]
		return s, "overall", err
	case "table4":
		if len(f) == 3 && f[2] == "top-5" {
			metric = "top5"
		}
		f = append([]string{"TIN"}, f[:2]...)
	}
	if len(f) != 3 {
		return Setting{}, "", fmt.Errorf("registry: cannot read the setting of column %q of %s", column, table)
	}
	s := Setting{Dataset: map[string]string{"C10": "cifar10", "C100": "cifar100", "TIN": "tinyimagenet"}[f[0]], Profile: map[string]string{"LT": "exp", "step": "step"}[f[1]]}
	rho, err := strconv.ParseFloat(f[2], 64)
	if err != nil || s.Dataset == "" || s.Profile == "" {
		return Setting{}, "", fmt.Errorf("registry: cannot read the setting of column %q of %s", column, table)
	}
	s.Rho = rho
	return s, metric, nil
}

// slug is a method's part of a run name: "LDAM-DRW" → "ldam-drw", "CB RS" → "cb-rs".
func slug(method string) string {
	return strings.ToLower(strings.ReplaceAll(method, " ", "-"))
}

// Run is one table cell's run (all seeds share it).
type Run struct {
	// Table is the table whose directory holds the run (Table 5's runs are Table 2's).
	Table, Method, Column string
	Setting               Setting
	// Metric is "top1", "top5", or for Table 1 the column ("positive", "negative", "mean").
	Metric string
	// Name is <setting>-<method>; Config the training configuration (preset and seed unset).
	Name   string
	Config record.Config
}

// Dir is the run's directory for a preset and seed under root.
func (r Run) Dir(root, preset string, seed uint64) string {
	return filepath.Join(root, "results", preset, r.Table, r.Name, fmt.Sprintf("seed-%d", seed))
}

// Grid returns a table with the rows our runs cover: Table 2 also holds the ERM-DRW and
// ERM-DRS rows of Table 5 (the same CIFAR grid), and Table 5's runs are Table 2's.
func Grid(table string) (paper.Table, error) {
	t, err := paper.Lookup(table)
	if err != nil {
		return t, err
	}
	if t.Name == "table2" {
		t5, _ := paper.Lookup("table5")
		t.Rows = append(slices.Clone(t.Rows), t5.Rows[1:]...)
	}
	return t, nil
}

// DirTable is the table whose directory holds a table's runs (Table 5's and the follow-ups'
// runs live with Table 2's).
func DirTable(table string) string { return dirTable(table) }

// dirTable is the table whose directory holds a table's runs.
func dirTable(table string) string {
	if table == "table5" || table == "beyond" {
		return "table2"
	}
	return table
}

// Cell returns the run of a table cell.
func Cell(table, method, column string) (Run, error) {
	t, err := paper.Lookup(table)
	if err != nil {
		return Run{}, err
	}
	m, ok := Methods[method]
	if !ok {
		return Run{}, fmt.Errorf("registry: no run defined for method %q", method)
	}
	s, metric, err := settingOf(t.Name, column)
	if err != nil {
		return Run{}, err
	}
	name := s.Slug() + "-" + slug(method)
	cfg := record.Config{Dataset: s.Dataset, ImbType: s.Profile, ImbFactor: 1 / s.Rho, LossType: m.Loss, TrainRule: m.Rule, SAMRho: samRho[method], TestImbSeed: s.TestImbSeed,
		Stage2: stage2[method].Stage2, Mixup: stage2[method].Mixup, WeightDecay: weightDecay[method]}
	return Run{Table: dirTable(t.Name), Method: method, Column: column, Setting: s, Metric: metric, Name: name, Config: cfg}, nil
}

// Seeds is what the finished seeds of one cell measured, in percent.
type Seeds struct {
	Values         []float64
	Seeds          []uint64
	Backends, Data []string
	// EarlierSelection marks, per value, a run trained on the images of the earlier selection
	// (record.StaleSelection), not the official code's.
	EarlierSelection []bool
	// Many, Medium and Few are the many-, medium- and few-shot errors of the seeds whose results
	// have them (CIFAR-LT's groups: over 100, 20–100, under 20 training images).
	Many, Medium, Few []float64
	// Unreadable lists the results.json files that could not be read (truncated or corrupt),
	// each with its error; they are left out of the values.
	Unreadable []string
}

// Mean is the mean of the values.
func (s Seeds) Mean() float64 { return stat.Mean(s.Values, nil) }

// Std is the sample standard deviation over seeds (0 for a single seed).
func (s Seeds) Std() float64 {
	if len(s.Values) < 2 {
		return 0
	}
	return stat.StdDev(s.Values, nil)
}

// metricOf reads a run's final metric in percent.
func metricOf(r *record.Result, metric string) (float64, error) {
	f := r.Final
	switch metric {
	case "top1", "mean":
		return 100 * f.Top1Error, nil
	case "top5":
		return 100 * f.Top5Error, nil
	case "overall":
		return 100 * f.OverallError, nil
	case "positive", "negative":
		i := 1
		if metric == "negative" {
			i = 0
		}
		if i >= len(f.PerClassError) {
			return 0, fmt.Errorf("registry: no per-class error for %s", metric)
		}
		return 100 * f.PerClassError[i], nil
	}
	return 0, fmt.Errorf("registry: unknown metric %q", metric)
}

// Read collects the finished seeds of a run under root for a preset (unfinished ones are
// skipped: a sweep resumes them; unreadable results.json files are skipped and listed in
// Seeds.Unreadable).
func (r Run) Read(root, preset string) (Seeds, error) {
	var s Seeds
	dirs, _ := filepath.Glob(filepath.Join(root, "results", preset, r.Table, r.Name, "seed-*"))
	sort.Strings(dirs)
	for _, d := range dirs {
		res, err := record.ReadResult(filepath.Join(d, record.ResultsFile))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			s.Unreadable = append(s.Unreadable, err.Error())
			continue
		}
		if !res.Done || res.Final == nil {
			continue
		}
		v, err := metricOf(res, r.Metric)
		if err != nil {
			return s, err
		}
		s.Values = append(s.Values, v)
		s.Seeds = append(s.Seeds, res.Config.Seed)
		s.Backends = append(s.Backends, res.Backend)
		data, stale := res.Data.Source, record.StaleSelection(res)
		if stale {
			data += " (images chosen by the earlier selection, not the official one)"
		}
		s.Data = append(s.Data, data)
		s.EarlierSelection = append(s.EarlierSelection, stale)
		for _, g := range []struct {
			v  *float64
			to *[]float64
		}{{res.Final.ManyShotError, &s.Many}, {res.Final.MediumShotError, &s.Medium}, {res.Final.FewShotError, &s.Few}} {
			if g.v != nil {
				*g.to = append(*g.to, 100**g.v)
			}
		}
	}
	return s, nil
}

// Results returns the finished runs of a cell under root for a preset, in seed order; with
// officialOnly, only those trained on the official code's image selection (runs on the earlier
// selection saw other images). Unreadable or unfinished runs are left out, as in [Run.Read].
func (r Run) Results(root, preset string, officialOnly bool) ([]*record.Result, error) {
	dirs, err := filepath.Glob(filepath.Join(root, "results", preset, r.Table, r.Name, "seed-*"))
	if err != nil {
		return nil, err
	}
	var out []*record.Result
	for _, d := range dirs {
		res, err := record.ReadResult(filepath.Join(d, record.ResultsFile))
		if err != nil || !res.Done || res.Final == nil || (officialOnly && record.StaleSelection(res)) {
			continue
		}
		out = append(out, res)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Config.Seed < out[j].Config.Seed })
	return out, nil
}

// MeanStd formats values as "mean ± sample std" with the given decimals; one value has no
// spread ("mean ± –", not a standard deviation of 0), and none is "–".
func MeanStd(v []float64, decimals int) string {
	switch len(v) {
	case 0:
		return "–"
	case 1:
		return fmt.Sprintf("%.*f ± –", decimals, v[0])
	}
	return fmt.Sprintf("%.*f ± %.*f", decimals, stat.Mean(v, nil), decimals, stat.StdDev(v, nil))
}

// Provenance is "backends; data" of the seeds, each listed once.
func (s Seeds) Provenance() string {
	return strings.Join(uniq(s.Backends), ", ") + "; " + strings.Join(uniq(s.Data), ", ")
}

// ReferenceTable is the folder of results/<preset>/ holding the runs of the PyTorch reference of
// the official recipe (package reference), named as our runs of the same cells.
const ReferenceTable = "reference"

// Reference is the same cell as run by the official recipe's PyTorch reference
// (results/<preset>/reference/<run>/seed-<n>).
func (r Run) Reference() Run {
	r.Table = ReferenceTable
	return r
}

// Comparison is one cell: the paper's number beside ours and the official recipe's under the
// same protocol.
type Comparison struct {
	Run   Run
	Paper float64
	// HasPaper is false where the paper leaves the cell empty.
	HasPaper bool
	Ours     Seeds
	// Reference holds the finished seeds of the official recipe's PyTorch reference of the cell
	// in the same preset (results/<preset>/reference/<run>/seed-<n>; none when not run).
	Reference Seeds
}

// Compare reads every cell of a table for a preset.
func Compare(root, table, preset string) ([]Comparison, error) {
	t, err := Grid(table)
	if err != nil {
		return nil, err
	}
	var out []Comparison
	for _, row := range t.Rows {
		for _, col := range t.Columns {
			run, err := Cell(t.Name, row.Method, col)
			if err != nil {
				return nil, err
			}
			p, ok := t.Value(row.Method, col)
			ours, err := run.Read(root, preset)
			if err != nil {
				return nil, err
			}
			refSeeds, err := run.Reference().Read(root, preset)
			if err != nil {
				return nil, err
			}
			out = append(out, Comparison{Run: run, Paper: p, HasPaper: ok, Ours: ours, Reference: refSeeds})
		}
	}
	return out, nil
}

// Header and Rows render comparisons as a table: method, setting, the paper's number, the
// official recipe's PyTorch reference under the same protocol and ours as mean ± std over n
// seeds, ours minus the paper and ours minus the reference (with the standard error of that
// difference of means), and the backends and data of our runs.
var Header = []string{"method", "setting", "paper (%)", "official recipe, same protocol (%)", "ours (%), mean ± std (n)", "ours − paper", "ours − official (± s.e.)", "backend; data"}

// Rows renders the comparisons under Header.
func Rows(comps []Comparison) [][]string {
	var rows [][]string
	for _, c := range comps {
		p, ref, ours, diff, refDiff, prov := "–", "–", "not run", "", "", ""
		if c.HasPaper {
			p = fmt.Sprintf("%.2f", c.Paper)
		}
		if n := len(c.Reference.Values); n > 0 {
			ref = fmt.Sprintf("%s (%d)", MeanStd(c.Reference.Values, 2), n)
		}
		if n := len(c.Ours.Values); n > 0 {
			ours = fmt.Sprintf("%s (%d)", MeanStd(c.Ours.Values, 2), n)
			if c.HasPaper {
				diff = fmt.Sprintf("%+.2f", c.Ours.Mean()-c.Paper)
			}
			if d, se, ok := DiffOfMeans(c.Ours.Values, c.Reference.Values); ok {
				refDiff = fmt.Sprintf("%+.2f ± %.2f", d, se)
			}
			prov = c.Ours.Provenance()
		}
		rows = append(rows, []string{c.Run.Method, c.Run.Column, p, ref, ours, diff, refDiff, prov})
	}
	return rows
}

// DiffOfMeans is mean(a) − mean(b) with its standard error √(s_a²/n_a + s_b²/n_b) (sample
// variances; Welch's). ok is false unless both have at least two values.
func DiffOfMeans(a, b []float64) (diff, se float64, ok bool) {
	if len(a) < 2 || len(b) < 2 {
		return 0, 0, false
	}
	va, vb := stat.Variance(a, nil), stat.Variance(b, nil)
	return stat.Mean(a, nil) - stat.Mean(b, nil), math.Sqrt(va/float64(len(a)) + vb/float64(len(b))), true
}

func uniq(xs []string) []string {
	var out []string
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// Finished is a finished run of a table's cell found under results/<preset>/, with the paper's
// number for the cell.
type Finished struct {
	// Table is the paper's table of the cell ("table2"), Method its row and Column its column.
	Table, Method, Column string
	Seed                  uint64
	Paper                 float64 // the paper's error (%) for the cell; 0 when the paper has none
	Result                *record.Result
}

// FinishedRuns returns the finished runs of the given cells (methods in one column) of a table
// under root's results/<preset>/, for one seed; cells not run yet or unfinished are left out.
func FinishedRuns(root, preset, table, column string, methods []string, seed uint64) ([]Finished, error) {
	t, err := Grid(table)
	if err != nil {
		return nil, err
	}
	var out []Finished
	for _, m := range methods {
		cell, err := Cell(t.Name, m, column)
		if err != nil {
			return nil, err
		}
		r, err := record.ReadResult(filepath.Join(cell.Dir(root, preset, seed), record.ResultsFile))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !r.Done {
			continue
		}
		p, _ := t.Value(m, column)
		out = append(out, Finished{Table: t.Name, Method: m, Column: column, Seed: seed, Paper: p, Result: r})
	}
	return out, nil
}
