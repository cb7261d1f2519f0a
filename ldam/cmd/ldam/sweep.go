package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ldamlab/ldamlab/ldam/backend/spec"
	"github.com/ldamlab/ldamlab/ldam/registry"
)

// sweepCmd runs a table's grid of runs: ldam sweep --table table2 --preset lite --seeds 0,1,2
// [--methods ERM,LDAM-DRW] [--columns "C10 LT 100"] [--parallel N] [-- extra ldam train flags].
// With --slurm it submits the grid to Slurm instead (slurm.go), with --task one run of it (what
// an array task runs), with --status it says where each run stands.
func sweepCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ldam sweep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	table := fs.String("table", "table2", "table1 … table5")
	preset := fs.String("preset", "lite", "preset of the runs")
	seedList := fs.String("seeds", "0", "comma-separated seeds")
	methodList := fs.String("methods", "", "comma-separated methods (rows) to run; default all")
	columnList := fs.String("columns", "", `comma-separated columns to run, e.g. "C10 LT 100"; default all`)
	parallel := fs.Int("parallel", 1, "runs at once (each in its own process when > 1, ONNX Runtime's threads split between them: for a GPU that fits several, or a CPU whose threads do not scale)")
	root := fs.String("root", ".", "repository root: results go to <root>/results/<preset>/<table>/<run>/seed-<n>")
	dry := fs.Bool("dry_run", false, "print the runs and their ldam train commands (with --slurm: the batch scripts), run nothing")
	fs.BoolVar(dry, "dry-run", false, "the same as --dry_run")
	status := fs.Bool("status", false, "print where each run of the grid stands (done, running, queued on Slurm, failed, interrupted, not started) and run nothing")
	task := fs.Int("task", -1, "train only the run with this index in the grid's list of runs (what a Slurm array task runs; the other flags must be the submission's)")
	var sub slurmFlags
	sub.register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := finiteFlags(fs); err != nil {
		fmt.Fprintf(stderr, "ldam sweep: %v\n", err)
		return 2
	}
	seeds, err := parseSeeds(*seedList)
	if err != nil {
		fmt.Fprintf(stderr, "ldam sweep: %v\n", err)
		return 2
	}
	jobs, deps, err := registry.Plan(*root, *table, *preset, seeds, split(*methodList), split(*columnList))
	if err != nil {
		fmt.Fprintf(stderr, "ldam sweep: %v\n", err)
		return 2
	}
	extra := fs.Args()
	switch {
	case *task >= 0:
		return sweepTask(jobs, deps, *task, *preset, extra, stdout, stderr)
	case *status:
		return sweepStatus(jobs, stdout, stderr)
	case sub.on:
		grid := gridArgs{table: *table, preset: *preset, seeds: *seedList, methods: *methodList, columns: *columnList, root: *root, extra: extra}
		return submitSweep(grid, jobs, deps, sub, *dry, stdout, stderr)
	}
	for _, j := range jobs {
		state := "to run"
		if j.Done() {
			state = "done"
		} else if j.BranchFrom != "" {
			state = "to run, branching from " + j.BranchFrom
		}
		fmt.Fprintf(stdout, "%s seed %d: %s\n", j.Run.Name, j.Seed, state)
		if *dry {
			fmt.Fprintf(stdout, "  ldam %s\n", strings.Join(quote(jobArgs(j, *preset, extra)), " "))
		}
	}
	if *dry {
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	self, _ := os.Executable()
	err = registry.Sweep(ctx, jobs, deps, *parallel, func(ctx context.Context, j registry.Job) error {
		fmt.Fprintf(stdout, "start %s seed %d (log: %s)\n", j.Run.Name, j.Seed, filepath.Join(j.Dir, "train.log"))
		if *parallel == 1 {
			return trainJob(j, *preset, extra, stdout)
		}
		return trainJobIn(j, func(logFile *os.File) error {
			cmd := childCmd(ctx, self, jobArgs(j, *preset, extra), *parallel)
			cmd.Stdout, cmd.Stderr = logFile, logFile
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("%v: %s (log: %s)", err, logTail(logFile.Name()), logFile.Name())
			}
			return nil
		}, stdout)
	})
	if err != nil {
		fmt.Fprintf(stderr, "ldam sweep: %v\n", err)
		return 1
	}
	return 0
}

// trainJob trains a job in this process, its output appended to the run's train.log; done hears
// "done <run> seed <n>" after a success.
func trainJob(j registry.Job, preset string, extra []string, done io.Writer) error {
	return trainJobIn(j, func(logFile *os.File) error {
		cfg, err := withFlags(j.Config(trainDefaults(), preset), extra)
		if err != nil {
			fmt.Fprintf(logFile, "ldam sweep: %v\n", err)
			return fmt.Errorf("bad ldam train flags: %v", err)
		}
		if code := trainRun(cfg, logFile, logFile); code != 0 {
			return fmt.Errorf("ldam train exited with %d: %s (log: %s)", code, logTail(logFile.Name()), logFile.Name())
		}
		return nil
	}, done)
}

// jobArgs are the `ldam train` arguments of a job in a preset (its configuration's flags),
// with the sweep's extra flags after them.
func jobArgs(j registry.Job, preset string, extra []string) []string {
	return append(append([]string{"train"}, trainArgs(j.Config(trainDefaults(), preset))...), extra...)
}

// trainJobIn runs train with the job's train.log open for appending, clearing the job's failure
// record first and leaving one (registry.FailedFile) if it fails. done, when not nil, hears
// "done <run> seed <n>" after a success.
func trainJobIn(j registry.Job, train func(logFile *os.File) error, done io.Writer) error {
	if err := os.MkdirAll(j.Dir, 0o755); err != nil {
		return err
	}
	logFile, err := os.OpenFile(filepath.Join(j.Dir, "train.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	if err := j.MarkFailed(nil); err != nil {
		return err
	}
	if err := train(logFile); err != nil {
		j.MarkFailed(err)
		return err
	}
	if done != nil {
		fmt.Fprintf(done, "done %s seed %d\n", j.Run.Name, j.Seed)
	}
	return nil
}

// childCmd is the process of one of parallel runs at once: ONNX Runtime's threads are split
// between them (spec.ShareThreads).
func childCmd(ctx context.Context, self string, args []string, parallel int) *exec.Cmd {
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Env = spec.ShareThreads(os.Environ(), parallel)
	return cmd
}

// logTail is the last line of a log file.
func logTail(file string) string {
	b, _ := os.ReadFile(file)
	return lastLine(string(b))
}

// split splits a comma-separated list, dropping empty items.
// parseSeeds parses a --seeds list ("0,1,2").
func parseSeeds(list string) ([]uint64, error) {
	var seeds []uint64
	for _, s := range split(list) {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("bad seed %q in --seeds %q: use comma-separated non-negative integers", s, list)
		}
		seeds = append(seeds, v)
	}
	return seeds, nil
}

func split(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// quote quotes the arguments that hold spaces, for printing.
func quote(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if strings.ContainsAny(a, " \t") {
			out[i] = strconv.Quote(a)
		}
	}
	return out
}
