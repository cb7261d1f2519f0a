package lab

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/gomlx/core/tensors"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/figures"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/theory"
)

// Section 3.1 of the paper (02-margin-theory.ipynb): Theorem 3 tested by experiment.

// Theorem3Config is an experiment on Theorem 3: two Gaussian classes N(±μ·e₁, I) in Dim
// dimensions, N0 training points of the frequent class 0 and N1 of the rare class 1, redrawn
// until linearly separable; the max-margin classifier's bias is moved so that γ_j ∝ n_j^{−α}.
type Theorem3Config struct {
	N0, N1, Dim, Trials, TestPerClass int
	Mu                                float64
	Alphas                            []float64
	// Lambda is the L2 penalty of the re-weighted logistic regression (the re-weighting row).
	Lambda float64
	Seed   uint64
}

// DefaultTheorem3 is the experiment of the notebook: ρ = 10 (100 against 10 points) in 2-d,
// means 5 apart, 200 draws, 20,000 test points per class.
func DefaultTheorem3() Theorem3Config {
	return Theorem3Config{N0: 100, N1: 10, Dim: 2, Trials: 200, TestPerClass: 20000, Mu: 2.5,
		Alphas: []float64{0, 0.25, 1.0 / 3, 0.5, 1}, Lambda: 1e-3, Seed: 1}
}

// Theorem3Row is one method's balanced test errors over the draws.
type Theorem3Row struct {
	Name   string
	Alpha  float64 // NaN for re-weighting
	Errors []float64
}

// Mean is the mean balanced test error over draws.
func (r Theorem3Row) Mean() float64 { return stat.Mean(r.Errors, nil) }

// Std is the sample standard deviation over draws.
func (r Theorem3Row) Std() float64 { return stat.StdDev(r.Errors, nil) }

// Theorem3Result holds the rows and how many draws were rejected as not separable.
type Theorem3Result struct {
	Config   Theorem3Config
	Rows     []Theorem3Row
	Rejected int
}

// gaussianPoints draws n points of N(mean·e₁, I) in dim dimensions.
func gaussianPoints(rng *rand.Rand, n, dim int, mean float64) [][]float64 {
	out := make([][]float64, n)
	for i := range out {
		x := make([]float64, dim)
		for k := range x {
			x[k] = rng.NormFloat64()
		}
		x[0] += mean
		out[i] = x
	}
	return out
}

// TwoGaussians draws a separable training set: n0 points of class 0 around +μ·e₁ and n1 of
// class 1 around −μ·e₁; it redraws (at most 1000 times) until the set is linearly separable and
// returns the data, its max-margin classifier and the number of rejected draws.
func TwoGaussians(rng *rand.Rand, n0, n1, dim int, mu float64) (x [][]float64, y []int, svm theory.Linear, rejected int, err error) {
	for range 1000 {
		x = append(gaussianPoints(rng, n0, dim, mu), gaussianPoints(rng, n1, dim, -mu)...)
		y = make([]int, n0+n1)
		for i := n0; i < len(y); i++ {
			y[i] = 1
		}
		if svm, err = theory.MaxMargin(x, y, 1e-10, 100000); err == nil {
			return x, y, svm, rejected, nil
		}
		rejected++
	}
	return nil, nil, theory.Linear{}, rejected, fmt.Errorf("lab: no separable draw in 1000 tries; increase μ")
}

// balancedError is the balanced error of a classifier on a test sample (class 0 then class 1,
// n each).
func balancedError(l theory.Linear, test [][]float64, n int) float64 {
	wrong := [2]int{}
	for i, x := range test {
		c := i / n
		if (l.Score(x) > 0) != (c == 0) {
			wrong[c]++
		}
	}
	return (float64(wrong[0]) + float64(wrong[1])) / float64(2*n)
}

