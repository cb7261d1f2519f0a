package datasets

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/ldamlab/ldamlab/datasets/fetch"
)

// CIFAR10Classes are the CIFAR-10 class names in label order.
var CIFAR10Classes = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

// CIFAR normalization of the official code (used for CIFAR-10 and CIFAR-100 alike).
var (
	CIFARMean = [3]float32{0.4914, 0.4822, 0.4465}
	CIFARStd  = [3]float32{0.2023, 0.1994, 0.2010}
)

const cifarPixels = 32 * 32 * 3

// ParseCIFARBinary parses records of the CIFAR binary format: per image, labelBytes label bytes
// (1 for CIFAR-10; 2 for CIFAR-100: coarse then fine) and 3072 pixel bytes (the red, green and
// blue 32×32 planes). useLabel picks which label byte is the label (0-based). Pixels are
// returned in HWC order. classes bounds the labels.
func ParseCIFARBinary(data []byte, labelBytes, useLabel, classes int) (pixels []uint8, labels []int, err error) {
	rec := labelBytes + cifarPixels
	if len(data)%rec != 0 {
		return nil, nil, fmt.Errorf("CIFAR binary data of %d bytes is not a whole number of %d-byte records (truncated or not CIFAR)", len(data), rec)
	}
	n := len(data) / rec
	pixels = make([]uint8, n*cifarPixels)
	labels = make([]int, n)
	for i := range n {
		r := data[i*rec : (i+1)*rec]
		y := int(r[useLabel])
		if y >= classes {
			return nil, nil, fmt.Errorf("CIFAR record %d has label %d, outside the %d classes", i, y, classes)
		}
		labels[i] = y
		planes := r[labelBytes:]
		dst := pixels[i*cifarPixels:]
		for p := range 1024 {
			dst[3*p] = planes[p]
			dst[3*p+1] = planes[1024+p]
			dst[3*p+2] = planes[2048+p]
		}
	}
	return pixels, labels, nil
}

// LoadCIFARBinaryArchive reads cifar-10-binary.tar.gz or cifar-100-binary.tar.gz (fine labels)
// from a local file.
func LoadCIFARBinaryArchive(file string, cifar100 bool) (Split, error) {
	labelBytes, useLabel, classes := 1, 0, 10
	names := CIFAR10Classes
	if cifar100 {
		labelBytes, useLabel, classes = 2, 1, 100
		names = nil
	}
	var train, test []byte
	var trainBatches []string
	batches := map[string][]byte{}
	err := fetch.WalkTarFile(file, 0, func(e fetch.Entry) error {
		base := path.Base(e.Name)
		keep := strings.HasSuffix(base, ".bin") || base == "fine_label_names.txt"
		if !keep {
			return nil
		}
		b, err := io.ReadAll(e.R)
		if err != nil {
			return err
		}
		switch {
		case base == "fine_label_names.txt":
			names = splitLines(b)
		case base == "test_batch.bin" || base == "test.bin":
			test = b
		case strings.HasPrefix(base, "data_batch_") || base == "train.bin":
			batches[base] = b
			trainBatches = append(trainBatches, base)
		}
		return nil
	})
	if err != nil {
		return Split{}, err
	}
	sort.Strings(trainBatches)
	for _, b := range trainBatches {
		train = append(train, batches[b]...)
	}
	if train == nil || test == nil {
		return Split{}, fmt.Errorf("%s holds no CIFAR train/test batches; is it the official binary archive?", file)
	}
	if len(names) != classes {
		return Split{}, fmt.Errorf("%s: found %d class names, want %d", file, len(names), classes)
	}
	name := "cifar10"
	if cifar100 {
		name = "cifar100"
	}
	var s Split
	for _, part := range []struct {
		data []byte
		dst  **Images
		tag  string
	}{{train, &s.Train, "train"}, {test, &s.Test, "test"}} {
		px, y, err := ParseCIFARBinary(part.data, labelBytes, useLabel, classes)
		if err != nil {
			return Split{}, fmt.Errorf("%s (%s): %w", file, part.tag, err)
		}
		*part.dst = &Images{Name: name + "-" + part.tag, Classes: names, Height: 32, Width: 32, Channels: 3, Pixels: px, Labels: y}
	}
	return s, nil
}

