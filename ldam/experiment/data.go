package experiment

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/datasets/catalog"
)

// Defaults of the IMDB pipeline (the paper gives none).
const (
	IMDBVocab  = 20000
	IMDBMaxLen = 256
)

// LoadData loads the configured dataset and builds its imbalanced training split: the
// preset's per-class cap (img_max), the profile and ratio of the config, chosen with DataSeed;
// the test split stays balanced (capped at TestPerClass images per class).
func LoadData(c Config) (*Data, error) {
	r, err := resolve(c)
	if err != nil {
		return nil, err
	}
	return loadData(r)
}

func loadData(r resolved) (*Data, error) {
	d, err := loadSplits(r)
	if err != nil || r.TestImbSeed == 0 {
		return d, err
	}
	return imbalancedTest(d, r)
}

// imbalancedTest subsamples the test split to the permuted imbalanced distribution of Table 6
// (Config.TestImbSeed): the training profile and ratio with img_max = the smallest test class.
func imbalancedTest(d *Data, r resolved) (*Data, error) {
	if _, inMemory := d.TestImages.(*datasets.Images); d.TestPoints == nil && !inMemory {
		return nil, fmt.Errorf("--test_imb_seed: imbalanced test sets are for CIFAR and Tiny ImageNet (Table 6 is CIFAR-10), whose test split is in memory; not %s", d.Name)
	}
	labels := d.labels(true)
	have := datasets.CountLabels(labels, len(d.Classes))
	counts, err := datasets.PermutedTestCounts(r.prof, slices.Min(have), len(d.Classes), r.ImbFactor, r.StepMu, r.TestImbSeed)
	if err != nil {
		return nil, err
	}
	idx, err := r.selector()(labels, counts, r.DataSeed)
	if err != nil {
		return nil, err
	}
	out := *d
	switch {
	case d.TestPoints != nil:
		p := *d.TestPoints
		p.X, p.Labels = make([]float32, 0, len(idx)*p.Dim), make([]int, 0, len(idx))
		for _, i := range idx {
			p.X = append(p.X, d.TestPoints.X[i*p.Dim:(i+1)*p.Dim]...)
			p.Labels = append(p.Labels, d.TestPoints.Labels[i])
		}
		out.TestPoints = &p
	default:
		out.TestImages = d.TestImages.(*datasets.Images).Subset(idx)
	}
	out.Source.Note = strings.TrimSpace(out.Source.Note + fmt.Sprintf(" test set imbalanced as in Table 6 (permutation seed %d, counts %v)", r.TestImbSeed, counts))
	return &out, nil
}

func loadSplits(r resolved) (*Data, error) {
	if r.Data != nil {
		d, ok := r.Data.(*Data)
		if !ok {
			return nil, fmt.Errorf("Config.Data is a %T; give the run an *experiment.Data (or name the data set in Config.Dataset)", r.Data)
		}
		return d, d.validate()
	}
	dataDir, err := catalog.DataDir(r.DataDir)
	if err != nil {
		return nil, err
	}
	switch r.Dataset {
	case "imdb":
		train, test, src, err := datasets.LoadIMDBReviews(dataDir)
		if err != nil {
			return nil, err
		}
		// Positive reviews are the majority: keep a fraction imb_factor of the negatives.
		if train, err = train.DropFraction(0, 1-r.ImbFactor, r.DataSeed); err != nil {
			return nil, err
		}
		v, err := datasets.BuildVocab(train.Texts, IMDBVocab)
		if err != nil {
			return nil, err
		}
		tr, _ := train.Encode("imdb-train", v, IMDBMaxLen)
		te, _ := test.Encode("imdb-test", v, IMDBMaxLen)
		if tr, err = capText(tr, r.preset.MaxPerClass, r.DataSeed, r.selector()); err != nil {
			return nil, err
		}
		if te, err = capText(te, r.preset.TestPerClass, r.DataSeed, r.selector()); err != nil {
			return nil, err
		}
		return &Data{Name: "imdb", Classes: datasets.IMDBClasses, TrainText: tr, TestText: te, Source: src, Selection: r.selectionName()}, nil
	case "inat2018":
		dir := filepath.Join(dataDir, "inat2018")
		tr, err := datasets.LoadINat(dir, "train")
		if err != nil {
			return nil, err
		}
		te, err := datasets.LoadINat(dir, "val")
		if err != nil {
			return nil, err
		}
		return &Data{Name: "inat2018", Classes: tr.Classes, TrainImages: tr, TestImages: te, Info: datasets.InfoFor("inat2018"),
			Source: datasets.Source{Files: []string{dir}, Note: "iNaturalist 2018 (natural imbalance, read lazily)"}}, nil
	}
	split, src, err := datasets.LoadImages(r.Dataset, dataDir)
	if err != nil {
		return nil, err
	}
	train, err := datasets.Imbalanced(split.Train, r.prof, r.ImbFactor, r.StepMu, r.preset.MaxPerClass, r.DataSeed, r.selector())
	if err != nil {
		return nil, err
	}
	test, err := datasets.CapPerClass(split.Test, r.preset.TestPerClass, r.DataSeed, r.selector())
	if err != nil {
		return nil, err
	}
	return &Data{Name: r.Dataset, Classes: split.Train.Classes, TrainImages: train, TestImages: test, Info: datasets.InfoFor(r.Dataset), Source: src,
		Selection: r.selectionName()}, nil
}

// capText keeps at most n examples of the largest class and the same ratio for the others.
func capText(t *datasets.Text, n int, seed uint64, sel datasets.Selector) (*datasets.Text, error) {
	if n <= 0 {
		return t, nil
	}
	counts := t.Counts()
	big := max(counts[0], counts[1])
	if big <= n {
		return t, nil
	}
	for c := range counts {
		counts[c] = max(1, counts[c]*n/big)
	}
	idx, err := sel(t.Labels, counts, seed)
	if err != nil {
		return nil, fmt.Errorf("capping %s: %w", t.Name, err)
	}
	return t.Subset(idx), nil
}

// selector is how the run chooses its imbalanced subsets: the official code's selection, or the
// earlier one for a run made before it (Config.EarlierSelection).
func (r resolved) selector() datasets.Selector {
	if r.EarlierSelection {
		return datasets.SelectPerClassEarlier
	}
	return datasets.SelectPerClass
}

// selectionName is what results record of the selection (DataSummary.Selection): nothing for
// the earlier one, as runs made then recorded nothing.
func (r resolved) selectionName() string {
	if r.EarlierSelection {
		return ""
	}
	return catalog.Selection
}
