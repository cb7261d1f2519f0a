package lab

import (
	"fmt"
	"strings"

	"github.com/ldamlab/ldamlab/ldam/schedule"
)

// RecipeTable lists a dataset's training recipe in each preset: epochs, batch, optimizer,
// learning-rate schedule, T0 (where DRW/DRS switch on) and the data caps — what `ldam train
// --dataset <d> --preset <p>` runs.
func RecipeTable(dataset string) Table {
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
