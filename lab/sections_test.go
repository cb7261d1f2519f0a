package lab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/figures"
)

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
	p, err := figures.TinyImageNetProfiles()
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
}
