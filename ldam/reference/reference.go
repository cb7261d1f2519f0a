// Package reference runs the PyTorch reference of the official LDAM-DRW recipe
// (reference/official_recipe.py, written from kaidic/LDAM-DRW's cifar_train.py) under LDAM Lab's
// presets and data, and places its results beside ours:
//
//	results/<preset>/reference/<run>/seed-<n>/results.json
//
// in the registry's schema, <run> named as the registry names our run of the same cell (for
// example cifar10-exp100-ldam-drw). Only the implementation differs from our run of that cell:
// the same JPEG CIFAR-10, the same counts, schedule, batch and optimizer settings.
package reference

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/registry"
	"github.com/ldamlab/ldamlab/ldam/schedule"
)

const (
	// Script is the reference implementation, relative to the repository root.
	Script = "reference/official_recipe.py"
	// Engine names the reference in results.json ("backend") and in tables.
	Engine = "pytorch-official-recipe"
	// Table is the folder of results/<preset>/ that holds the reference's runs.
	Table = registry.ReferenceTable
	// Stage1File is the reference's checkpoint at T0, which DRW runs branch from.
	Stage1File = "stage1.pt"
	// CheckpointFile is the reference's checkpoint after the last finished epoch.
	CheckpointFile = "checkpoint.pt"
)

// Methods are the rows the reference runs: the official code's CE and LDAM losses with its
// train rules None, DRW and Reweight (its Resample rule calls a sampler the code never defines).
var Methods = []string{"ERM", "ERM-DRW", "LDAM", "LDAM-DRW", "CB RW"}

// base is the run whose first stage a DRW run shares.
var base = map[string]string{"ERM-DRW": "ERM", "LDAM-DRW": "LDAM"}

// Python is the interpreter with PyTorch: $LDAMLAB_PYTHON, else Debian's /usr/bin/python3
// (python3-torch).
func Python() string {
	if p := os.Getenv("LDAMLAB_PYTHON"); p != "" {
		return p
	}
	return "/usr/bin/python3"
}

