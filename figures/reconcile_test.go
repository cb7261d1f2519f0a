package figures

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/ldamlab/ldamlab/ldam/metrics"
	"github.com/ldamlab/ldamlab/ldam/record"
)

// run is a finished result whose balanced test error by epoch is errs.
func run(seed uint64, rule string, errs ...float64) *record.Result {
	r := &record.Result{Config: record.Config{Seed: seed, TrainRule: rule}, Done: true}
	r.Preset.DeferEpoch = 2
	for i, e := range errs {
		r.History = append(r.History, record.Epoch{Epoch: i, Test: metrics.Result{Top1Error: e}})
	}
	return r
}

// TestReconciliation: one panel per method; each side's mean is over the seeds that reached an
// epoch; the legend gives each side's number of runs and, for deferred runs, T0.
func TestReconciliation(t *testing.T) {
	ours := []*record.Result{run(0, "DRW", 0.9, 0.6, 0.4), run(1, "DRW", 0.7, 0.4, 0.2)}
	official := []*record.Result{run(0, "DRW", 0.8, 0.5, 0.3)}
	mean := meanCurve(append(ours, run(2, "DRW", 0.5)))
	want := []float64{70, 50, 30}
	if len(mean) != 3 {
		t.Fatalf("mean curve %v", mean)
	}
	for i, w := range want {
		if mean[i].X != float64(i+1) || math.Abs(mean[i].Y-w) > 1e-9 {
			t.Errorf("epoch %d: mean %v, want (%d, %g)", i, mean[i], i+1, w)
		}
	}
	f, err := Reconciliation("ours against the official recipe", []ReconciledRow{
		{Method: "ERM-DRW", Ours: ours, Official: official},
		{Method: "ERM", Ours: []*record.Result{run(0, "None", 0.9, 0.8, 0.7)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Rows) != 1 || len(f.Rows[0]) != 2 {
		t.Fatalf("panels %v", f.Rows)
	}
	c := vgsvg.New(8*vg.Inch, 3*vg.Inch)
	f.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	for _, s := range []string{"ERM-DRW", "ours (n = 2)", "official recipe (n = 1)", "T0 = 2", "ours (n = 1)"} {
		if !strings.Contains(svg, s) {
			t.Errorf("the figure does not show %q", s)
		}
	}
	if strings.Count(svg, "T0 = 2") != 1 {
		t.Error("T0 marked on a panel without deferred runs")
	}
	if _, err := Reconciliation("x", []ReconciledRow{{Method: "LDAM"}}); err == nil {
		t.Error("a row with no run on either side was drawn")
	}
}
