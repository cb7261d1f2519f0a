package schedule

import (
	"math"
	"slices"
	"testing"
)

func TestPaperSchedule(t *testing.T) {
	cases := []struct {
		epoch int
		want  float64
	}{
		{0, 0.02}, {1, 0.04}, {4, 0.1}, {5, 0.1}, {159, 0.1}, {160, 1e-3}, {179, 1e-3}, {180, 1e-5}, {199, 1e-5},
	}
	for _, tc := range cases {
		if got := Paper.LR(tc.epoch); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("paper LR(epoch %d) = %g, want %g", tc.epoch, got, tc.want)
		}
	}
	if Paper.DeferEpoch != 160 || Paper.Epochs != 200 || Paper.BatchSize != 128 || Paper.WeightDecay != 2e-4 {
		t.Errorf("paper preset differs from appendix B: %+v", Paper)
	}
}

func TestQuickKeepsShape(t *testing.T) {
	q := Quick
	if q.LR(0) != q.BaseLR || q.LR(q.DecayEpochs[0]) >= q.LR(q.DecayEpochs[0]-1) || q.LR(q.Epochs-1) >= q.LR(q.DecayEpochs[0]) {
		t.Errorf("quick preset lost the warm-up/decay shape: %+v", q)
	}
	if q.DeferEpoch != q.DecayEpochs[0] {
		t.Errorf("quick preset T0 = %d, first decay %d", q.DeferEpoch, q.DecayEpochs[0])
	}
	s := Paper.Scaled(20)
	if s.WarmupEpochs != 1 || s.DecayEpochs[0] != 16 || s.DecayEpochs[1] != 18 || s.DeferEpoch != 16 {
		t.Errorf("paper scaled to 20 epochs = %+v", s)
	}
}

func TestLookup(t *testing.T) {
	if p, err := Lookup("Quick"); err != nil || p.Name != "quick" {
		t.Errorf("Lookup(Quick) = %v, %v", p.Name, err)
	}
	if _, err := Lookup("fast"); err == nil {
		t.Error("unknown preset accepted")
	}
}

func TestLiteIsPaperOnTwentyEpochs(t *testing.T) {
	cases := []struct {
		epoch int
		want  float64
	}{
		{0, 0.1}, {1, 0.1}, {15, 0.1}, {16, 1e-3}, {17, 1e-3}, {18, 1e-5}, {19, 1e-5},
	}
	for _, tc := range cases {
		if got := Lite.LR(tc.epoch); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("lite LR(epoch %d) = %g, want %g", tc.epoch, got, tc.want)
		}
	}
	if Lite.Epochs != 20 || Lite.DeferEpoch != 16 || Lite.BatchSize != 128 || Lite.WeightDecay != 2e-4 || Lite.Momentum != 0.9 {
		t.Errorf("lite preset = %+v", Lite)
	}
	if Lite.MaxPerClass != 0 || Lite.TestPerClass != 0 {
		t.Errorf("lite preset caps the data (%d train, %d test per class); it must use the full sets", Lite.MaxPerClass, Lite.TestPerClass)
	}
	if p, err := Lookup("lite"); err != nil || p.Name != "lite" {
		t.Errorf("Lookup(lite) = %v, %v", p.Name, err)
	}
}

func TestTinyImageNetRecipes(t *testing.T) {
	paper := Paper.ForDataset("tinyimagenet")
	if paper.Epochs != 120 || paper.LR(89) != 0.1 || math.Abs(paper.LR(90)-0.01) > 1e-12 || paper.DeferEpoch != 90 {
		t.Errorf("paper Tiny ImageNet recipe %+v", paper)
	}
	lite := Lite.ForDataset("tinyimagenet")
	if lite.Epochs != 12 || lite.DecayEpochs[0] != 9 || lite.DeferEpoch != 9 || lite.WarmupEpochs != 1 {
		t.Errorf("lite Tiny ImageNet recipe %+v", lite)
	}
	quick := Quick.ForDataset("tinyimagenet")
	if quick.Width != 0.25 || quick.MaxPerClass != 100 || quick.TestPerClass != 5 {
		t.Errorf("quick Tiny ImageNet %+v", quick)
	}
	if got := Quick.ForDataset("cifar10"); got.Width != 1 || got.MaxPerClass != 500 {
		t.Errorf("quick CIFAR changed: %+v", got)
	}
	if Paper.DecayEpochs[0] != 160 {
		t.Error("ForDataset changed the shared paper preset")
	}
}

func TestIMDBRecipe(t *testing.T) {
	for _, base := range Presets {
		p := base.ForDataset("imdb")
		if p.Optimizer != Adam || p.BaseLR != IMDBLR || p.WeightDecay != 0 || p.Epochs != IMDBEpochs || p.DeferEpoch != IMDBDecay {
			t.Errorf("%s IMDB recipe %+v", base.Name, p)
		}
		if p.LR(0) != IMDBLR || p.LR(IMDBDecay-1) != IMDBLR || math.Abs(p.LR(IMDBDecay)-IMDBLR/10) > 1e-15 {
			t.Errorf("%s IMDB rates %g %g %g", base.Name, p.LR(0), p.LR(IMDBDecay-1), p.LR(IMDBDecay))
		}
		wantCaps := [2]int{base.MaxPerClass, base.TestPerClass}
		if base.Name == "quick" {
			wantCaps = [2]int{IMDBQuickPerClass, IMDBQuickTestPerClass}
		}
		if [2]int{p.MaxPerClass, p.TestPerClass} != wantCaps {
			t.Errorf("%s IMDB caps %d/%d, want %v", base.Name, p.MaxPerClass, p.TestPerClass, wantCaps)
		}
	}
	if Quick.Optimizer != "" || Paper.Optimizer != "" || Quick.ForDataset("cifar10").Optimizer != "" {
		t.Error("ForDataset(imdb) changed a shared preset, or CIFAR got another optimizer")
	}
}

func TestINatRecipe(t *testing.T) {
	p := Paper.ForDataset("inat2018")
	if p.Epochs != 90 || p.BatchSize != 256 || p.WeightDecay != 1e-4 || p.DeferEpoch != 60 || p.WarmupEpochs != 0 {
		t.Errorf("paper iNaturalist recipe %+v", p)
	}
	for e, want := range map[int]float64{0: 0.1, 29: 0.1, 30: 0.01, 59: 0.01, 60: 0.001, 89: 0.001} {
		if math.Abs(p.LR(e)-want) > 1e-12 {
			t.Errorf("iNaturalist LR(%d) = %g, want %g", e, p.LR(e), want)
		}
	}
	lite := Lite.ForDataset("inat2018")
	if lite.Epochs != 9 || lite.DeferEpoch != 6 || !slices.Equal(lite.DecayEpochs, []int{3, 6}) || lite.WarmupEpochs != 0 {
		t.Errorf("lite iNaturalist recipe %+v", lite)
	}
	if q := Quick.ForDataset("inat2018"); q.MaxPerClass != INatQuickPerClass || q.Epochs != 10 || q.DeferEpoch != 7 {
		t.Errorf("quick iNaturalist recipe %+v", q)
	}
}