// Available reports why PyTorch cannot run the reference (nil when it can).
func Available() error {
	out, err := exec.Command(Python(), "-c", "import torch, numpy, PIL").CombinedOutput()
	if err != nil {
		return fmt.Errorf("the reference needs PyTorch, numpy and Pillow in %s (%v: %s); on Debian: apt-get install python3-torch python3-pil, or set LDAMLAB_PYTHON", Python(), err, lastLine(out))
	}
	return nil
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// Job is one reference run: a table cell of Table 2, a seed, its directory, and the run it
// branches from at T0 (empty: from scratch).
type Job struct {
	Run        registry.Run
	Seed       uint64
	Dir        string
	BranchFrom string
}

// Done reports whether the job's results.json says the run finished.
func (j Job) Done() bool {
	r, err := record.ReadResult(filepath.Join(j.Dir, record.ResultsFile))
	return err == nil && r.Done
}

// Plan lists the reference runs of the given methods (rows of Table 2/5) on one column of
// Table 2 for the seeds, seed by seed, each DRW run after the run it branches from. The runs
// train on the official code's selection of the images, which is ours too
// (datasets.SelectPerClass).
func Plan(root, preset string, seeds []uint64, methods []string, column string) ([]Job, error) {
	if len(methods) == 0 {
		methods = Methods[:4]
	}
	for _, m := range methods {
		if !slices.Contains(Methods, m) {
			return nil, fmt.Errorf("reference: the official recipe has no method %q; use one of %v", m, Methods)
		}
	}
	var jobs []Job
	for _, seed := range seeds {
		// First stages first, so that their branches can follow.
		order := slices.Clone(methods)
		slices.SortStableFunc(order, func(a, b string) int {
			_, ba := base[a]
			_, bb := base[b]
			switch {
			case !ba && bb:
				return -1
			case ba && !bb:
				return 1
			}
			return 0
		})
		for _, m := range order {
			run, err := Cell(m, column)
			if err != nil {
				return nil, err
			}
			j := Job{Run: run, Seed: seed, Dir: run.Dir(root, preset, seed)}
			if b, ok := base[m]; ok {
				br, err := Cell(b, column)
				if err != nil {
					return nil, err
				}
				dir := br.Dir(root, preset, seed)
				_, staged := os.Stat(filepath.Join(dir, Stage1File))
				if slices.Contains(order, b) || staged == nil {
					j.BranchFrom = dir
				}
			}
			jobs = append(jobs, j)
		}
	}
	return jobs, nil
}

// Cell is the registry's run of a Table 2 cell, placed in the reference's folder.
func Cell(method, column string) (registry.Run, error) {
	run, err := registry.Cell("table2", method, column)
	if err != nil {
		return run, err
	}
	if run.Setting.Dataset != "cifar10" {
		return run, fmt.Errorf("reference: column %q is not CIFAR-10; the reference reads only the CIFAR-10 JPEG archives", column)
	}
	return run.Reference(), nil
}

// Args are the reference script's arguments for a job in a preset (threads: PyTorch's intra-op
// threads; resume: continue from the run's checkpoint.pt when it has one).
func (j Job) Args(root string, p schedule.Preset, threads int) ([]string, error) {
	p = p.ForDataset("cifar10")
	pj, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	c := j.Run.Config
	args := []string{filepath.Join(root, Script), "--preset_json", string(pj), "--out", j.Dir,
		"--loss_type", c.LossType, "--train_rule", c.TrainRule, "--imb_type", c.ImbType,
		"--imb_factor", strconv.FormatFloat(c.ImbFactor, 'g', -1, 64), "--seed", strconv.FormatUint(j.Seed, 10),
		"--threads", strconv.Itoa(max(1, threads)), "--resume"}
	if j.BranchFrom != "" {
		args = append(args, "--branch_from", j.BranchFrom)
	}
	return args, nil
}

// Run trains the jobs in order with the reference, output to each run's train.log (and to
// progress, when not nil): finished runs are skipped, interrupted ones resume from their
// checkpoint, DRW runs branch from their first stage at T0. A run whose first stage failed is
// not started. It returns the first error after trying every job.
func Run(root string, p schedule.Preset, jobs []Job, threads int, progress io.Writer) error {
	if err := Available(); err != nil {
		return err
	}
	var first error
	failed := map[string]bool{}
	fail := func(j Job, err error) {
		failed[j.Dir] = true
		if first == nil {
			first = fmt.Errorf("%s seed %d: %w", j.Run.Name, j.Seed, err)
		}
	}
	for _, j := range jobs {
		switch {
		case j.Done():
		case j.BranchFrom != "" && failed[j.BranchFrom]:
			fail(j, errors.New("not run, the run it branches from failed"))
		default:
			if err := runOne(root, p, j, threads, progress); err != nil {
				fail(j, err)
			}
		}
	}
	return first
}

func runOne(root string, p schedule.Preset, j Job, threads int, progress io.Writer) error {
	if err := os.MkdirAll(j.Dir, 0o755); err != nil {
		return err
	}
	args, err := j.Args(root, p, threads)
	if err != nil {
		return err
	}
	logFile, err := os.OpenFile(filepath.Join(j.Dir, "train.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	if progress != nil {
		fmt.Fprintf(progress, "reference %s seed %d (log: %s)\n", j.Run.Name, j.Seed, logFile.Name())
	}
	cmd := exec.Command(Python(), args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), "OMP_NUM_THREADS="+strconv.Itoa(max(1, threads)))
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("the reference exited with %d (log: %s)", ee.ExitCode(), logFile.Name())
		}
		return err
	}
	if !j.Done() {
		return fmt.Errorf("the reference ended without finishing the run (log: %s)", logFile.Name())
	}
	return nil
}
