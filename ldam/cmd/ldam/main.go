// Command ldam trains and evaluates the models of the LDAM-DRW paper and benchmarks the
// training step.
//
//	ldam train --dataset cifar10 --imb_type exp --imb_factor 0.01 --loss_type LDAM --train_rule DRW --preset quick --out runs/ldam-drw
//	ldam bench [--arch resnet32|resnet18|bilstm] [--batch-size 128] [--steps 5]
//	ldam sweep --table table2 --preset lite --seeds 0,1,2 [--parallel 4]
//	ldam sweep --table table2 --preset paper --seeds 0,1,2 --slurm [--cpus-per-task 8 --time 24:00:00]
//	ldam table --table table2 --preset lite
//
// Flags follow the official code's names (cifar_train.py). Build with GOEXPERIMENT=simd for the
// AVX2 matrix multiplication of the pure-Go backend; add -tags xla for the XLA backends.
package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/ldamlab/ldamlab/ldam/backend"
	"github.com/ldamlab/ldamlab/ldam/backend/spec"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/record"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: ldam <command> [flags]

commands:
  train   train and evaluate one configuration (flags: ldam train -h)
  bench   time a network's training step and evaluation batch (ResNet-32, ResNet-18 or the
          BiLSTM), next to PyTorch when /usr/bin/python3 has torch (flags: ldam bench -h)
  sweep   run a table's grid over seeds: finished runs skipped, interrupted ones resumed,
          first stages shared; --slurm submits it to Slurm as job arrays, --status says where
          each run stands (flags: ldam sweep -h)
  table   print a table of the paper beside our results over seeds (flags: ldam table -h)
  reference
          train the PyTorch reference of the official LDAM-DRW recipe under our presets and data,
          beside our runs (results/<preset>/reference/…; ldam reference -h)
  restage re-run the second stage (--stage2) of finished runs from the network they kept
          before it, after the stage's procedure changed (ldam restage -h)
  slim    drop the optimizer state from finished runs' final checkpoints before committing
          them (ldam slim -h)
