package lab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/figures"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/metrics"
	"github.com/ldamlab/ldamlab/ldam/paper"
	"github.com/ldamlab/ldamlab/ldam/record"
)

func TestRecipeTable(t *testing.T) {
	cases := []struct{ dataset, preset, want string }{
		{"cifar10", "paper", "| paper | 200 | 128 | SGD, momentum 0.9, weight decay 0.0002 | 0.1, warm-up 5 epoch(s), ×0.01 from epoch 160 and 180 | 160 | full data |"},
		{"imdb", "quick", "| quick | 10 | 128 | Adam, weight decay 0 | 0.001, ×0.1 from epoch 8 | 8 | 200 / 50 |"},
		{"inat2018", "paper", "| paper | 90 | 256 | SGD, momentum 0.9, weight decay 0.0001 | 0.1, ×0.1 from epoch 30 and 60 | 60 | full data |"},
		{"tinyimagenet", "lite", "| lite | 12 |"},
	}
	for _, c := range cases {
		if md := RecipeTable(c.dataset).Markdown(); !strings.Contains(md, c.want) {
			t.Errorf("%s recipe lacks %q:\n%s", c.dataset, c.want, md)
		}
	}
}

func result(perClass []float64, trainCounts, testCounts []int) *experiment.Result {
	f := &metrics.Result{PerClassError: perClass}
	wrong, n := 0.0, 0
	for j, e := range perClass {
		f.Top1Error += e / float64(len(perClass))
		wrong += e * float64(testCounts[j])
		n += testCounts[j]
	}
	f.OverallError = wrong / float64(n)
	return &experiment.Result{Backend: "Go Backend", Done: true, Final: f, Config: experiment.Config{Seed: 2},
		Data: record.DataSummary{Source: "test data", TrainCounts: trainCounts, TestCounts: testCounts}}
}

func TestIMDBAndTable6Tables(t *testing.T) {
	runs := []CommittedRun{{Table: "table1", Method: "LDAM-DRW", Column: paper.Table1Mean.Column, Result: result([]float64{0.30, 0.05}, []int{1250, 12500}, []int{100, 100})}}
	tb, err := IMDBTable(runs)
	if err != nil {
		t.Fatal(err)
	}
	if md := tb.Markdown(); !strings.Contains(md, "| LDAM-DRW | 30.00 / 30.77 | 5.00 / 4.91 | 17.50 / 17.84 | 1250 / 12500 |") {
		t.Errorf("IMDB table:\n%s", md)
	}
	runs[0].Result.Final.PerClassError = []float64{0.3}
	if _, err := IMDBTable(runs); err == nil {
		t.Error("an IMDB run without two per-class errors: no error")
	}
	t6 := Table6Table([]CommittedRun{{Table: "table6", Method: "ERM", Column: paper.Table6LT100a.Column, Paper: 30.99, Result: result([]float64{0.1, 0.9}, []int{100, 1}, []int{90, 10})}})
	if md := t6.Markdown(); !strings.Contains(md, "| ERM | 18.00 | 50.00 | 30.99 | 100 |") {
		t.Errorf("Table 6 table:\n%s", md)
	}
	eq, err := Eq15Table([]int{16, 1}, []int{1, 16}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	// Eq. 13: Δ ∝ n^{-1/4} → 0.25, 0.5; Eq. 15: Δ ∝ (n'/n)^{1/4} → 0.125, 0.5.
	if md := eq.Markdown(); !strings.Contains(md, "| 0 | 16 | 1 | 0.250 | 0.125 |") || !strings.Contains(md, "| 1 | 1 | 16 | 0.500 | 0.500 |") {
		t.Errorf("Eq. 15 table:\n%s", md)
	}
}

func TestFindINatAndProfiles(t *testing.T) {
	data := t.TempDir()
	t.Setenv("LDAMLAB_DATA", data)
	d, err := FindINat()
	if err != nil || d.Counts != nil || !strings.Contains(d.Summary(), "not on this machine") {
		t.Fatalf("no iNaturalist: %+v, %v, %q", d, err, d.Summary())
	}
	home, _ := os.UserHomeDir()
	t.Setenv("LDAMLAB_DATA", filepath.Join(home, ".cache", "x"))
	if d, _ := FindINat(); strings.Contains(d.Summary(), home+"/") || !strings.Contains(d.Summary(), "~/.cache/x/inat2018/train2018.json") {
		t.Errorf("summary shows the home directory: %q", d.Summary())
	}
	t.Setenv("LDAMLAB_DATA", data)
	if _, err := d.Plot(); err == nil {
		t.Error("a plot without data: no error")
	}
	dir := filepath.Join(data, "inat2018")
	if err := os.MkdirAll(filepath.Join(dir, "train_val2018"), 0o755); err != nil {
		t.Fatal(err)
	}
	js := `{"images":[{"id":1,"file_name":"train_val2018/a.jpg"},{"id":2,"file_name":"train_val2018/b.jpg"},{"id":3,"file_name":"train_val2018/c.jpg"}],
		"annotations":[{"image_id":1,"category_id":0},{"image_id":2,"category_id":0},{"image_id":3,"category_id":1}],
		"categories":[{"id":0,"name":"x"},{"id":1,"name":"y"}]}`
	if err := os.WriteFile(filepath.Join(dir, "train2018.json"), []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "train_val2018", "b.jpg"), []byte("jpeg"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err = FindINat()
	if err != nil {
		t.Fatal(err)
	}
	if d.Images != 3 || d.Present != 1 || len(d.Counts) != 2 || d.Counts[0] != 2 || d.Counts[1] != 1 {
		t.Fatalf("found %+v", d)
	}
	if s := d.Summary(); !strings.Contains(s, "3 images in 2 classes, 2 to 1 per class (ρ = 2); 1 of the images are on disk") {
		t.Errorf("summary %q", s)
	}
	if p, err := d.Plot(); err != nil || p == nil {
		t.Fatal(err)
	}
	p, err := TinyImageNetProfiles()
	if err != nil {
		t.Fatal(err)
	}
	if title := figures.Title(p); !strings.Contains(title, "Tiny ImageNet") {
		t.Errorf("title %q", title)
	}
	if _, err := Render(p, 500, 300); err != nil {
		t.Fatal(err)
	}
}

func TestTable4(t *testing.T) {
	t.Setenv(EnvPreset, "quick")
	runs, msg, err := Table4Runs(0)
	if err != nil || runs != nil || !strings.Contains(msg, "not training Table 4") {
		t.Errorf("quick Table 4: %v runs, %q, %v", runs, msg, err)
	}
	r := result([]float64{0.5, 0.7}, []int{500, 5}, []int{50, 50})
	r.Final.Top5Error = 0.3
	tb := Table4Table([]CommittedRun{{Table: "table4", Method: "LDAM-DRW", Column: paper.Table4LT100.Column, Result: r}})
	if md := tb.Markdown(); !strings.Contains(md, "| LDAM-DRW | 60.00 / 30.00 | 62.53 / 39.06 |") {
		t.Errorf("Table 4 table:\n%s", md)
	}
}
