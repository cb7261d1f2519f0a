// Package paper holds the published numbers of "Learning Imbalanced Datasets with
// Label-Distribution-Aware Margin Loss" (Cao et al., NeurIPS 2019, arXiv v2 numbering) as data:
// every table as rows (methods) × columns (settings) of error rates in percent, so notebooks,
// `ldam table` and tests can put our results beside them. Cells the paper leaves empty are
// absent (Value reports ok = false). Source: the project's fact sheet, §2.
package paper

import (
	"fmt"
	"slices"
	"strings"
)

// Table is one table of the paper.
type Table struct {
	// Name is how the command line and the registry call it ("table2"); Title is the paper's.
	Name, Title string
	// Columns are the settings; Rows the methods.
	Columns []string
	Rows    []Row
	// Note is what a reader must know to compare (protocol, known inconsistencies).
	Note string
	// RunMissing says that our runs cover the cells without a published number too (the
	// follow-ups' table); the paper's tables run only the cells the paper has.
	RunMissing bool
}

// Row is one method of a table: Errors[i] is its error (%) in Columns[i]; the indices of the
// cells the paper leaves empty are in Missing (their Errors are 0).
type Row struct {
	Method  string
	Errors  []float64
	Missing []int
}

// Value returns the published error (%) of a method in a column.
func (t Table) Value(method, column string) (v float64, ok bool) {
	c := slices.Index(t.Columns, column)
	if c < 0 {
		return 0, false
	}
	for _, r := range t.Rows {
		if r.Method == method {
			if slices.Contains(r.Missing, c) {
				return 0, false
			}
			return r.Errors[c], true
		}
	}
	return 0, false
}

// Lookup returns a table by name ("table1" … "table6").
func Lookup(name string) (Table, error) {
	for _, t := range Tables {
		if strings.EqualFold(t.Name, name) {
			return t, nil
		}
	}
	names := make([]string, len(Tables))
	for i, t := range Tables {
		names[i] = t.Name
	}
	return Table{}, fmt.Errorf("unknown table %q; use one of %s", name, strings.Join(names, ", "))
}

// cifarColumns are the columns of Tables 2 and 5.
var cifarColumns = []string{"C10 LT 100", "C10 LT 10", "C10 step 100", "C10 step 10", "C100 LT 100", "C100 LT 10", "C100 step 100", "C100 step 10"}

