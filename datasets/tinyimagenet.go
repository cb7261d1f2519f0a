package datasets

import (
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"

	"github.com/ldamlab/ldamlab/datasets/catalog"
	"github.com/ldamlab/ldamlab/datasets/fetch"
)

// TinyImageNet normalization (ImageNet statistics).
var (
	ImageNetMean = [3]float32{0.485, 0.456, 0.406}
	ImageNetStd  = [3]float32{0.229, 0.224, 0.225}
)

// LoadTinyImageNetOffline reads the offline Tiny ImageNet-200 copy from dir: both train parts
// (500 images per class), the val split sorted into class folders (50 per class), and the class
// order from the line order of wnids.txt. Grayscale images are converted to RGB.
func LoadTinyImageNetOffline(dir string) (Split, error) {
	meta := filepath.Join(dir, catalog.TinyImageNetOffline.Meta)
	wnids, err := readArchiveLines(meta, "wnids.txt")
	if err != nil {
		return Split{}, err
	}
	var train []string
	for _, t := range catalog.TinyImageNetOffline.Train {
		train = append(train, filepath.Join(dir, t))
	}
	return loadTiny(wnids, train, []string{filepath.Join(dir, catalog.TinyImageNetOffline.Val)}, nil, 500, 50)
}

// LoadTinyImageNetZip reads the official tiny-imagenet-200.zip layout
// (train/<wnid>/images/*.JPEG, val/images + val_annotations.txt, wnids.txt).
func LoadTinyImageNetZip(file string) (Split, error) {
	wnids, err := readArchiveLines(file, "wnids.txt")
	if err != nil {
		return Split{}, err
	}
	ann, err := readArchiveLines(file, "val/val_annotations.txt")
	if err != nil {
		return Split{}, err
	}
	valClass := map[string]string{}
	for _, l := range ann {
		f := strings.Fields(l)
		if len(f) >= 2 {
			valClass[f[0]] = f[1]
		}
	}
	return loadTiny(wnids, []string{file}, []string{file}, valClass, tinyTrainPerClass, tinyValPerClass)
}

// Images per class of the official Tiny ImageNet splits (variables so tests can use small zips).
var tinyTrainPerClass, tinyValPerClass = 500, 50

func loadTiny(wnids, train, val []string, valClass map[string]string, wantTrain, wantVal int) (Split, error) {
	if len(wnids) != 200 {
		return Split{}, fmt.Errorf("wnids.txt lists %d classes, Tiny ImageNet has 200", len(wnids))
	}
	var s Split
	var err error
	s.Train, err = loadTinySplit(train, "train", wnids, nil)
	if err != nil {
		return Split{}, err
	}
	var label func(string) (string, bool)
	if valClass != nil {
		label = func(name string) (string, bool) {
			c, ok := valClass[path.Base(name)]
			return c, ok
		}
	}
	s.Test, err = loadTinySplit(val, "val", wnids, label)
	if err != nil {
		return Split{}, err
	}
	s.Train.Name, s.Test.Name = "tinyimagenet-train", "tinyimagenet-val"
	for _, p := range []struct {
		d    *Images
		want int
	}{{s.Train, wantTrain}, {s.Test, wantVal}} {
		for c, n := range p.d.Counts() {
			if n != p.want {
				return Split{}, fmt.Errorf("Tiny ImageNet %s: class %s has %d images, want %d: the archives are incomplete", p.d.Name, wnids[c], n, p.want)
			}
		}
	}
	return s, nil
}

// loadTinySplit accepts both "train/<wnid>/x.JPEG" and "tiny-imagenet-200/train/<wnid>/images/x.JPEG".
func loadTinySplit(files []string, split string, wnids []string, label func(string) (string, bool)) (*Images, error) {
	if label == nil {
		label = func(name string) (string, bool) {
			parts := strings.Split(name, "/")
			for i := range parts[:len(parts)-1] {
				if parts[i] == split && i+1 < len(parts)-1 {
					return parts[i+1], true
				}
			}
			return "", false
		}
	}
	return LoadImageFolderTar(files, split, wnids, 64, 64, label)
}

// readArchiveLines returns the non-empty lines of the member whose name ends with suffix.
func readArchiveLines(file, suffix string) ([]string, error) {
	var lines []string
	found := false
	err := fetch.WalkArchive(file, 64<<20, func(e fetch.Entry) error {
		if found || !(e.Name == suffix || strings.HasSuffix(e.Name, "/"+suffix)) {
			return nil
		}
		b, err := io.ReadAll(e.R)
		if err != nil {
			return err
		}
		lines, found = splitLines(b), true
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("%s has no %s", file, suffix)
	}
	return lines, nil
}
