package datasets

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ldamlab/ldamlab/datasets/catalog"
	"github.com/ldamlab/ldamlab/datasets/fetch"
)

// Names lists the datasets [Load] knows, as the --dataset flag spells them.
var Names = []string{"cifar10", "cifar100", "tinyimagenet", "inat2018", "imdb", "mnist", "fashion-mnist"}

// Info is how a dataset is normalized and augmented for training (appendix B of the paper).
type Info struct {
	Mean, Std []float32
	Augment   *Augment
}

// InfoFor returns the preprocessing of a dataset.
func InfoFor(name string) Info {
	switch name {
	case "cifar10", "cifar100":
		return Info{Mean: CIFARMean[:], Std: CIFARStd[:], Augment: &Augment{Pad: 4, Flip: true}}
	case "tinyimagenet":
		return Info{Mean: ImageNetMean[:], Std: ImageNetStd[:], Augment: &Augment{Pad: 8, Flip: true}}
	case "inat2018":
		return Info{Mean: ImageNetMean[:], Std: ImageNetStd[:], Augment: &Augment{Flip: true}}
	case "mnist", "fashion-mnist":
		return Info{Mean: []float32{0.5}, Std: []float32{0.5}}
	}
	return Info{}
}

// exists reports whether a file exists.
func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// offlineDir returns $LDAMLAB_DATASETS if it holds all of files.
func offlineDir(files ...string) (string, bool) {
	dir := os.Getenv(catalog.EnvOffline)
	if dir == "" {
		return "", false
	}
	for _, f := range files {
		if !exists(filepath.Join(dir, f)) {
			return "", false
		}
	}
	return dir, true
}

// Source describes where a loaded dataset came from (for results and notes).
type Source struct {
	Files []string
	Note  string
}

// LoadImages loads an image dataset by name. dataDir is the download/cache directory (see
// [DataDir]). Resolution order: the official archive already in dataDir; the offline copy in
// $LDAMLAB_DATASETS (CIFAR-10 as JPEG, Tiny ImageNet); a verified download of the official
// archive.
func LoadImages(name, dataDir string) (Split, Source, error) {
	switch name {
	case "cifar10":
		official := filepath.Join(dataDir, catalog.CIFAR10Binary.Name)
		if !exists(official) {
			if dir, ok := offlineDir(catalog.CIFAR10JPEG[0], catalog.CIFAR10JPEG[1]); ok {
				s, err := LoadCIFAR10JPEG(dir)
				return s, Source{Files: []string{filepath.Join(dir, "cifar10-jpeg-*.tar.gz")},
					Note: "offline CIFAR-10 JPEG re-encode (q75, 4:2:0), not the original pixels"}, err
			}
		}
		p, err := (fetch.Client{}).Ensure(dataDir, catalog.CIFAR10Binary)
		if err != nil {
			return Split{}, Source{}, err
		}
		s, err := LoadCIFARBinaryArchive(p, false)
		return s, Source{Files: []string{p}, Note: "official CIFAR-10 binary"}, err
	case "cifar100":
		p, err := (fetch.Client{}).Ensure(dataDir, catalog.CIFAR100Binary)
		if err != nil {
			return Split{}, Source{}, err
		}
		s, err := LoadCIFARBinaryArchive(p, true)
		return s, Source{Files: []string{p}, Note: "official CIFAR-100 binary, fine labels"}, err
	case "tinyimagenet":
		official := filepath.Join(dataDir, catalog.TinyImageNetZip.Name)
		if !exists(official) {
			files := append([]string{catalog.TinyImageNetOffline.Meta, catalog.TinyImageNetOffline.Val}, catalog.TinyImageNetOffline.Train...)
			if dir, ok := offlineDir(files...); ok {
				s, err := LoadTinyImageNetOffline(dir)
				return s, Source{Files: []string{filepath.Join(dir, "tinyimagenet200-*.tar.gz")}, Note: "offline Tiny ImageNet-200 (original JPEGs), wnids.txt class order"}, err
			}
		}
		p, err := (fetch.Client{}).Ensure(dataDir, catalog.TinyImageNetZip)
		if err != nil {
			return Split{}, Source{}, err
		}
		s, err := LoadTinyImageNetZip(p)
		return s, Source{Files: []string{p}, Note: "official tiny-imagenet-200.zip, wnids.txt class order"}, err
	case "mnist":
		s, err := LoadMNIST(dataDir)
		return s, Source{Files: []string{filepath.Join(dataDir, "mnist")}, Note: "MNIST IDX"}, err
	case "fashion-mnist":
		s, err := LoadFashionMNIST()
		return s, Source{Files: []string{catalog.FashionMNISTDebianDir}, Note: "Fashion-MNIST from Debian's dataset-fashion-mnist"}, err
	case "inat2018":
		return Split{}, Source{}, fmt.Errorf("inat2018 is read lazily from disk: use LoadINat(<dir>, \"train\"|\"val\")")
	case "imdb":
		return Split{}, Source{}, fmt.Errorf("imdb is a text dataset: use LoadIMDBReviews")
	}
	return Split{}, Source{}, fmt.Errorf("unknown dataset %q; use one of %s", name, strings.Join(Names, ", "))
}

// LoadIMDBReviews reads IMDB from the official tarball in dataDir, else the offline copy, else
// downloads the official tarball.
func LoadIMDBReviews(dataDir string) (train, test Reviews, src Source, err error) {
	official := filepath.Join(dataDir, catalog.IMDBArchive.Name)
	p := official
	if !exists(official) {
		if dir, ok := offlineDir(catalog.IMDBOffline); ok {
			p = filepath.Join(dir, catalog.IMDBOffline)
		}
	}
	if p == official {
		if p, err = (fetch.Client{}).Ensure(dataDir, catalog.IMDBArchive); err != nil {
			return
		}
	}
	train, test, err = LoadIMDB(p)
	return train, test, Source{Files: []string{p}, Note: "aclImdb v1"}, err
}
