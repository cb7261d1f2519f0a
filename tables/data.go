package tables

import (
	"fmt"
	"strings"

	"github.com/ldamlab/ldamlab/datasets"
	"github.com/ldamlab/ldamlab/ldam/balance"
	"github.com/ldamlab/ldamlab/ldam/schedule"
)

// Tables of the data and the recipes: the imbalanced sets, each dataset's recipe per preset,
// Algorithm 1's plan.

// profileName is "long-tailed" or "step".
func profileName(p datasets.Profile) string {
	if p == datasets.Step {
		return "step"
	}
	return "long-tailed"
}

// countsText lists every count of up to 10 classes, else the first and last three.
func countsText(c []int) string {
	if len(c) <= 10 {
		return strings.Trim(fmt.Sprint(c), "[]")
	}
	return fmt.Sprintf("%d %d %d … %d %d %d", c[0], c[1], c[2], c[len(c)-3], c[len(c)-2], c[len(c)-1])
}

// ImbalancedSets is the table of the sets: counts, total, head and tail shares.
func ImbalancedSets(sets []datasets.ImbalancedSet) Table {
	t := Table{Header: []string{"dataset", "profile", "ρ", "training images per class", "total", "most frequent class", "rarer half of the classes"}}
	for _, s := range sets {
		t.Rows = append(t.Rows, []string{s.Dataset, profileName(s.Profile), fmt.Sprint(s.Rho), countsText(s.Counts), fmt.Sprint(s.Total()),
			fmt.Sprintf("%.1f %%", 100*s.HeadShare()), fmt.Sprintf("%.1f %%", 100*s.TailShare())})
	}
	return t
}

// Recipe lists a dataset's training recipe in each preset: epochs, batch, optimizer,
// learning-rate schedule, T0 (where DRW/DRS switch on) and the data caps — what `ldam train
// --dataset <d> --preset <p>` runs.
func Recipe(dataset string) Table {
	t := Table{Header: []string{"preset", "epochs", "batch", "optimizer", "learning rate", "T0 (DRW/DRS)", "data caps (head class / test per class)"}}
	for _, base := range schedule.Presets {
		p := base.ForDataset(dataset)
		opt := p.Optimizer
		if opt == "" {
			opt = schedule.SGD
		}
		switch opt {
		case schedule.SGD:
			opt = fmt.Sprintf("SGD, momentum %g, weight decay %g", p.Momentum, p.WeightDecay)
		case schedule.Adam:
			opt = fmt.Sprintf("Adam, weight decay %g", p.WeightDecay)
		}
		lr := fmt.Sprintf("%g", p.BaseLR)
		if p.WarmupEpochs > 0 {
			lr += fmt.Sprintf(", warm-up %d epoch(s)", p.WarmupEpochs)
		}
		var decays []string
		for _, d := range p.DecayEpochs {
			decays = append(decays, fmt.Sprint(d))
		}
		if len(decays) > 0 {
			lr += fmt.Sprintf(", ×%g from epoch %s", p.DecayFactor, strings.Join(decays, " and "))
		}
		caps := "full data"
		if p.MaxPerClass > 0 || p.TestPerClass > 0 {
			caps = fmt.Sprintf("%s / %s", capText(p.MaxPerClass), capText(p.TestPerClass))
		}
		t.Rows = append(t.Rows, []string{p.Name, fmt.Sprint(p.Epochs), fmt.Sprint(p.BatchSize), opt, lr, fmt.Sprint(p.DeferEpoch), caps})
	}
	return t
}

func capText(n int) string {
	if n <= 0 {
		return "all"
	}
	return fmt.Sprint(n)
}

// DRWPlan is Algorithm 1 as the training runs it: for every epoch of a preset, the
// learning rate and, for the given rule, the class weights of the loss (the most frequent and
// the rarest class's) and the sampler (instance or class-balanced).
func DRWPlan(presetName, rule string, counts []int, beta float64) (Table, error) {
	p, err := schedule.Lookup(presetName)
	if err != nil {
		return Table{}, err
	}
	r, err := balance.ParseRule(rule)
	if err != nil {
		return Table{}, err
	}
	plan, err := balance.NewPlan(r, counts, beta, p.DeferEpoch)
	if err != nil {
		return Table{}, err
	}
	t := Table{Header: []string{"epoch", "learning rate", "stage", "weight of class 0", fmt.Sprintf("weight of class %d", len(counts)-1), "sampler"}}
	for e := range p.Epochs {
		w := plan.ClassWeights(e)
		stage := "1: plain training (lines 2–6)"
		if e >= p.DeferEpoch {
			stage = "2: re-balanced (lines 8–11)"
		}
		sampler := "instance (every example once)"
		if plan.Sampler(e).Kind == balance.Weighted {
			sampler = "class-balanced re-sampling"
		}
		t.Rows = append(t.Rows, []string{fmt.Sprint(e), fmt.Sprintf("%g", p.LR(e)), stage, fmt.Sprintf("%.3f", w[0]), fmt.Sprintf("%.3f", w[len(w)-1]), sampler})
	}
	return t, nil
}
