package lab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ldamlab/ldamlab/ldam/toy"
)

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

// TestToyExplorerHeadless: headless, the toy explorer trains the five methods with the given
// settings, saves both figures and returns; the view changes with the settings.
func TestToyExplorerHeadless(t *testing.T) {
	out := t.TempDir()
	t.Setenv(EnvOut, out)
	t.Setenv(EnvHeadless, "1")
	start := time.Now()
	if err := ToyExplorer("toy-test", toy.Default(), time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"toy-test-boundaries.svg", "toy-test-margins.png"} {
		if _, err := os.Stat(filepath.Join(out, "figures", f)); err != nil {
			t.Error(err)
		}
	}
	t.Logf("trained and drew the five methods in %v", time.Since(start))
	_, _, a, err := ToyView(toy.Default())
	if err != nil {
		t.Fatal(err)
	}
	c := toy.Default()
	c.MaxMargin = 0 // LDAM without margins is cross-entropy
	_, _, b, err := ToyView(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Rows) != len(toy.Methods) || a.Rows[2][1] == b.Rows[2][1] || b.Rows[2][1] != b.Rows[0][1] {
		t.Errorf("LDAM with Δ_max 0.5 and 0, and CE: %q, %q, %q", a.Rows[2][1], b.Rows[2][1], b.Rows[0][1])
	}
}