// RunTheorem3 runs the experiment: per draw, the max-margin classifier with its bias moved for
// every α, and re-weighted logistic regression (weights ∝ 1/n_j), each scored by its balanced
// error on a fresh test sample of TestPerClass points per class.
func RunTheorem3(c Theorem3Config) (*Theorem3Result, error) {
	if c.N0 < 1 || c.N1 < 1 || c.Trials < 1 || c.TestPerClass < 1 || c.Dim < 1 {
		return nil, fmt.Errorf("lab: Theorem 3 experiment needs positive counts, trials, test size and dimension: %+v", c)
	}
	rng := rand.New(rand.NewPCG(c.Seed, 3))
	res := &Theorem3Result{Config: c}
	for _, a := range c.Alphas {
		res.Rows = append(res.Rows, Theorem3Row{Name: fmt.Sprintf("γ ∝ n^-%s", alphaText(a)), Alpha: a})
	}
	res.Rows = append(res.Rows, Theorem3Row{Name: "re-weighting (logistic, weights ∝ 1/n_j)", Alpha: math.NaN()})
	w0 := float64(c.N0+c.N1) / (2 * float64(c.N0))
	w1 := float64(c.N0+c.N1) / (2 * float64(c.N1))
	for range c.Trials {
		x, y, svm, rejected, err := TwoGaussians(rng, c.N0, c.N1, c.Dim, c.Mu)
		if err != nil {
			return nil, err
		}
		res.Rejected += rejected
		test := append(gaussianPoints(rng, c.TestPerClass, c.Dim, c.Mu), gaussianPoints(rng, c.TestPerClass, c.Dim, -c.Mu)...)
		g0, g1 := svm.Margins(x, y)
		for i, a := range c.Alphas {
			m0, _ := theory.MarginsProportional(g0+g1, c.N0, c.N1, a)
			res.Rows[i].Errors = append(res.Rows[i].Errors, balancedError(svm.WithMargins(x, y, m0), test, c.TestPerClass))
		}
		rw, err := theory.WeightedLogistic(x, y, [2]float64{w0, w1}, c.Lambda, 25)
		if err != nil {
			return nil, err
		}
		last := len(res.Rows) - 1
		res.Rows[last].Errors = append(res.Rows[last].Errors, balancedError(rw, test, c.TestPerClass))
	}
	return res, nil
}

func alphaText(a float64) string {
	switch {
	case math.Abs(a-1.0/3) < 1e-12:
		return "1/3"
	case math.Abs(a-0.25) < 1e-12:
		return "1/4"
	case math.Abs(a-0.5) < 1e-12:
		return "1/2"
	}
	return fmt.Sprint(a)
}

// Table is the experiment as a table: method, mean ± std of the balanced test error (%) over
// draws, and the paired difference from α = 1/4 (mean ± standard error over the same draws).
func (r *Theorem3Result) Table() Table {
	t := Table{Header: []string{"margins", "balanced test error (%), mean ± std", "minus α = 1/4, paired (mean ± s.e.)", "draws"}}
	var ref []float64
	for _, row := range r.Rows {
		if math.Abs(row.Alpha-0.25) < 1e-12 {
			ref = row.Errors
		}
	}
	for _, row := range r.Rows {
		diff := "–"
		if ref != nil {
			d := Theorem3Row{}
			for i, e := range row.Errors {
				d.Errors = append(d.Errors, e-ref[i])
			}
			diff = fmt.Sprintf("%+.2f ± %.2f", 100*d.Mean(), 100*d.Std()/math.Sqrt(float64(len(d.Errors))))
		}
		t.Rows = append(t.Rows, []string{row.Name, fmt.Sprintf("%.2f ± %.2f", 100*row.Mean(), 100*row.Std()), diff, fmt.Sprint(len(row.Errors))})
	}
	return t
}