func splitLines(b []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// LoadCIFAR10JPEG reads the offline JPEG copy of CIFAR-10 (cifar10-jpeg-{train,test}.tar.gz,
// entries <split>/<class>/NNNN.jpg; a lossy q75 re-encode of the original pixels, see
// ../shared/datasets/README.md) from dir. Images of a class are in file-name order.
func LoadCIFAR10JPEG(dir string) (Split, error) {
	var s Split
	for _, part := range []struct {
		file, tag string
		dst       **Images
		perClass  int
	}{{"cifar10-jpeg-train.tar.gz", "train", &s.Train, 5000}, {"cifar10-jpeg-test.tar.gz", "test", &s.Test, 1000}} {
		d, err := LoadImageFolderTar([]string{path.Join(dir, part.file)}, part.tag, CIFAR10Classes, 32, 32, nil)
		if err != nil {
			return Split{}, err
		}
		d.Name = "cifar10-jpeg-" + part.tag
		for c, n := range d.Counts() {
			if n != part.perClass {
				return Split{}, fmt.Errorf("%s: class %s has %d images, want %d: the archive is incomplete", part.file, CIFAR10Classes[c], n, part.perClass)
			}
		}
		*part.dst = d
	}
	return s, nil
}

// LoadImageFolderTar reads images laid out as [<top>/]<split>/<class>/[images/]<file> from
// tar(.gz) or zip files into memory, decoded to RGB and checked to be width×height. classes fixes the label
// order; a member whose class folder is not in classes is an error. fileLabel, if not nil,
// labels files that are not in class folders (e.g. Tiny ImageNet's flat val/images) and returns
// ok=false for files to skip. Images are sorted by class, then by path.
func LoadImageFolderTar(files []string, split string, classes []string, width, height int, fileLabel func(name string) (class string, ok bool)) (*Images, error) {
	index := make(map[string]int, len(classes))
	for i, c := range classes {
		index[c] = i
	}
	type item struct {
		name  string
		label int
		px    []uint8
	}
	var items []item
	for _, file := range files {
		err := fetch.WalkArchive(file, 64<<20, func(e fetch.Entry) error {
			parts := strings.Split(e.Name, "/")
			// <split>/… or <top folder>/<split>/… (official zips).
			if len(parts) > 2 && parts[0] != split && parts[1] == split {
				parts = parts[1:]
			}
			if len(parts) < 2 || parts[0] != split || !isImageName(e.Name) {
				return nil
			}
			var class string
			if fileLabel != nil {
				c, ok := fileLabel(e.Name)
				if !ok {
					return nil
				}
				class = c
			} else {
				if len(parts) < 3 {
					return fmt.Errorf("image %q is not inside a class folder", e.Name)
				}
				class = parts[1]
			}
			y, ok := index[class]
			if !ok {
				return fmt.Errorf("image %q is in class folder %q, which is not one of the %d known classes", e.Name, class, len(classes))
			}
			b, err := io.ReadAll(e.R)
			if err != nil {
				return err
			}
			px, err := DecodeRGB(b, width, height)
			if err != nil {
				return fmt.Errorf("image %q: %w", e.Name, err)
			}
			items = append(items, item{e.Name, y, px})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%v: no %s images found", files, split)
	}
	sort.Slice(items, func(a, b int) bool {
		if items[a].label != items[b].label {
			return items[a].label < items[b].label
		}
		return items[a].name < items[b].name
	})
	d := &Images{Classes: classes, Height: height, Width: width, Channels: 3,
		Pixels: make([]uint8, 0, len(items)*width*height*3), Labels: make([]int, len(items))}
	for i, it := range items {
		d.Pixels = append(d.Pixels, it.px...)
		d.Labels[i] = it.label
	}
	return d, nil
}

func isImageName(name string) bool {
	l := strings.ToLower(name)
	return strings.HasSuffix(l, ".jpg") || strings.HasSuffix(l, ".jpeg") || strings.HasSuffix(l, ".png")
}

// DecodeRGB decodes a JPEG image (grayscale or color) to HWC RGB bytes and checks its size.
func DecodeRGB(b []byte, width, height int) ([]uint8, error) {
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("corrupt JPEG: %w", err)
	}
	r := img.Bounds()
	if width > 0 && (r.Dx() != width || r.Dy() != height) {
		return nil, fmt.Errorf("image is %d×%d, want %d×%d", r.Dx(), r.Dy(), width, height)
	}
	return toRGB(img), nil
}

func toRGB(img image.Image) []uint8 {
	r := img.Bounds()
	out := make([]uint8, 0, r.Dx()*r.Dy()*3)
	switch m := img.(type) {
	case *image.Gray:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				v := m.GrayAt(x, y).Y
				out = append(out, v, v, v)
			}
		}
	default:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				cr, cg, cb, _ := img.At(x, y).RGBA()
				out = append(out, uint8(cr>>8), uint8(cg>>8), uint8(cb>>8))
			}
		}
	}
	return out
}
