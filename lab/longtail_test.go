package lab

import (
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/datasets"
)

func TestImbalancedSetsTable(t *testing.T) {
	sets, err := datasets.ImbalancedSets(10, 100)
	if err != nil {
		t.Fatal(err)
	}
	md := ImbalancedSetsTable(sets).Markdown()
	if !strings.Contains(md, "| CIFAR-10 | long-tailed | 100 | 5000 2997 1796 1077 645 387 232 139 83 50 | 12406 |") ||
		!strings.Contains(md, "| Tiny ImageNet | step | 100 | 500 500 500 … 5 5 5 | 50500 |") {
		t.Errorf("table:\n%s", md)
	}
}

func TestSectionOneFigures(t *testing.T) {
	f4, err := Fig4()
	if err != nil || len(f4.Rows[0]) != 3 {
		t.Fatalf("Fig. 4: %v", err)
	}
	f7, err := Fig7([2]uint64{1, 2})
	if err != nil || len(f7.Rows[0]) != 3 {
		t.Fatalf("Fig. 7: %v", err)
	}
	r4, err := Render(f4, 9*72, 3*72)
	if err != nil || !strings.Contains(r4.SVG, "(c) step, ρ = 10") || len(r4.PNG) < 1000 {
		t.Errorf("Fig. 4 render: %v", err)
	}
	r7, err := Render(f7, 9*72, 3*72)
	if err != nil || !strings.Contains(r7.SVG, "test distribution 2 (seed 2)") {
		t.Errorf("Fig. 7 render: %v", err)
	}
	if r7.Text != "figure: Fig. 7: CIFAR-10-LT ρ = 100, training and permuted test distributions" {
		t.Errorf("text stand-in %q", r7.Text)
	}
}

func TestTableRenders(t *testing.T) {
	tb := Table{Header: []string{"a", "b|c"}, Rows: [][]string{{"<1>", "2"}}}
	if got := tb.Markdown(); got != "| a | b\\|c |\n|---|---|\n| <1> | 2 |\n" {
		t.Errorf("markdown %q", got)
	}
}
