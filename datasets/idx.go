package datasets

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ldamlab/ldamlab/datasets/catalog"
	"github.com/ldamlab/ldamlab/datasets/fetch"
)

// Class names.
var (
	MNISTClasses        = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	FashionMNISTClasses = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}
)

// maxIDXElements bounds the size an IDX header may claim (1 GiB of uint8).
const maxIDXElements = 1 << 30

// ParseIDX parses an IDX file of unsigned bytes (type 0x08): it returns the dimensions and the
// data. Other element types, a wrong magic number, absurd dimensions and truncated data are
// errors.
func ParseIDX(b []byte) (dims []int, data []uint8, err error) {
	if len(b) < 4 || b[0] != 0 || b[1] != 0 {
		return nil, nil, fmt.Errorf("not an IDX file (bad magic number)")
	}
	if b[2] != 0x08 {
		return nil, nil, fmt.Errorf("IDX element type 0x%02x is not supported (want 0x08, unsigned byte)", b[2])
	}
	rank := int(b[3])
	if rank < 1 || rank > 4 || len(b) < 4+4*rank {
		return nil, nil, fmt.Errorf("IDX header truncated or rank %d unsupported", rank)
	}
	n := 1
	for i := range rank {
		d := int(binary.BigEndian.Uint32(b[4+4*i:]))
		if d <= 0 || d > maxIDXElements || n > maxIDXElements/d {
			return nil, nil, fmt.Errorf("IDX dimension %d = %d is invalid", i, d)
		}
		n *= d
		dims = append(dims, d)
	}
	body := b[4+4*rank:]
	if len(body) != n {
		return nil, nil, fmt.Errorf("IDX data has %d bytes, the header promises %d (truncated or corrupt)", len(body), n)
	}
	return dims, body, nil
}

func readMaybeGzip(file string) ([]byte, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(file, ".gz") {
		gz, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		b, err = io.ReadAll(io.LimitReader(gz, maxIDXElements+64))
		if err != nil {
			return nil, fmt.Errorf("%s: corrupt gzip: %w", file, err)
		}
	}
	return b, nil
}

// LoadIDXPair reads an images file [N, H, W] and a labels file [N] into a one-channel set.
func LoadIDXPair(imagesFile, labelsFile, name string, classes []string) (*Images, error) {
	ib, err := readMaybeGzip(imagesFile)
	if err != nil {
		return nil, err
	}
	dims, px, err := ParseIDX(ib)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", imagesFile, err)
	}
	if len(dims) != 3 {
		return nil, fmt.Errorf("%s: images must be [N, H, W], got %v", imagesFile, dims)
	}
	lb, err := readMaybeGzip(labelsFile)
	if err != nil {
		return nil, err
	}
	ldims, lab, err := ParseIDX(lb)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", labelsFile, err)
	}
	if len(ldims) != 1 || ldims[0] != dims[0] {
		return nil, fmt.Errorf("%s has %v labels for %d images in %s", labelsFile, ldims, dims[0], imagesFile)
	}
	d := &Images{Name: name, Classes: classes, Height: dims[1], Width: dims[2], Channels: 1, Pixels: px, Labels: make([]int, len(lab))}
	for i, y := range lab {
		d.Labels[i] = int(y)
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", labelsFile, err)
	}
	return d, nil
}

// LoadMNISTDir reads the four standard IDX files (gzip-compressed or not) from dir.
func LoadMNISTDir(dir, name string, classes []string) (Split, error) {
	find := func(base string) string {
		for _, f := range []string{base + ".gz", base} {
			if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
				return filepath.Join(dir, f)
			}
		}
		return filepath.Join(dir, base+".gz")
	}
	var s Split
	var err error
	if s.Train, err = LoadIDXPair(find("train-images-idx3-ubyte"), find("train-labels-idx1-ubyte"), name+"-train", classes); err != nil {
		return s, err
	}
	s.Test, err = LoadIDXPair(find("t10k-images-idx3-ubyte"), find("t10k-labels-idx1-ubyte"), name+"-test", classes)
	return s, err
}

// LoadFashionMNIST reads Fashion-MNIST from Debian's dataset-fashion-mnist package.
func LoadFashionMNIST() (Split, error) {
	if _, err := os.Stat(catalog.FashionMNISTDebianDir); err != nil {
		return Split{}, fmt.Errorf("Fashion-MNIST is not installed at %s; install it with: apt-get install dataset-fashion-mnist", catalog.FashionMNISTDebianDir)
	}
	return LoadMNISTDir(catalog.FashionMNISTDebianDir, "fashion-mnist", FashionMNISTClasses)
}

// LoadMNIST downloads (once, verified) and reads MNIST in dataDir/mnist.
func LoadMNIST(dataDir string) (Split, error) {
	dir := filepath.Join(dataDir, "mnist")
	for _, f := range catalog.MNISTFiles {
		if _, err := (fetch.Client{}).Ensure(dir, f); err != nil {
			return Split{}, err
		}
	}
	return LoadMNISTDir(dir, "mnist", MNISTClasses)
}
