package env

import (
	"os"
	"path/filepath"
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
