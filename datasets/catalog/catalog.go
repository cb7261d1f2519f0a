// Package catalog says where each dataset's files come from, without GoMLX: the official
// archives with their checksums, the offline copies in $LDAMLAB_DATASETS, the download and cache
// directory, and the name results record for the way imbalanced subsets are selected. The kernel's
// doctor and the registry read it without linking the loaders of package datasets.
package catalog

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/ldamlab/ldamlab/datasets/fetch"
)

// CIFAR10JPEG are the offline JPEG copies of CIFAR-10 in $LDAMLAB_DATASETS (train, test).
var CIFAR10JPEG = [2]string{"cifar10-jpeg-train.tar.gz", "cifar10-jpeg-test.tar.gz"}

// The official binary archives (https://www.cs.toronto.edu/~kriz/cifar.html) with their
// published MD5 checksums.
var (
	CIFAR10Binary = fetch.File{Name: "cifar-10-binary.tar.gz", URL: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
		MD5: "c32a1d4ab5d03f1284b67883e8d87530", Size: 170052171}
	CIFAR100Binary = fetch.File{Name: "cifar-100-binary.tar.gz", URL: "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz",
		MD5: "03b5dce01913d631647c71ecec9e9cb8", Size: 168513733}
)

// TinyImageNet archives: the offline copies in $LDAMLAB_DATASETS and the official zip.
var (
	TinyImageNetOffline = struct {
		Meta, Val string
		Train     []string
	}{
		Meta:  "tinyimagenet200-meta.tar.gz",
		Val:   "tinyimagenet200-val.tar.gz",
		Train: []string{"tinyimagenet200-train-part1of2.tar.gz", "tinyimagenet200-train-part2of2.tar.gz"},
	}
	TinyImageNetZip = fetch.File{Name: "tiny-imagenet-200.zip", URL: "http://cs231n.stanford.edu/tiny-imagenet-200.zip",
		MD5: "90528d7ca1a48142e341f4ef8d21d0de"}
)

// IMDB archives: the official aclImdb v1 tarball and the offline labelled copy.
var (
	IMDBArchive = fetch.File{Name: "aclImdb_v1.tar.gz", URL: "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
		SHA256: "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe", Size: 84125825}
	IMDBOffline = "imdb-aclImdb-v1-labeled.tar.gz"
)

// MNIST files (the official site often refuses downloads; this is the mirror torchvision uses),
// with their published MD5 checksums.
var MNISTFiles = []fetch.File{
	{Name: "train-images-idx3-ubyte.gz", URL: "https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz", MD5: "f68b3c2dcbeaaa9fbdd348bbdeb94873"},
	{Name: "train-labels-idx1-ubyte.gz", URL: "https://ossci-datasets.s3.amazonaws.com/mnist/train-labels-idx1-ubyte.gz", MD5: "d53e105ee54ea40749a09fcbcd1e9432"},
	{Name: "t10k-images-idx3-ubyte.gz", URL: "https://ossci-datasets.s3.amazonaws.com/mnist/t10k-images-idx3-ubyte.gz", MD5: "9fb629c4189551a2d022fa330f9573f3"},
	{Name: "t10k-labels-idx1-ubyte.gz", URL: "https://ossci-datasets.s3.amazonaws.com/mnist/t10k-labels-idx1-ubyte.gz", MD5: "ec29112dd5afa0611ce80d1b7f02629c"},
}

// FashionMNISTDebianDir is where Debian's dataset-fashion-mnist package installs the IDX files.
const FashionMNISTDebianDir = "/usr/share/datasets/fashion-mnist"

// EnvOffline names the environment variable that points at the offline copies
// (../shared/datasets in this project's checkouts).
const EnvOffline = "LDAMLAB_DATASETS"

// EnvDataDir overrides the download and cache directory.
const EnvDataDir = "LDAMLAB_DATA"

// DataDir returns the directory for downloads and caches: flagValue if set, else $LDAMLAB_DATA,
// else <user cache dir>/ldamlab.
func DataDir(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if d := os.Getenv(EnvDataDir); d != "" {
		return d, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("datasets: no data directory: set --data_dir or %s (%v)", EnvDataDir, err)
	}
	return filepath.Join(base, "ldamlab"), nil
}

// OfflineFile returns the path of a file in $LDAMLAB_DATASETS, or an error that says the variable
// is unset or the file is missing.
func OfflineFile(name string) (string, error) {
	dir := os.Getenv(EnvOffline)
	if dir == "" {
		return "", fmt.Errorf("datasets: %s is not set; point it at the offline copies (e.g. ../shared/datasets) to read %s", EnvOffline, name)
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("datasets: %s is missing from %s=%s: %v", name, EnvOffline, dir, err)
	}
	return p, nil
}

// Selection names the way datasets.SelectPerClass chooses examples, as results record it.
const Selection = "numpy RandomState(seed), one shuffle per class in class order (the official imbalance_cifar.py)"
