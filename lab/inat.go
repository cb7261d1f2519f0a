package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/datasets/catalog"
	"github.com/ldamlab/ldamlab/figures"
)

// Section 4.3 on iNaturalist 2018 (08-inaturalist.ipynb): Table 3 and the natural imbalance.

// INatData is what the notebook finds of iNaturalist 2018 on this machine.
type INatData struct {
	// Dir is where it looked: <data dir>/inat2018 ($LDAMLAB_DATA or the user cache).
	Dir string
	// Counts are the training images per class from train2018.json (nil when it is absent).
	Counts []int
	// Images is the number of training images the annotation lists, Present how many of
	// those files exist under Dir (the images come from a 120 GB archive).
	Images, Present int
}

// FindINat looks for iNaturalist 2018 under the data directory: the annotation file, and
// which of its images are on disk. Absent data is not an error: Counts stays nil.
func FindINat() (*INatData, error) {
	base, err := catalog.DataDir("")
	if err != nil {
		return nil, err
	}
	d := &INatData{Dir: filepath.Join(base, "inat2018")}
	if _, err := os.Stat(filepath.Join(d.Dir, "train2018.json")); os.IsNotExist(err) {
		return d, nil
	}
	tr, err := datasets.LoadINat(d.Dir, "train")
	if err != nil {
		return nil, err
	}
	d.Counts = make([]int, len(tr.Classes))
	for i, y := range tr.Labels {
		d.Counts[y]++
		if _, err := os.Stat(filepath.Join(d.Dir, tr.Files[i])); err == nil {
			d.Present++
		}
	}
	d.Images = tr.Len()
	return d, nil
}

// Summary says in one line what was found.
func (d *INatData) Summary() string {
	if d.Counts == nil {
		return fmt.Sprintf("iNaturalist 2018 is not on this machine (looked for %s): %s", displayPath(filepath.Join(d.Dir, "train2018.json")), datasets.INatHelp)
	}
	most, least := 0, d.Images
	for _, n := range d.Counts {
		most, least = max(most, n), min(least, n)
	}
	return fmt.Sprintf("iNaturalist 2018 training annotation: %d images in %d classes, %d to %d per class (ρ = %.0f); %d of the images are on disk",
		d.Images, len(d.Counts), most, least, float64(most)/float64(max(least, 1)), d.Present)
}

// Plot draws the class-count profile of the training annotation (most frequent class first,
// log scale).
func (d *INatData) Plot() (*plot.Plot, error) {
	if d.Counts == nil {
		return nil, fmt.Errorf("lab: no iNaturalist annotation in %s", d.Dir)
	}
	var v []float64
	for _, n := range d.Counts {
		if n > 0 {
			v = append(v, float64(n))
		}
	}
	return figures.CountProfiles("iNaturalist 2018 training set: images per class", []figures.Series{{Name: "train2018.json", Values: v}})
}

// displayPath shows a path without this machine's home directory or checkout ("~/…",
// "<repository>/…"), as notebook outputs must.
func displayPath(p string) string {
	if root, err := Root(); err == nil {
		if rel, err := filepath.Rel(root, p); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.Join("<repository>", rel)
		}
	}
	if home, err := os.UserHomeDir(); err == nil && home != "/" {
		if rel, err := filepath.Rel(home, p); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.Join("~", rel)
		}
	}
	return p
}