// Plot draws the mean balanced error ± std against α, with the n^{-1/4} prediction marked and
// re-weighting as a horizontal line.
func (r *Theorem3Result) Plot() (*plot.Plot, error) {
	c := r.Config
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Theorem 3: n = %d vs %d, %d-d Gaussians, %d draws", c.N0, c.N1, c.Dim, len(r.Rows[0].Errors))
	p.X.Label.Text = "α (margins γ_j ~ n_j^-α)"
	p.Y.Label.Text = "balanced test error (%)"
	var pts plotter.XYs
	var errs plotter.YErrors
	top := 0.0
	for _, row := range r.Rows {
		if math.IsNaN(row.Alpha) {
			continue
		}
		m, s := 100*row.Mean(), 100*row.Std()
		pts = append(pts, plotter.XY{X: row.Alpha, Y: m})
		errs = append(errs, struct{ Low, High float64 }{s, s})
		top = max(top, m+s)
	}
	line, points, err := plotter.NewLinePoints(pts)
	if err != nil {
		return nil, err
	}
	line.Color, points.Color = figures.Palette[0], figures.Palette[0]
	bars, err := plotter.NewYErrorBars(struct {
		plotter.XYer
		plotter.YErrorer
	}{pts, errs})
	if err != nil {
		return nil, err
	}
	bars.Color = figures.Palette[0]
	p.Add(line, points, bars)
	p.Legend.Add("max-margin, bias moved", line, points)
	rw := r.Rows[len(r.Rows)-1]
	h, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 100 * rw.Mean()}, {X: 1, Y: 100 * rw.Mean()}})
	if err != nil {
		return nil, err
	}
	h.Color, h.Dashes = figures.Palette[1], []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(h)
	p.Legend.Add("re-weighting", h)
	v, err := plotter.NewLine(plotter.XYs{{X: 0.25, Y: 0}, {X: 0.25, Y: top}})
	if err != nil {
		return nil, err
	}
	v.Color, v.Dashes = figures.Palette[8], []vg.Length{vg.Points(1), vg.Points(2)}
	p.Add(v)
	p.Legend.Add("Theorem 3: α = 1/4", v)
	p.Legend.Top = true
	p.Y.Min = 0
	p.Add(plotter.NewGrid())
	return p, nil
}

// boundary returns two points of the line w·x + b = 0 (2-d) across the x-range [lo, hi].
func boundary(l theory.Linear, lo, hi float64) plotter.XYs {
	w0, w1 := l.W[0], l.W[1]
	if math.Abs(w1) < 1e-12 { // vertical line
		return plotter.XYs{{X: -l.B / w0, Y: lo}, {X: -l.B / w0, Y: hi}}
	}
	at := func(x float64) float64 { return -(l.B + w0*x) / w1 }
	return plotter.XYs{{X: lo, Y: at(lo)}, {X: hi, Y: at(hi)}}
}

// Fig1 is Figure 1 of the paper drawn from data: a separable 2-d two-class set, its
// max-margin boundary (equal margins, dashed) and the boundary moved to the margins of
// Theorem 3 (γ_j ∝ n_j^{−1/4}, solid), with the rare class's larger margin; the title gives
// γ₀ and γ₁ of both.
func Fig1(x [][]float64, y []int, svm theory.Linear) (*plot.Plot, error) {
	n := [2]int{}
	for _, c := range y {
		n[c]++
	}
	g0, g1 := svm.Margins(x, y)
	m0, m1 := theory.TwoClassOptimum(g0+g1, n[0], n[1])
	shifted := svm.WithMargins(x, y, m0)
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Fig. 1: max-margin γ0 = γ1 = %.2f; Theorem 3: γ0 = %.2f, γ1 = %.2f", g0, m0, m1)
	p.X.Label.Text, p.Y.Label.Text = "x₁", "x₂"
	lo, hi := math.Inf(1), math.Inf(-1)
	ylo, yhi := math.Inf(1), math.Inf(-1)
	for c := range 2 {
		var pts plotter.XYs
		for i, xi := range x {
			if y[i] == c {
				pts = append(pts, plotter.XY{X: xi[0], Y: xi[1]})
				lo, hi = min(lo, xi[0]), max(hi, xi[0])
				ylo, yhi = min(ylo, xi[1]), max(yhi, xi[1])
			}
		}
		s, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, err
		}
		s.Color = figures.Palette[c]
		p.Add(s)
		p.Legend.Add(fmt.Sprintf("class %d (n = %d)", c, n[c]), s)
	}
	for _, b := range []struct {
		l      theory.Linear
		name   string
		dashed bool
	}{{svm, "max-margin boundary", true}, {shifted, "bias moved: γ_j ~ n_j^-1/4", false}} {
		line, err := plotter.NewLine(boundary(b.l, lo, hi))
		if err != nil {
			return nil, err
		}
		line.Color, line.Width = figures.Palette[7], vg.Points(1.5)
		if b.dashed {
			line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		p.Add(line)
		p.Legend.Add(b.name, line)
	}
	// Room above the points for the legend.
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lo-0.5, hi+0.5, ylo-0.5, yhi+0.35*(yhi-ylo)+0.5
	p.Legend.Top, p.Legend.Left = true, false
	return p, nil
}

