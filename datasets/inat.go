package datasets

import (
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg" // iNaturalist images are JPEG
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"

	"github.com/ldamlab/ldamlab/datasets/fetch"
)

// INatHelp says where the iNaturalist 2018 files come from.
const INatHelp = "iNaturalist 2018 cannot be downloaded automatically: get train2018.json, val2018.json and " +
	"train_val2018.tar.gz from https://github.com/visipedia/inat_comp/tree/master/2018 (about 120 GB), " +
	"extract the images next to the JSON files, and pass that directory as --data_dir/inat2018"

// maxINatJSON bounds an annotation file (the real train2018.json is about 140 MB).
const maxINatJSON = 1 << 30

// inatJSON is the COCO-style annotation format of the iNaturalist competition.
type inatJSON struct {
	Images []struct {
		ID       int64  `json:"id"`
		FileName string `json:"file_name"`
	} `json:"images"`
	Annotations []struct {
		ImageID    int64 `json:"image_id"`
		CategoryID int   `json:"category_id"`
	} `json:"annotations"`
	Categories []struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	} `json:"categories"`
}

// INat is an iNaturalist split read lazily: only paths and labels are in memory; Image decodes
// the file, resizes its shorter side to 256 and takes a center 224×224 crop (evaluation) or a
// random crop with random flip (training, via [INat.Train]).
type INat struct {
	Root    string
	Files   []string
	Labels  []int
	Classes []string
	// Size is the output crop (224) and Resize the shorter-side target (256).
	Size, Resize int
}

// ParseINatJSON parses an annotation file. Category ids must be 0…C−1 (as in iNat 2018).
func ParseINatJSON(r io.Reader) (files []string, labels []int, classes []string, err error) {
	var j inatJSON
	if err := json.NewDecoder(io.LimitReader(r, maxINatJSON)).Decode(&j); err != nil {
		return nil, nil, nil, fmt.Errorf("corrupt iNaturalist annotation JSON: %w", err)
	}
	if len(j.Categories) == 0 {
		return nil, nil, nil, fmt.Errorf("iNaturalist annotation JSON has no categories")
	}
	classes = make([]string, len(j.Categories))
	for _, c := range j.Categories {
		if c.ID < 0 || c.ID >= len(classes) {
			return nil, nil, nil, fmt.Errorf("category id %d outside 0…%d", c.ID, len(classes)-1)
		}
		classes[c.ID] = c.Name
	}
	label := make(map[int64]int, len(j.Annotations))
	for _, a := range j.Annotations {
		if a.CategoryID < 0 || a.CategoryID >= len(classes) {
			return nil, nil, nil, fmt.Errorf("annotation of image %d has category %d outside 0…%d", a.ImageID, a.CategoryID, len(classes)-1)
		}
		label[a.ImageID] = a.CategoryID
	}
	for _, im := range j.Images {
		y, ok := label[im.ID]
		if !ok {
			return nil, nil, nil, fmt.Errorf("image %d (%s) has no annotation", im.ID, im.FileName)
		}
		name, err := fetch.CleanName(im.FileName)
		if err != nil {
			return nil, nil, nil, err
		}
		files = append(files, name)
		labels = append(labels, y)
	}
	return files, labels, classes, nil
}

// LoadINat reads <dir>/<split>2018.json (split "train" or "val"); image paths are relative to dir.
func LoadINat(dir, split string) (*INat, error) {
	file := filepath.Join(dir, split+"2018.json")
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("%v\n%s", err, INatHelp)
	}
	defer f.Close()
	files, labels, classes, err := ParseINatJSON(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return &INat{Root: dir, Files: files, Labels: labels, Classes: classes, Size: 224, Resize: 256}, nil
}

// Len is the number of images.
func (d *INat) Len() int { return len(d.Labels) }

// Label returns the label of image i.
func (d *INat) Label(i int) int { return d.Labels[i] }

// NumClasses is the number of categories.
func (d *INat) NumClasses() int { return len(d.Classes) }

// ImageShape is Size×Size×3.
func (d *INat) ImageShape() (int, int, int) { return d.Size, d.Size, 3 }

// Counts returns the images per class.
func (d *INat) Counts() []int { return CountLabels(d.Labels, len(d.Classes)) }

// Image decodes image i with the evaluation transform (shorter side to Resize, center crop).
func (d *INat) Image(i int, dst []uint8) error {
	return d.load(i, dst, func(w, h int) (int, int, bool) { return (w - d.Size) / 2, (h - d.Size) / 2, false })
}

// RandomImage decodes image i with the training transform of appendix B: shorter side to
// Resize, a random Size×Size crop, and a random horizontal flip.
func (d *INat) RandomImage(i int, dst []uint8, rng *rand.Rand) error {
	return d.load(i, dst, func(w, h int) (int, int, bool) {
		return rng.IntN(w - d.Size + 1), rng.IntN(h - d.Size + 1), rng.IntN(2) == 1
	})
}

// load decodes image i, resizes it and copies the crop chosen by crop(w, h) into dst.
func (d *INat) load(i int, dst []uint8, crop func(w, h int) (x0, y0 int, flip bool)) error {
	p := filepath.Join(d.Root, filepath.FromSlash(d.Files[i]))
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("iNaturalist image %d: %w\n%s", i, err, INatHelp)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return fmt.Errorf("%s: corrupt image: %w", p, err)
	}
	rgb, w, h := resizeShorter(img, d.Resize)
	x0, y0, flip := crop(w, h)
	for y := range d.Size {
		for x := range d.Size {
			sx := x0 + x
			if flip {
				sx = x0 + d.Size - 1 - x
			}
			copy(dst[(y*d.Size+x)*3:(y*d.Size+x)*3+3], rgb[((y0+y)*w+sx)*3:])
		}
	}
	return nil
}

// resizeShorter resizes with bilinear interpolation so the shorter side is `short`.
func resizeShorter(img image.Image, short int) ([]uint8, int, int) {
	src := toRGB(img)
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	w, h := short, short
	if sw < sh {
		h = (sh*short + sw/2) / sw
	} else {
		w = (sw*short + sh/2) / sh
	}
	out := make([]uint8, w*h*3)
	for y := range h {
		fy := (float64(y)+0.5)*float64(sh)/float64(h) - 0.5
		y0 := max(0, int(fy))
		y1 := min(sh-1, y0+1)
		ty := max(0, fy-float64(y0))
		for x := range w {
			fx := (float64(x)+0.5)*float64(sw)/float64(w) - 0.5
			x0 := max(0, int(fx))
			x1 := min(sw-1, x0+1)
			tx := max(0, fx-float64(x0))
			for c := range 3 {
				v00 := float64(src[(y0*sw+x0)*3+c])
				v01 := float64(src[(y0*sw+x1)*3+c])
				v10 := float64(src[(y1*sw+x0)*3+c])
				v11 := float64(src[(y1*sw+x1)*3+c])
				v := (v00*(1-tx)+v01*tx)*(1-ty) + (v10*(1-tx)+v11*tx)*ty
				out[(y*w+x)*3+c] = uint8(v + 0.5)
			}
		}
	}
	return out, w, h
}

// ClassOrder returns the class indices sorted by decreasing training count (ties by index).
func ClassOrder(counts []int) []int {
	idx := make([]int, len(counts))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return counts[idx[a]] > counts[idx[b]] })
	return idx
}
