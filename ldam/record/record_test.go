package record

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/datasets/catalog"
)

// TestCommittedResultsRoundTrip: every results.json committed under results/ — ours and the
// PyTorch reference's — reads into Result and writes back with no field lost or changed, so the
// schema carries everything the registry holds.
func TestCommittedResultsRoundTrip(t *testing.T) {
	root := filepath.Join("..", "..", "results")
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != ResultsFile {
			return err
		}
		n++
		r, err := ReadResult(p)
		if err != nil {
			t.Error(err)
			return nil
		}
		again, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		orig, _ := os.ReadFile(p)
		var a, b map[string]any
		if err := json.Unmarshal(orig, &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(again, &b); err != nil {
			t.Fatal(err)
		}
		lost(t, p, "", a, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 40 {
		t.Fatalf("only %d results.json under %s: the committed registry is missing", n, root)
	}
}

// lost reports every key of the original a whose value b does not carry. The reference's
// config also names its engine and threads (its runs are told apart by their directory,
// results/<preset>/reference/), which Config does not hold.
func lost(t *testing.T, file, prefix string, a, b map[string]any) {
	t.Helper()
	for k, v := range a {
		if prefix == "config." && (k == "Engine" || k == "Threads") && strings.Contains(file, "/reference/") {
			continue
		}
		if prefix == "config." && retired[k] {
			if v != false {
				t.Errorf("%s: retired option %s%s = %v: the run did not use the default this build has", file, prefix, k, v)
			}
			continue
		}
		if am, ok := v.(map[string]any); ok && k == "config" {
			bm, _ := b[k].(map[string]any)
			lost(t, file, prefix+k+".", am, bm)
			continue
		}
		if !reflect.DeepEqual(v, b[k]) {
			t.Errorf("%s: %s%s does not survive Result: %v became %v", file, prefix, k, v, b[k])
		}
	}
}

// retired are options that earlier builds recorded and this one no longer has, each only ever
// false in committed runs: KeepColumns kept the im2col columns of a convolution since replaced
// (a memory option that did not change the numbers).
var retired = map[string]bool{"KeepColumns": true}

// TestReadResultNamesTheFix: a truncated results.json is an error that names the file and what
// to do, not a zero Result.
func TestReadResultNamesTheFix(t *testing.T) {
	p := filepath.Join(t.TempDir(), ResultsFile)
	if err := os.WriteFile(p, []byte(`{"config": {"Dataset": "cifar10"`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadResult(p)
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "delete it to retrain") {
		t.Fatalf("truncated results.json: %v", err)
	}
}

func TestStaleSelection(t *testing.T) {
	for _, c := range []struct {
		name, selection string
		stale           bool
	}{
		{"cifar10", catalog.Selection, false},
		{"cifar10", "", true},
		{"tinyimagenet", "", true},
		{"inat2018", "", false},   // natural imbalance: nothing selected
		{"points", "", false},     // data given in Config.Data
		{"imdb", "another", true}, // a selection this build does not make
	} {
		r := &Result{Data: DataSummary{Name: c.name, Selection: c.selection}}
		if got := StaleSelection(r); got != c.stale {
			t.Errorf("%s with selection %q: stale %v, want %v", c.name, c.selection, got, c.stale)
		}
	}
}

// TestWriteJSONIsAtomic: WriteJSON replaces a file whole, and a value that cannot be encoded
// leaves the old file as it was.
func TestWriteJSONIsAtomic(t *testing.T) {
	p := filepath.Join(t.TempDir(), ResultsFile)
	if err := WriteJSON(p, &Result{Done: true}); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(p, map[string]any{"bad": func() {}}); err == nil {
		t.Fatal("encoding a function succeeded")
	}
	r, err := ReadResult(p)
	if err != nil || !r.Done {
		t.Fatalf("after a failed write: %v, %+v", err, r)
	}
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(p), "*")); len(m) != 1 {
		t.Errorf("files left beside results.json: %v", m)
	}
}