`

// run is main without os.Exit, for tests.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "train":
		return trainCmd(args[1:], stdout, stderr)
	case "bench":
		return benchCmd(args[1:], stdout, stderr)
	case "table":
		return tableCmd(args[1:], stdout, stderr)
	case "sweep":
		return sweepCmd(args[1:], stdout, stderr)
	case "reference":
		return referenceCmd(args[1:], stdout, stderr)
	case "restage":
		return restageCmd(args[1:], stdout, stderr)
	case "slim":
		return slimCmd(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "ldam: unknown command %q\n%s", args[0], usage)
	return 2
}

// finiteFlags rejects a number flag set to NaN or ±Inf (Go's flag package parses "nan" and
// "inf"), which would otherwise train until the checkpoint cannot be written.
func finiteFlags(fs *flag.FlagSet) error {
	var err error
	fs.Visit(func(f *flag.Flag) {
		if g, ok := f.Value.(flag.Getter); ok && err == nil {
			if v, ok := g.Get().(float64); ok && (math.IsNaN(v) || math.IsInf(v, 0)) {
				err = fmt.Errorf("--%s %s is not a finite number", f.Name, f.Value)
			}
		}
	})
	return err
}

// trainFlags binds the official code's flags to a Config.
func trainFlags(fs *flag.FlagSet, c *experiment.Config) {
	fs.StringVar(&c.Dataset, "dataset", "cifar10", "cifar10 | cifar100 | tinyimagenet | inat2018 | imdb | mnist | fashion-mnist")
	fs.StringVar(&c.ImbType, "imb_type", "exp", "imbalance profile: exp (long-tailed) | step")
	fs.Float64Var(&c.ImbFactor, "imb_factor", 0, "1/ρ in (0, 1] (default 0.01; 0.1 for imdb)")
	fs.Float64Var(&c.StepMu, "mu", 0.5, "fraction of minority classes of the step profile")
	fs.Uint64Var(&c.DataSeed, "rand_number", 0, "seed that picks the imbalanced subset")
	fs.StringVar(&c.LossType, "loss_type", "CE", "CE | Focal | LDAM | LDAM-HG | M | HG | LA | LA-AM | BalancedSoftmax | VS")
	fs.StringVar(&c.TrainRule, "train_rule", "None", "None | Reweight | Resample | DRW | DRS")
	fs.Float64Var(&c.Beta, "beta", 0.9999, "class-balanced β of the re-balancing weights (1 = inverse frequency)")
	fs.Float64Var(&c.Gamma, "gamma", 1, "focal loss γ")
	fs.Float64Var(&c.MaxMargin, "max_m", 0, "largest LDAM margin Δ_max (default 0.5; iNaturalist 0.3, appendix B)")
	fs.Float64Var(&c.Tau, "tau", 1, "τ of the logit-adjusted (LA, LA-AM) and VS losses")
	fs.Float64Var(&c.VSGamma, "vs_gamma", 0.3, "γ of the VS loss (multiplicative factor (n_j/n_max)^γ)")
	fs.Float64Var(&c.SAMRho, "rho", 0, "sharpness-aware minimization radius ρ around SGD (0: plain SGD; Rangwani et al. use 0.8 with LDAM-DRW)")
	fs.Float64Var(&c.Mixup, "mixup", 0, "mixup's α: train on batches mixed with a permutation of themselves, λ ~ Beta(α, α) (MiSLAS's first stage: 1; 0: none)")
	fs.StringVar(&c.Stage2, "stage2", "", "second stage after the last epoch: MiSLAS (the classifier re-fitted on frozen features with class-balanced, label-aware-smoothed loss) or WB (weight balancing: the trained classifier fine-tuned with class-balanced loss, weight decay 0.1 and a MaxNorm bound, as the authors' code)")
	fs.Float64Var(&c.SmoothHead, "smooth_head", 0, "MiSLAS: label smoothing of the largest class (0 with --smooth_tail 0: the authors' 0.3, or 0.4 on CIFAR-100)")
	fs.Float64Var(&c.SmoothTail, "smooth_tail", 0, "MiSLAS: label smoothing of the smallest class (the authors' 0, or 0.1 on CIFAR-100)")
	fs.Float64Var(&c.Scale, "s", 30, "LDAM scale s")
	fs.Float64Var(&c.UniformMargin, "margin", 0, "margin of the M and HG baselines (default max_m)")
	fs.StringVar(&c.Preset, "preset", "quick", "quick | lite | paper")
	fs.IntVar(&c.Epochs, "epochs", 0, "epochs (default: the preset's; the schedule is scaled)")
	fs.IntVar(&c.BatchSize, "batch-size", 0, "batch size (default: the preset's, 128)")
	fs.Float64Var(&c.LR, "lr", 0, "initial learning rate (default 0.1; IMDB 1e-3)")
	fs.Float64Var(&c.WeightDecay, "wd", 0, "weight decay (default 2e-4; IMDB 0)")
	fs.StringVar(&c.Optimizer, "optimizer", "", "sgd | adam (default: the dataset's recipe: adam for IMDB at lr 1e-3, else sgd)")
	fs.IntVar(&c.MaxPerClass, "max_per_class", 0, "cap on the head class before imbalancing (default: the preset's; -1 none)")
	fs.IntVar(&c.TestPerClass, "test_per_class", 0, "cap on test images per class (default: the preset's; -1 none)")
	fs.StringVar(&c.Arch, "arch", "", "network (default: the paper's for the dataset): resnet32 | resnet18 | resnet50 | bilstm | spherecnn | mlp")
	fs.Float64Var(&c.Width, "width", 0, "channel multiplier of ResNet-32")
	fs.IntVar(&c.MicroBatches, "micro_batches", 0, "split each batch into this many micro-batches and accumulate their gradients before one update: a micro-batch's memory, the batch's update (batch norm sees micro-batches); 0: 4 for ResNet-18 on a CPU backend, else 1")
	fs.BoolVar(&c.CheckpointBlocks, "checkpoint_blocks", false, "recompute residual blocks in the backward pass: least memory (1.35 GB at batch 128 vs 1.9 by default), a quarter slower")
	fs.Uint64Var(&c.TestImbSeed, "test_imb_seed", 0, "≥ 1: an imbalanced test set as in Table 6 (training profile and ratio, permuted with this seed; LDAM gets the Eq. 15 margins; report the overall error); 0: balanced")
	fs.Uint64Var(&c.Seed, "seed", 0, "seed of initialization, shuffling and augmentation")
	fs.Float64Var(&c.MemoryLimit, "memory_limit", 0, "resident memory in GB the run may use before it stops with an error saying what to change (default: 90% of the memory available at the start)")
	fs.StringVar(&c.Backend, "backend", "", "go (default) | xla:cpu | xla:cuda | path to a PJRT plugin .so (or $GOMLX_BACKEND)")
	fs.StringVar(&c.DataDir, "data_dir", "", "download/cache directory (default $LDAMLAB_DATA or the user cache dir)")
	fs.StringVar(&c.Out, "out", "", "run directory for results.json and checkpoint.ckpt")
	fs.BoolVar(&c.Resume, "resume", false, "continue from the checkpoint in --out")
	fs.StringVar(&c.BranchFrom, "branch_from", "", "start from the first-stage checkpoint (stage1.ckpt, written at T0) of this run directory: a run that differs only in --train_rule (e.g. LDAM for LDAM-DRW)")
	fs.IntVar(&c.StopAfter, "stop_after", 0, "stop after this many epochs of this invocation (resume later)")
	fs.BoolVar(&c.Progress, "progress", true, "show GoMLX's progress bar (on a terminal only)")
}

func trainCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ldam train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c experiment.Config
	trainFlags(fs, &c)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ldam train: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if err := finiteFlags(fs); err != nil {
		fmt.Fprintf(stderr, "ldam train: %v\n", err)
		return 2
	}
	return trainRun(c, stdout, stderr)
}

// trainDefaults is the Config of `ldam train` without flags.
func trainDefaults() experiment.Config {
	var c experiment.Config
	trainFlags(flag.NewFlagSet("defaults", flag.ContinueOnError), &c)
	return c
}

// withFlags returns c with the `ldam train` flags in args applied over it (a sweep's extra
// flags over a job's configuration).
func withFlags(c experiment.Config, args []string) (experiment.Config, error) {
	fs := flag.NewFlagSet("ldam train", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var out experiment.Config
	trainFlags(fs, &out)
	out = c // the flags are bound to out's fields: only those given change
	if err := fs.Parse(args); err != nil {
		return c, fmt.Errorf("the ldam train flags %q: %w", args, err)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q (ldam train flags only)", fs.Args())
	}
	return out, finiteFlags(fs)
}

// trainArgs are the `ldam train` flags that give c: every flag whose value differs from its
// default, as --name=value.
func trainArgs(c experiment.Config) []string {
	fs := flag.NewFlagSet("ldam train", flag.ContinueOnError)
	var bound experiment.Config
	trainFlags(fs, &bound)
	bound = c
	var args []string
	fs.VisitAll(func(f *flag.Flag) {
		if v := f.Value.String(); v != f.DefValue {
			args = append(args, "--"+f.Name+"="+v)
		}
	})
	return args
}

// trainRun trains c as `ldam train` does: its log to stdout, the final evaluation printed; an
// exit code.
func trainRun(c experiment.Config, stdout, stderr io.Writer) int {
	c.Log = stdout
	// Past its memory budget a run stops at the end of its step; a step that keeps growing would
	// meet the kernel's out-of-memory killer first, so the command exits at once.
	c.OnOutOfMemory = func(err error) {
		fmt.Fprintln(stderr, err)
		os.Exit(3)
	}
	// The progress bar redraws itself with terminal escape codes: only on a terminal, never in
	// a log file or a pipe.
	c.Progress = c.Progress && isTerminal(stdout)
	run, err := experiment.Prepare(c)
	if err != nil {
		fmt.Fprintf(stderr, "ldam train: %v\n", err)
		return 1
	}
	d := run.Result.Data
	fmt.Fprintf(stdout, "data: %s (%s), %d classes, train counts %v, test counts %v\n", d.Name, d.Source, len(d.Classes), d.TrainCounts, d.TestCounts)
	be := run.Result.Backend
	if spec.IsONNX(be) { // the thread count changes the speed, and float rounding
		be += ", " + spec.IntraOpThreads() + " intra-op threads"
	}
	if w := backend.SIMDWarning(run.Backend); w != "" {
		fmt.Fprintln(stderr, w)
	}
	fmt.Fprintf(stdout, "backend: %s; preset %s: %d epochs, batch %d, lr %g, T0 %d\n", be, run.Result.Preset.Name,
		run.Result.Preset.Epochs, run.Result.Preset.BatchSize, run.Result.Preset.BaseLR, run.Result.Preset.DeferEpoch)
	if e, from := run.StartEpoch(); e > 0 {
		fmt.Fprintf(stdout, "continuing at epoch %d of %d from %s\n", e+1, run.Result.Preset.Epochs, from)
	}
	if err := run.Fit(); err != nil {
		fmt.Fprintf(stderr, "ldam train: %v\n", err)
		return 1
	}
	printFinal(stdout, run.Result)
	if c.Out != "" {
		fmt.Fprintf(stdout, "wrote %s/%s and %s/%s\n", c.Out, record.ResultsFile, c.Out, record.CheckpointFile)
	}
	return 0
}

// printFinal prints a run's final evaluation: balanced error, per class, and by shot group.
func printFinal(w io.Writer, res *experiment.Result) {
	if res.Final == nil {
		return
	}
	fmt.Fprintf(w, "final balanced top-1 error %.4f, top-5 %.4f (best %.4f at epoch %d)\n", res.Final.Top1Error, res.Final.Top5Error, res.Best.Top1Error, res.BestEpoch+1)
	fmt.Fprintf(w, "per-class error:")
	for j, e := range res.Final.PerClassError {
		fmt.Fprintf(w, " %s=%.3f", res.Data.Classes[j], e)
	}
	fmt.Fprintln(w)
	if f := res.Final; f.ManyShotError != nil || f.MediumShotError != nil || f.FewShotError != nil {
		fmt.Fprintf(w, "many/medium/few-shot error: %s / %s / %s\n", opt(f.ManyShotError), opt(f.MediumShotError), opt(f.FewShotError))
	}
}

// isTerminal reports whether w is a terminal (golang.org/x/term): not a file, a pipe, or a
// character device such as /dev/null.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func opt(p *float64) string {
	if p == nil {
		return "–"
	}
	return strings.TrimRight(fmt.Sprintf("%.4f", *p), " ")
}