// MarginReport is a trained model's class margins (Eq. 2) on its training set beside the
// terms of the per-class bound (Eq. 4, with the unknown complexity C(F) set to 1).
type MarginReport struct {
	Counts  []int
	Margins []float64
	// Predicted are margins ∝ n_j^{−1/4} with the same sum as Margins (Eq. 9).
	Predicted []float64
	// MarginTerm is (1/γ_j)·sqrt(1/n_j), LogTerm log(n)/sqrt(n_j); Bound their class average
	// (Eq. 5 without constants).
	MarginTerm, LogTerm []float64
	Bound               float64
	TrainError          float64
}

// TrainedMargins trains the MLP (two hidden layers of 64) with the given loss on an imbalanced
// 3-class Gaussian mixture in 2-d (means on a ring of radius 3, σ = 0.5: separable) and
// measures its class margins on the training set.
func TrainedMargins(loss string, counts []int, epochs int, seed uint64) (*MarginReport, error) {
	train, err := datasets.GaussianMixture(datasets.RingMeans(len(counts), 2, 3), 0.5, counts, seed)
	if err != nil {
		return nil, err
	}
	test, err := datasets.GaussianMixture(datasets.RingMeans(len(counts), 2, 3), 0.5, []int{100, 100, 100}[:len(counts)], seed+1)
	if err != nil {
		return nil, err
	}
	run, err := experiment.Prepare(experiment.Config{Data: &experiment.Data{Name: "mixture", Classes: train.Classes, TrainPoints: train, TestPoints: test},
		Arch: "mlp", LossType: loss, Epochs: epochs, BatchSize: 32, Preset: "paper", Seed: seed})
	if err != nil {
		return nil, err
	}
	if err := run.Fit(); err != nil {
		return nil, err
	}
	out, err := run.Predict(tensors.FromFlatDataAndDimensions(train.X, train.Len(), train.Dim))
	if err != nil {
		return nil, err
	}
	logits32 := tensors.MustCopyFlatData[float32](out)
	out.MustFinalizeAll()
	logits := make([]float64, len(logits32))
	for i, v := range logits32 {
		logits[i] = float64(v)
	}
	k := len(counts)
	margins, err := theory.ClassMargins(logits, train.Labels, k)
	if err != nil {
		return nil, err
	}
	sum := 0.0
	for _, g := range margins {
		sum += g
	}
	r := &MarginReport{Counts: counts, Margins: margins, Predicted: theory.OptimalMargins(counts, sum),
		TrainError: run.Result.History[len(run.Result.History)-1].TrainError}
	n := 0
	for _, c := range counts {
		n += c
	}
	for j, g := range margins {
		nj := float64(counts[j])
		r.MarginTerm = append(r.MarginTerm, math.Sqrt(1/nj)/g)
		r.LogTerm = append(r.LogTerm, math.Log(float64(n))/math.Sqrt(nj))
	}
	r.Bound = theory.Bound(margins, counts, 1)
	return r, nil
}

// Table lists the margins and bound terms per class.
func (r *MarginReport) Table() Table {
	t := Table{Header: []string{"class", "n_j", "γ_j measured (Eq. 2)", "γ_j ∝ n_j^-1/4, same sum (Eq. 9)", "(1/γ_j)·√(1/n_j)", "log(n)/√n_j"}}
	for j := range r.Counts {
		t.Rows = append(t.Rows, []string{fmt.Sprint(j), fmt.Sprint(r.Counts[j]), fmt.Sprintf("%.3f", r.Margins[j]), fmt.Sprintf("%.3f", r.Predicted[j]),
			fmt.Sprintf("%.3f", r.MarginTerm[j]), fmt.Sprintf("%.3f", r.LogTerm[j])})
	}
	return t
}

// MarginRatiosTable compares, for trained models, each class's margin relative to the most
// frequent class's, γ_j/γ_0, with the ratio Eq. 9 predicts, (n_0/n_j)^{1/4}.
func MarginRatiosTable(names []string, reports []*MarginReport) Table {
	t := Table{Header: []string{"class", "n_j", "predicted (n_0/n_j)^1/4"}}
	for _, n := range names {
		t.Header = append(t.Header, n+": γ_j/γ_0")
	}
	counts := reports[0].Counts
	for j := range counts {
		row := []string{fmt.Sprint(j), fmt.Sprint(counts[j]), fmt.Sprintf("%.2f", math.Pow(float64(counts[0])/float64(counts[j]), 0.25))}
		for _, r := range reports {
			row = append(row, fmt.Sprintf("%.2f", r.Margins[j]/r.Margins[0]))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}
