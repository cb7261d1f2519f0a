package paper

import (
	"math"
	"testing"
)

func TestTablesAreWellFormed(t *testing.T) {
	if len(Tables) != 7 {
		t.Fatalf("%d tables, want the paper's 6 and the follow-ups' (beyond)", len(Tables))
	}
	for _, tb := range Tables {
		for _, r := range tb.Rows {
			if len(r.Errors) != len(tb.Columns) {
				t.Errorf("%s %s: %d values for %d columns", tb.Name, r.Method, len(r.Errors), len(tb.Columns))
			}
			for i, e := range r.Errors {
				missing := false
				for _, m := range r.Missing {
					missing = missing || m == i
				}
				if !missing && !(e > 0 && e < 100) {
					t.Errorf("%s %s %s: %g is not an error rate in %%", tb.Name, r.Method, tb.Columns[i], e)
				}
			}
		}
	}
}

func TestValues(t *testing.T) {
	cases := []struct {
		table, method, column string
		want                  float64
		ok                    bool
	}{
		{"table2", "LDAM-DRW", "C10 LT 100", 22.97, true},
		{"table2", "ERM", "C100 step 100", 61.45, true},
		{"table5", "ERM", "C100 step 100", 61.05, true}, // the paper's own inconsistency, kept
		{"table2", "HG-DRS", "C100 LT 100", 0, false},   // hinge losses: CIFAR-10 only
		{"Table1", "LDAM-DRW", "mean", 17.84, true},
		{"table4", "LDAM-DRW", "LT 100 top-5", 39.06, true},
		{"table2", "LDAM-DRW", "C10 LT 1000", 0, false},
	}
	for _, c := range cases {
		tb, err := Lookup(c.table)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := tb.Value(c.method, c.column)
		if ok != c.ok || math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s %s %s = %g, %v; want %g, %v", c.table, c.method, c.column, got, ok, c.want, c.ok)
		}
	}
	// Table 1's mean is the balanced error: the mean of the two per-class errors.
	tb, _ := Lookup("table1")
	for _, r := range tb.Rows {
		if math.Abs((r.Errors[0]+r.Errors[1])/2-r.Errors[2]) > 0.006 {
			t.Errorf("table 1 %s: mean %g of %g and %g", r.Method, r.Errors[2], r.Errors[0], r.Errors[1])
		}
	}
	if _, err := Lookup("table9"); err == nil {
		t.Error("unknown table accepted")
	}
}

// TestSelectionsAreTableCells: every selection names rows and a column of its table that the
// paper gives a number for.
func TestSelectionsAreTableCells(t *testing.T) {
	for name, s := range map[string]Selection{
		"Fig2": Fig2, "Fig3": Fig3, "Fig6": Fig6, "Table1Mean": Table1Mean, "Table4LT100": Table4LT100, "Table6LT100a": Table6LT100a,
	} {
		tb, err := Lookup(s.Table)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(s.Methods) == 0 {
			t.Errorf("%s selects no method", name)
		}
		for _, m := range s.Methods {
			if _, ok := tb.Value(m, s.Column); !ok {
				t.Errorf("%s: %s has no %s %q", name, s.Table, m, s.Column)
			}
		}
	}
}
