package tables

import (
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/lab/env"
)

// TestCommittedReadingsMatchResults: the readings that notebooks 00 and 06 print, as committed,
// are what CoreReading makes of the committed results now — a run committed without
// re-executing the notebooks fails here, so no reading goes stale.
func TestCommittedReadingsMatchResults(t *testing.T) {
	want, err := CoreReading("..", "lite", "C10 LT 100")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"../notebooks/00-start-here.ipynb", "../notebooks/06-cifar.ipynb"} {
		cells, err := env.ReadNotebook(f)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, c := range cells {
			if c.Type != "code" || !strings.Contains(c.Source, `tables.CoreReading(root, "lite", "C10 LT 100")`) {
				continue
			}
			found = true
			if strings.TrimSpace(c.Text) != want {
				t.Errorf("%s: the committed reading\n%s\nis not what results/ says now\n%s\nre-execute the notebook (go run ./kernel run %s)", f, c.Text, want, strings.TrimPrefix(f, "../"))
			}
		}
		if !found {
			t.Errorf("%s has no cell printing the core rows' reading", f)
		}
	}
}
