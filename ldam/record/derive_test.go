package record

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestDerive: a value is computed once and read back while the checkpoint's content and the
// parameters stay the same; either changing recomputes it; a corrupt store or a read-only
// directory does not fail the call; an error of compute is returned and nothing is stored.
func TestDerive(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, CheckpointFile)
	if err := os.WriteFile(ckpt, []byte("weights v1"), 0o644); err != nil {
		t.Fatal(err)
	}
	type value struct {
		Errors []float64
		Many   *float64
	}
	calls := 0
	compute := func() (value, error) {
		calls++
		many := 0.1 + 0.2 // not exactly representable: must round-trip exactly
		return value{Errors: []float64{1.0 / 3, float64(calls)}, Many: &many}, nil
	}
	type params struct {
		Version int
		Lambda  float64
	}
	get := func(p params) value {
		t.Helper()
		v, err := Derive(dir, "stages", CheckpointFile, p, compute)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		what  string
		edit  func()
		p     params
		calls int
	}{
		{"first call", nil, params{1, 1e-3}, 1},
		{"same checkpoint and parameters", nil, params{1, 1e-3}, 1},
		{"other parameters", nil, params{1, 1e-2}, 2},
		{"a new version of the computation", nil, params{2, 1e-2}, 3},
		{"the stored value again", nil, params{2, 1e-2}, 3},
		{"a retrained checkpoint", func() { os.WriteFile(ckpt, []byte("weights v2"), 0o644) }, params{2, 1e-2}, 4},
		{"a corrupt store", func() { os.WriteFile(filepath.Join(dir, DerivedFile), []byte("{\"stages\": "), 0o644) }, params{2, 1e-2}, 5},
		{"after the corrupt store was rewritten", nil, params{2, 1e-2}, 5},
	} {
		if c.edit != nil {
			c.edit()
		}
		v := get(c.p)
		if calls != c.calls {
			t.Errorf("%s: %d computations, want %d", c.what, calls, c.calls)
		}
		if v.Errors[0] != 1.0/3 || *v.Many != 0.1+0.2 || v.Errors[1] != float64(calls) {
			t.Errorf("%s: value %+v does not round-trip", c.what, v)
		}
	}
	// Another measurement of the same run is stored beside, not over, the first.
	if _, err := Derive(dir, "margins", CheckpointFile, params{1, 0}, compute); err != nil {
		t.Fatal(err)
	}
	get(params{2, 1e-2})
	if calls != 6 {
		t.Errorf("two measurements: %d computations, want 6", calls)
	}
	boom := errors.New("boom")
	if _, err := Derive(dir, "probe", CheckpointFile, 0, func() (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Errorf("compute's error: %v", err)
	}
	if _, err := Derive(dir, "x", "missing.ckpt", 0, func() (int, error) { return 1, nil }); err == nil {
		t.Error("a missing checkpoint was accepted")
	}
	// A store that cannot be written (here a directory where the file should be) costs only
	// the recomputation.
	blocked := t.TempDir()
	os.WriteFile(filepath.Join(blocked, CheckpointFile), []byte("w"), 0o644)
	os.MkdirAll(filepath.Join(blocked, DerivedFile, "x"), 0o755)
	for i := range 2 {
		if v, err := Derive(blocked, "x", CheckpointFile, 0, func() (int, error) { return 7, nil }); err != nil || v != 7 {
			t.Errorf("unwritable store, call %d: %v, %v", i, v, err)
		}
	}
}
