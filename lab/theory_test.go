package lab

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ldamlab/ldamlab/ldam/theory"
)

// TestTheorem3Table: the table's means, standard deviations and paired differences from
// α = 1/4, on rows whose errors are known.
func TestTheorem3Table(t *testing.T) {
	res := &theory.Theorem3Result{Rows: []theory.Theorem3Row{
		{Name: "γ ∝ n^-0", Alpha: 0, Errors: []float64{0.10, 0.20}},
		{Name: "γ ∝ n^-1/4", Alpha: 0.25, Errors: []float64{0.08, 0.14}},
		{Name: "re-weighting", Alpha: math.NaN(), Errors: []float64{0.12, 0.12}},
	}}
	want := [][]string{
		{"γ ∝ n^-0", "15.00 ± 7.07", "+4.00 ± 2.00", "2"},
		{"γ ∝ n^-1/4", "11.00 ± 4.24", "+0.00 ± 0.00", "2"},
		{"re-weighting", "12.00 ± 0.00", "+1.00 ± 3.00", "2"},
	}
	if got := Theorem3Table(res).Rows; !reflect.DeepEqual(got, want) {
		t.Errorf("rows\n%q\nwant\n%q", got, want)
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
