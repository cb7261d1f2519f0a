package lab

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/ldamlab/ldamlab/ldam/theory"
)

func TestTheorem3Experiment(t *testing.T) {
	c := DefaultTheorem3()
	c.Trials, c.TestPerClass = 20, 4000
	res, err := RunTheorem3(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != len(c.Alphas)+1 {
		t.Fatalf("%d rows", len(res.Rows))
	}
	for _, r := range res.Rows {
		if len(r.Errors) != c.Trials || !(r.Mean() > 0 && r.Mean() < 0.5) {
			t.Errorf("%s: %d draws, mean %g", r.Name, len(r.Errors), r.Mean())
		}
	}
	// Moving the bias toward the rare class's larger margin must lower the rare class's error
	// and raise the frequent one's: α = 1 differs from α = 0.
	if res.Rows[0].Mean() == res.Rows[4].Mean() {
		t.Error("the bias shift changed nothing")
	}
	tb := res.Table()
	if len(tb.Rows) != 6 || !strings.Contains(tb.Rows[1][0], "1/4") {
		t.Errorf("table %v", tb.Rows)
	}
	if _, err := res.Plot(); err != nil {
		t.Error(err)
	}
	if _, err := RunTheorem3(Theorem3Config{}); err == nil {
		t.Error("an empty configuration was accepted")
	}
}

// TestBalancedErrorMatchesGaussianTail checks the test-sample error against the exact value of
// a fixed boundary: for x₁ > 0.5 on N(±2.5·e₁, I) the errors are Φ(−2) and Φ(−3).
func TestBalancedErrorMatchesGaussianTail(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	n := 200000
	test := append(gaussianPoints(rng, n, 2, 2.5), gaussianPoints(rng, n, 2, -2.5)...)
	l := lineAt(0.5)
	phi := func(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }
	want := (phi(-2) + phi(-3)) / 2
	if got := balancedError(l, test, n); math.Abs(got-want) > 0.002 {
		t.Errorf("balanced error %g, exact %g", got, want)
	}
}

func TestFig1(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x, y, svm, _, err := TwoGaussians(rng, 60, 6, 2, 2.5)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Fig1(x, y, svm)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Render(p, FigureWidth, FigureHeight)
	if err != nil || !strings.Contains(f.Text, "Theorem 3") || len(f.PNG) < 1000 {
		t.Errorf("Fig. 1: %v %q", err, f.Text)
	}
}

// lineAt is the classifier x₁ > a.
func lineAt(a float64) theory.Linear { return theory.Linear{W: []float64{1, 0}, B: -a} }

func TestTrainedMargins(t *testing.T) {
	r, err := TrainedMargins("CE", []int{200, 40, 8}, 40, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.TrainError > 0.05 {
		t.Errorf("training error %g: the mixture should be (nearly) fitted", r.TrainError)
	}
	sum, psum := 0.0, 0.0
	for j := range r.Margins {
		sum += r.Margins[j]
		psum += r.Predicted[j]
		if math.Abs(r.LogTerm[j]-math.Log(248)/math.Sqrt(float64(r.Counts[j]))) > 1e-12 {
			t.Errorf("log term %d = %g", j, r.LogTerm[j])
		}
	}
	if math.Abs(sum-psum) > 1e-9 || !(r.Predicted[2] > r.Predicted[0]) {
		t.Errorf("predicted margins %v for measured %v", r.Predicted, r.Margins)
	}
	if len(r.Table().Rows) != 3 {
		t.Error("table rows")
	}
}

func TestMarginExplorerHeadless(t *testing.T) {
	t.Setenv(EnvOut, t.TempDir())
	t.Setenv(EnvHeadless, "1")
	if Interactive() {
		t.Fatal("interactive outside a notebook")
	}
	// Headless (and outside GoNB) it draws the defaults and returns at once.
	if err := MarginExplorer("tradeoff-test", 5000, 50, 1, time.Hour); err != nil {
		t.Fatal(err)
	}
	_, text, err := TradeOffView(5000, 50, 1)
	if err != nil || !strings.Contains(text, "optimal γ1 = 0.240, γ2 = 0.760") {
		t.Errorf("text %q, %v", text, err)
	}
	if _, _, err := TradeOffView(0, 50, 1); err == nil {
		t.Error("n1 = 0 accepted")
	}
}

func TestShowPlotlyHeadless(t *testing.T) {
	t.Setenv(EnvHeadless, "1")
	if shown, err := ShowPlotly([]byte(`{"data": [], "layout": {}}`)); shown || err != nil {
		t.Errorf("headless: shown %v, err %v; want false, nil", shown, err)
	}
	if _, err := ShowPlotly([]byte(`{"data": [`)); err == nil {
		t.Error("broken JSON: no error")
	}
}