// Tables are the paper's six tables.
var Tables = []Table{
	{Name: "table1", Title: "Table 1: imbalanced IMDB, 2-layer bidirectional LSTM (top-1 validation error, %)",
		Columns: []string{"positive", "negative", "mean"},
		Rows: []Row{
			{Method: "ERM", Errors: []float64{2.86, 70.78, 36.82}},
			{Method: "RS", Errors: []float64{7.12, 45.88, 26.50}},
			{Method: "RW", Errors: []float64{5.20, 42.12, 23.66}},
			{Method: "LDAM-DRW", Errors: []float64{4.91, 30.77, 17.84}},
		},
		Note: "90 % of the negative training reviews removed; Adam; no other hyper-parameter is given. Mean = balanced error."},
	{Name: "table2", Title: "Table 2: CIFAR-10 and CIFAR-100, ResNet-32 (top-1 validation error, %)",
		Columns: cifarColumns,
		Rows: []Row{
			{Method: "ERM", Errors: []float64{29.64, 13.61, 36.70, 17.50, 61.68, 44.30, 61.45, 45.37}},
			{Method: "Focal", Errors: []float64{29.62, 13.34, 36.09, 16.36, 61.59, 44.22, 61.43, 46.54}},
			{Method: "LDAM", Errors: []float64{26.65, 13.04, 33.42, 15.00, 60.40, 43.09, 60.42, 43.73}},
			{Method: "CB RS", Errors: []float64{29.45, 13.21, 38.14, 15.41, 66.56, 44.94, 66.23, 46.92}},
			{Method: "CB RW", Errors: []float64{27.63, 13.46, 38.06, 16.20, 66.01, 42.88, 78.69, 47.52}},
			{Method: "CB Focal", Errors: []float64{25.43, 12.90, 39.73, 16.54, 63.98, 42.01, 80.24, 49.98}},
			{Method: "HG-DRS", Errors: []float64{27.16, 14.03, 29.93, 14.85, 0, 0, 0, 0}, Missing: []int{4, 5, 6, 7}},
			{Method: "LDAM-HG-DRS", Errors: []float64{24.42, 12.72, 24.53, 12.82, 0, 0, 0, 0}, Missing: []int{4, 5, 6, 7}},
			{Method: "M-DRW", Errors: []float64{24.94, 13.57, 27.67, 13.17, 59.49, 43.78, 58.91, 44.72}},
			{Method: "LDAM-DRW", Errors: []float64{22.97, 11.84, 23.08, 12.19, 57.96, 41.29, 54.64, 40.54}},
		},
		Note: "Balanced test sets, 200 epochs. The long-tailed ERM, Focal and CB Focal (C10 LT 100) cells equal Cui et al. 2019's and were very likely copied from it. Hinge rows: CIFAR-10 only."},
	{Name: "table3", Title: "Table 3: iNaturalist 2018, ResNet-50 (validation error, %)",
		Columns: []string{"top-1", "top-5"},
		Rows: []Row{
			{Method: "ERM", Errors: []float64{42.86, 21.31}},
			{Method: "CB Focal", Errors: []float64{38.88, 18.97}},
			{Method: "ERM-DRW", Errors: []float64{36.27, 16.55}},
			{Method: "LDAM", Errors: []float64{35.42, 16.48}},
			{Method: "LDAM-DRW", Errors: []float64{32.00, 14.82}},
		},
		Note: "90 epochs, decays at 30 and 60, DRW from 60, Δ_max = 0.3. ERM and CB Focal equal Cui et al. 2019's Table 3."},
	{Name: "table4", Title: "Table 4: imbalanced Tiny ImageNet, ResNet-18 (validation error, %)",
		Columns: []string{"LT 100 top-1", "LT 100 top-5", "LT 10 top-1", "LT 10 top-5", "step 100 top-1", "step 100 top-5", "step 10 top-1", "step 10 top-5"},
		Rows: []Row{
			{Method: "ERM", Errors: []float64{66.19, 42.63, 50.33, 26.68, 63.82, 44.09, 50.89, 27.06}},
			{Method: "CB SM", Errors: []float64{72.72, 52.62, 51.58, 28.91, 74.90, 59.14, 54.51, 33.23}},
			{Method: "ERM-DRW", Errors: []float64{64.57, 40.79, 50.03, 26.19, 62.36, 40.84, 49.17, 25.91}},
			{Method: "LDAM", Errors: []float64{64.04, 40.46, 48.08, 24.80, 62.54, 39.27, 49.08, 24.52}},
			{Method: "LDAM-DRW", Errors: []float64{62.53, 39.06, 47.22, 23.84, 60.63, 38.12, 47.43, 23.26}},
		},
		Note: "120 epochs, ×0.1 at 90 (appendix B). CB SM = class-balanced softmax."},
	{Name: "table5", Title: "Table 5: DRW against DRS with cross-entropy, ResNet-32 (top-1 validation error, %)",
		Columns: cifarColumns,
		Rows: []Row{
			{Method: "ERM", Errors: []float64{29.64, 13.61, 36.70, 17.50, 61.68, 44.30, 61.05, 45.37}},
			{Method: "ERM-DRW", Errors: []float64{25.14, 13.12, 28.40, 14.49, 59.34, 42.68, 58.86, 42.78}},
			{Method: "ERM-DRS", Errors: []float64{25.50, 13.28, 27.97, 14.83, 59.67, 42.74, 58.65, 43.21}},
		},
		Note: "ERM C100 step 100 is 61.05 here and 61.45 in Table 2: an inconsistency inside the paper."},
	{Name: "table6", Title: "Table 6: imbalanced training and permuted imbalanced test sets, CIFAR-10, ResNet-32 (top-1 error, %)",
		Columns: []string{"LT 100 seed a", "LT 100 seed b", "LT 10 seed a", "LT 10 seed b", "step 100 seed a", "step 100 seed b", "step 10 seed a", "step 10 seed b"},
		Rows: []Row{
			{Method: "ERM", Errors: []float64{30.99, 28.45, 13.08, 13.12, 24.55, 28.63, 10.34, 11.67}},
			{Method: "CB RW", Errors: []float64{20.86, 26.19, 10.70, 11.93, 35.76, 31.35, 9.82, 11.02}},
			{Method: "LDAM-DRW", Errors: []float64{14.40, 12.95, 10.12, 10.62, 10.30, 9.54, 7.51, 7.82}},
		},
		Note: "Test ratio = training ratio; the two columns of a setting are two random permutations of the test profile (not public). LDAM uses the Eq. 15 margins. Ours: test permutations 1 (a) and 2 (b) of datasets.PermutedTestCounts, the plain (overall) error on that test set."},
	{Name: "beyond", Title: "Follow-ups of LDAM-DRW on CIFAR-LT, ResNet-32: published errors (%) = 100 − reported accuracy, each under its authors' protocol",
		Columns: []string{"C10 LT 100", "C10 LT 10", "C100 LT 100", "C100 LT 10"},
		Rows: []Row{
			{Method: "ERM", Errors: []float64{29.64, 13.61, 61.68, 44.29}},
			{Method: "LDAM-DRW", Errors: []float64{22.97, 11.84, 57.96, 41.29}},
			{Method: "LA", Errors: []float64{22.33, 0, 56.11, 0}, Missing: []int{1, 3}},
			{Method: "BalancedSoftmax", Errors: []float64{16.9, 9.1, 49.7, 36.9}},
			{Method: "VS", Errors: []float64{0, 0, 0, 0}, Missing: []int{0, 1, 2, 3}},
			{Method: "ERM-DRW-SAM", Errors: []float64{19.4, 0, 55.4, 0}, Missing: []int{1, 3}},
			{Method: "LDAM-DRW-SAM", Errors: []float64{18.1, 0, 54.6, 0}, Missing: []int{1, 3}},
			{Method: "MiSLAS", Errors: []float64{17.5, 10.0, 53.0, 36.8}},
			{Method: "LA-AM", Errors: []float64{0, 0, 0, 0}, Missing: []int{0, 1, 2, 3}},
			{Method: "WB", Errors: []float64{0, 0, 46.65, 31.33}, Missing: []int{0, 1}},
		},
		Note:       "Not one protocol (facts file §6): LA = Menon et al. 2021 Table 3, logit-adjusted loss τ = 1, mean of 5 runs, nearly the LDAM recipe (weight decay 1e-4, ×0.1 decays); Balanced Softmax = Ren et al. 2020 Table 2, batch 512, cosine schedule, 13K iterations, weight decay 5e-4 — not the LDAM recipe; VS (Kini et al. 2021): no CIFAR number under the LDAM recipe; SAM rows = Rangwani et al. 2022 (LDAM-DRW code + SAM, ρ = 0.5 for CE-DRW and 0.8 for LDAM-DRW on CIFAR-10); MiSLAS = dvlab-research/MiSLAS README, stage 2 (LDAM's CIFAR code and schedule, stage 1 with mixup α = 1, stage 2 10 epochs; the code reports the best test accuracy over evaluations); LA-AM (logit adjustment + adaptive margin δ_y = π_y^{-1/4}, Menon et al. §6): published for iNaturalist only (31.56 % error); WB = Alshammari et al. 2022 Table 2 (weight decay + MaxNorm + CB, two stages; CIFAR-100-LT only: 53.35 / 68.67 % accuracy at ρ = 100 / 10, ResNet-32 with batch 64, cosine 0.01 → 0, tuned weight decay, best epoch) — not the LDAM recipe. Ours run every row with the LDAM recipe of the chosen preset (WB with weight decay 5e-3 in its first stage, then the authors' second stage — 10 SGD epochs, weight decay 0.1, MaxNorm — on frozen evaluation-mode features, last epoch kept; MiSLAS with its authors' second stage too — 10 SGD epochs of the trained classifier and a per-class scale, class-aware sampling, label-aware smoothing — on frozen evaluation-mode features, last epoch kept).",
		RunMissing: true},
}
