package env

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestPresetName(t *testing.T) {
	for _, c := range []struct{ env, want, err string }{
		{"", "quick", ""}, {"lite", "lite", ""}, {"Paper", "paper", ""}, {"turbo", "", "LDAMLAB_PRESET"},
	} {
		t.Setenv(Preset, c.env)
		got, err := PresetName()
		if got != c.want || (c.err == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.err) {
			t.Errorf("$%s=%q: %q, %v", Preset, c.env, got, err)
		}
	}
}

func TestRootAndOut(t *testing.T) {
	t.Setenv(Root, "")
	t.Setenv(Out, "")
	root, err := RootDir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil || !strings.HasSuffix(filepath.Join(root, "lab", "env"), filepath.Join("lab", "env")) {
		t.Errorf("root %q has no go.mod: %v", root, err)
	}
	if out, _ := OutDir(); out != root {
		t.Errorf("OutDir %q, want the root %q", out, root)
	}
	t.Setenv(Out, "/tmp/elsewhere")
	if out, _ := OutDir(); out != "/tmp/elsewhere" {
		t.Errorf("OutDir with $%s: %q", Out, out)
	}
	t.Setenv(Root, "/x")
	if r, _ := RootDir(); r != "/x" {
		t.Errorf("RootDir with $%s: %q", Root, r)
	}
}

// TestReadNotebook: sources and stream texts as lists of lines or single strings.
func TestReadNotebook(t *testing.T) {
	f := filepath.Join(t.TempDir(), "n.ipynb")
	nb := `{"cells": [{"cell_type": "markdown", "source": ["# a\n", "b"]},
		{"cell_type": "code", "source": "%%\nfmt.Println(1)", "outputs": [{"text": ["1\n"]}, {"text": "2\n"}, {"data": {}}]}]}`
	if err := os.WriteFile(f, []byte(nb), 0o644); err != nil {
		t.Fatal(err)
	}
	cells, err := ReadNotebook(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []Cell{{Type: "markdown", Source: "# a\nb"}, {Type: "code", Source: "%%\nfmt.Println(1)", Text: "1\n2\n"}}
	if !reflect.DeepEqual(cells, want) {
		t.Errorf("cells %q, want %q", cells, want)
	}
	os.WriteFile(f, []byte("{"), 0o644)
	if _, err := ReadNotebook(f); err == nil {
		t.Error("a broken notebook read")
	}
}
