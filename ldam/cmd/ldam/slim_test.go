package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/ldamlab/ldamlab/ldam/ckpt"
	"github.com/ldamlab/ldamlab/ldam/record"
)

// TestSlimCommand: ldam slim halves a finished run's final checkpoint and leaves its first
// stage and every file of an unfinished run as they were.
func TestSlimCommand(t *testing.T) {
	root := t.TempDir()
	store := model.NewStore()
	store.VariableWithValue("/net/w", make([]float32, 1000))
	store.VariableWithValue("/optimizers/sgd_momentum/net/w", make([]float32, 1000))
	write := func(dir string, done bool, files ...string) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := record.WriteJSON(filepath.Join(dir, record.ResultsFile), &record.Result{Done: done}); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if err := ckpt.Save(filepath.Join(dir, f), store, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	finished := filepath.Join(root, "table2", "erm", "seed-0")
	unfinished := filepath.Join(root, "table2", "ldam", "seed-0")
	write(finished, true, record.CheckpointFile, record.Stage1File)
	write(unfinished, false, record.CheckpointFile)
	size := func(f string) int64 {
		info, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		return info.Size()
	}
	whole := size(filepath.Join(unfinished, record.CheckpointFile))
	var out, errb bytes.Buffer
	if code := run([]string{"slim", root}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if got := size(filepath.Join(finished, record.CheckpointFile)); got > whole*6/10 {
		t.Errorf("the finished run's checkpoint has %d of %d bytes after slimming", got, whole)
	}
	for _, f := range []string{filepath.Join(finished, record.Stage1File), filepath.Join(unfinished, record.CheckpointFile)} {
		if got := size(f); got != whole {
			t.Errorf("%s: %d bytes, want it whole (%d)", f, got, whole)
		}
	}
	if !strings.Contains(out.String(), "unfinished, left whole") || !strings.Contains(out.String(), "MB freed") {
		t.Errorf("output:\n%s", out.String())
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"slim"}, 2, "usage: ldam slim"},
		{[]string{"slim", t.TempDir()}, 1, "no run"},
		{[]string{"slim", filepath.Join(root, "missing")}, 1, "no such file"},
	} {
		var out, errb bytes.Buffer
		if code := run(tc.args, &out, &errb); code != tc.code || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("ldam %v: exit %d, stderr %q; want %d and %q", tc.args, code, errb.String(), tc.code, tc.want)
		}
	}
}
