package tables

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
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
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var nb struct {
			Cells []struct {
				Type    string   `json:"cell_type"`
				Source  []string `json:"source"`
				Outputs []struct {
					Text []string `json:"text"`
				} `json:"outputs"`
			} `json:"cells"`
		}
		if err := json.Unmarshal(b, &nb); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, c := range nb.Cells {
			if c.Type != "code" || !strings.Contains(strings.Join(c.Source, ""), `tables.CoreReading(root, "lite", "C10 LT 100")`) {
				continue
			}
			found = true
			var got strings.Builder
			for _, o := range c.Outputs {
				got.WriteString(strings.Join(o.Text, ""))
			}
			if strings.TrimSpace(got.String()) != want {
				t.Errorf("%s: the committed reading\n%s\nis not what results/ says now\n%s\nre-execute the notebook (go run ./kernel run %s)", f, got.String(), want, strings.TrimPrefix(f, "../"))
			}
		}
		if !found {
			t.Errorf("%s has no cell printing the core rows' reading", f)
		}
	}
}
