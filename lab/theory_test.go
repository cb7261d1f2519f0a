package lab

import (
	"strings"
	"testing"
	"time"
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
