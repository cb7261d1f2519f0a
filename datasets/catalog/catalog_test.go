package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDataDir: the flag wins, then $LDAMLAB_DATA, then the user cache directory.
func TestDataDir(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	for _, c := range []struct{ name, flag, env, want string }{
		{"flag", "/flag", "/env", "/flag"},
		{"variable", "", "/env", "/env"},
		{"cache", "", "", filepath.Join(cache, "ldamlab")},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(EnvDataDir, c.env)
			got, err := DataDir(c.flag)
			if err != nil || got != c.want {
				t.Errorf("DataDir(%q) with %s=%q = %q, %v; want %q", c.flag, EnvDataDir, c.env, got, err, c.want)
			}
		})
	}
}

// TestOfflineFile: an unset variable and a missing file are errors that name the variable and
// the file; a present file is found.
func TestOfflineFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvOffline, "")
	if _, err := OfflineFile(IMDBOffline); err == nil || !strings.Contains(err.Error(), EnvOffline+" is not set") {
		t.Errorf("unset: %v", err)
	}
	t.Setenv(EnvOffline, dir)
	if _, err := OfflineFile(IMDBOffline); err == nil || !strings.Contains(err.Error(), IMDBOffline+" is missing") {
		t.Errorf("missing: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, IMDBOffline), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if p, err := OfflineFile(IMDBOffline); err != nil || p != filepath.Join(dir, IMDBOffline) {
		t.Errorf("present: %q, %v", p, err)
	}
}
