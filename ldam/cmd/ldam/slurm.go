package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ldamlab/ldamlab/ldam/registry"
	"github.com/ldamlab/ldamlab/ldam/slurm"
)

// slurmFlags are ldam sweep's flags for submitting the grid to Slurm.
type slurmFlags struct {
	on      bool
	command string
	res     slurm.Resources
}

func (f *slurmFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.on, "slurm", false, "submit the grid's unfinished runs to Slurm as job arrays (one task per run; runs that branch from a first stage in a second array after it) instead of training here")
	fs.StringVar(&f.command, "slurm_command", "", "the ldam command the tasks run on the nodes, split at spaces (default: this executable's absolute path; e.g. \"apptainer exec --bind $PWD ldamlab.sif /home/lab/bin/ldam\")")
	fs.IntVar(&f.res.CPUsPerTask, "cpus-per-task", slurm.DefaultCPUsPerTask, "sbatch --cpus-per-task of each run")
	fs.StringVar(&f.res.Mem, "mem", "", "sbatch --mem of each run (e.g. 4G; default the cluster's)")
	fs.StringVar(&f.res.GRES, "gres", "", "sbatch --gres of each run (e.g. gpu:1, with -- --backend xla:cuda)")
	fs.StringVar(&f.res.Time, "time", "", "sbatch --time of each run (e.g. 12:00:00); a run stopped at its limit resumes when the sweep is submitted again")
	fs.StringVar(&f.res.Partition, "partition", "", "sbatch --partition")
	fs.StringVar(&f.res.Account, "account", "", "sbatch --account")
}

// gridArgs are the flags that define a sweep's grid: an array task gets the same ones, so that
// its --task index names the same run.
type gridArgs struct {
	table, preset, seeds, methods, columns, root string
	extra                                        []string
}

// taskCommand is the command of an array task: program, then ldam sweep with the grid's flags
// and --task.
func (g gridArgs) taskCommand(program []string) []string {
	cmd := append(append([]string(nil), program...), "sweep", "--table", g.table, "--preset", g.preset, "--seeds", g.seeds, "--root", g.root)
	if g.methods != "" {
		cmd = append(cmd, "--methods", g.methods)
	}
	if g.columns != "" {
		cmd = append(cmd, "--columns", g.columns)
	}
	cmd = append(cmd, "--task", slurm.TaskIndex)
	if len(g.extra) > 0 {
		cmd = append(append(cmd, "--"), g.extra...)
	}
	return cmd
}

// submissionFile, in a run directory, records the array task that was submitted to train it.
const submissionFile = "slurm.json"

// submission is the content of submissionFile.
type submission struct {
	Job       string `json:"job"`
	Task      int    `json:"task"`
	Submitted string `json:"submitted"`
}

func (s submission) taskID() string { return slurm.TaskID(s.Job, s.Task) }

func readSubmission(dir string) (submission, bool) {
	var s submission
	b, err := os.ReadFile(filepath.Join(dir, submissionFile))
	if err != nil || json.Unmarshal(b, &s) != nil || s.Job == "" {
		return s, false
	}
	return s, true
}

func writeSubmission(dir string, s submission) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, submissionFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, submissionFile))
}

// queuedState is the Slurm state of the task last submitted for dir, if it is still in the queue.
func queuedState(queue map[string]string, dir string) (taskID, state string, ok bool) {
	s, found := readSubmission(dir)
	if !found {
		return "", "", false
	}
	state, ok = queue[s.taskID()]
	return s.taskID(), state, ok
}

// submitSweep submits the grid's unfinished runs as at most two job arrays: the runs that can
// start now, and the runs that branch from a first stage still to train (after the first array,
// or after the first stage's task queued by an earlier submission). Runs that are done, training,
// or queued are skipped.
func submitSweep(grid gridArgs, jobs []registry.Job, deps []int, sub slurmFlags, dry bool, stdout, stderr io.Writer) int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "ldam sweep: "+format+"\n", args...)
		return 1
	}
	root, err := filepath.Abs(grid.root)
	if err != nil {
		return fail("%v", err)
	}
	grid.root = root
	program := strings.Fields(sub.command)
	if len(program) == 0 {
		self, err := os.Executable()
		if err != nil {
			return fail("cannot find this executable (%v): give --slurm_command", err)
		}
		program = []string{self}
	}
	ctx := context.Background()
	queue := map[string]string{}
	if slurm.Available() {
		if queue, err = slurm.Queue(ctx); err != nil {
			return fail("%v", err)
		}
	} else if !dry {
		return fail("sbatch and squeue are not on the PATH: submit from a Slurm login node, or use --dry_run to see the scripts")
	}
	// The runs to submit, and what each waits for.
	pending := make([]bool, len(jobs))
	for i, j := range jobs {
		state, detail := j.State()
		switch state {
		case registry.StateDone:
			fmt.Fprintf(stdout, "%s seed %d: done\n", j.Run.Name, j.Seed)
			continue
		case registry.StateRunning:
			fmt.Fprintf(stdout, "%s seed %d: being trained by %s, skipped\n", j.Run.Name, j.Seed, detail)
			continue
		}
		if id, st, ok := queuedState(queue, j.Dir); ok {
			fmt.Fprintf(stdout, "%s seed %d: already in the queue as task %s (%s), skipped\n", j.Run.Name, j.Seed, id, st)
			continue
		}
		pending[i] = true
	}
	var first, second []int
	var after []string
	needFirst := false
	for i, j := range jobs {
		if !pending[i] {
			continue
		}
		d := deps[i]
		switch {
		case d < 0 || jobs[d].Done():
			first = append(first, i)
		case pending[d]:
			second, needFirst = append(second, i), true
		default:
			if id, _, ok := queuedState(queue, jobs[d].Dir); ok {
				second, after = append(second, i), append(after, id)
				continue
			}
			_, who := jobs[d].State()
			fmt.Fprintf(stdout, "%s seed %d: waits for its first stage %s, being trained outside this submission (%s): submit again when it finishes\n", j.Run.Name, j.Seed, jobs[d].Run.Name, who)
		}
	}
	if len(first)+len(second) == 0 {
		fmt.Fprintln(stdout, "nothing to submit")
		return 0
	}
	logs := filepath.Join(root, "results", grid.preset, registry.DirTable(grid.table), "slurm")
	if !dry {
		if err := os.MkdirAll(logs, 0o755); err != nil {
			return fail("%v", err)
		}
	}
	name := fmt.Sprintf("ldam-%s-%s", registry.DirTable(grid.table), grid.preset)
	array := func(indices []int, suffix string) slurm.Array {
		return slurm.Array{Name: name + suffix, Indices: indices, Command: grid.taskCommand(program),
			Output: filepath.Join(logs, "%A_%a.out"), Resources: sub.res}
	}
	firstID := ""
	for _, part := range []struct {
		indices []int
		suffix  string
	}{{first, ""}, {second, "-branches"}} {
		if len(part.indices) == 0 {
			continue
		}
		a := array(part.indices, part.suffix)
		script, err := a.Script()
		if err != nil {
			return fail("%v", err)
		}
		var deps []string
		if part.suffix != "" {
			deps = append(deps, after...)
			if needFirst {
				deps = append(deps, firstID)
			}
		}
		if dry {
			fmt.Fprintf(stdout, "--- array %s (%d runs)", a.Name, len(part.indices))
			if len(deps) > 0 {
				if needFirst && firstID == "" {
					deps[len(deps)-1] = "<the first array's job ID>"
				}
				fmt.Fprintf(stdout, ", submitted with --dependency=afterok:%s --kill-on-invalid-dep=yes", strings.Join(deps, ":"))
			}
			fmt.Fprintf(stdout, "\n%s", script)
			continue
		}
		id, err := slurm.Submit(ctx, script, deps)
		if err != nil {
			return fail("%v", err)
		}
		if part.suffix == "" {
			firstID = id
		}
		now := time.Now().UTC().Format(time.RFC3339)
		for _, i := range part.indices {
			j := jobs[i]
			if err := os.MkdirAll(j.Dir, 0o755); err != nil {
				return fail("%v", err)
			}
			if err := writeSubmission(j.Dir, submission{Job: id, Task: i, Submitted: now}); err != nil {
				return fail("%v", err)
			}
			fmt.Fprintf(stdout, "%s seed %d: submitted as task %s\n", j.Run.Name, j.Seed, slurm.TaskID(id, i))
		}
		fmt.Fprintf(stdout, "submitted array %s as job %s (%d runs; Slurm's output in %s)\n", a.Name, id, len(part.indices), logs)
	}
	return 0
}

// sweepTask trains the grid's run with the given index: what one array task does.
func sweepTask(jobs []registry.Job, deps []int, task int, preset string, extra []string, stdout, stderr io.Writer) int {
	if task >= len(jobs) {
		fmt.Fprintf(stderr, "ldam sweep: --task %d, but the grid has %d runs (indices 0 to %d): give --task the flags of the submission that made the task\n", task, len(jobs), len(jobs)-1)
		return 2
	}
	j := jobs[task]
	host, _ := os.Hostname()
	fmt.Fprintf(stdout, "task %d: %s seed %d in %s (host %s, Slurm job %s), started %s\n", task, j.Run.Name, j.Seed, j.Dir, host, os.Getenv("SLURM_JOB_ID"), time.Now().UTC().Format(time.RFC3339Nano))
	if j.Done() {
		fmt.Fprintf(stdout, "%s seed %d: done already\n", j.Run.Name, j.Seed)
		return 0
	}
	if j.Stale() {
		to, err := j.Archive()
		if err != nil {
			fmt.Fprintf(stderr, "ldam sweep: %s seed %d: moving the run on the earlier image selection aside: %v\n", j.Run.Name, j.Seed, err)
			return 1
		}
		fmt.Fprintf(stdout, "%s seed %d: its earlier run chose other images (the earlier selection); moved to %s, training again\n", j.Run.Name, j.Seed, to)
	}
	if d := deps[task]; d >= 0 && !jobs[d].Done() {
		fmt.Fprintf(stderr, "ldam sweep: %s seed %d branches from %s, which has not finished (its task failed or was cancelled): submit the sweep again\n", j.Run.Name, j.Seed, jobs[d].Dir)
		return 1
	}
	if err := trainJob(j, preset, extra, stdout); err != nil {
		fmt.Fprintf(stderr, "ldam sweep: %s seed %d: %v\n", j.Run.Name, j.Seed, err)
		return 1
	}
	return 0
}

// sweepStatus prints where each run of the grid stands, Slurm's queue included when squeue is
// on the PATH, and the count of each state.
func sweepStatus(jobs []registry.Job, stdout, stderr io.Writer) int {
	var queue map[string]string
	if slurm.Available() {
		q, err := slurm.Queue(context.Background())
		if err != nil {
			fmt.Fprintf(stderr, "ldam sweep: %v (the states below leave Slurm's queue out)\n", err)
		}
		queue = q
	}
	counts := map[string]int{}
	var order []string
	for _, j := range jobs {
		state, detail := j.State()
		s := string(state)
		if state != registry.StateDone && state != registry.StateRunning {
			if id, st, ok := queuedState(queue, j.Dir); ok {
				s, detail = "queued", fmt.Sprintf("Slurm task %s, %s", id, st)
				if st == "RUNNING" || st == "CONFIGURING" {
					s = "running"
				}
			}
		}
		if counts[s] == 0 {
			order = append(order, s)
		}
		counts[s]++
		line := fmt.Sprintf("%s seed %d: %s", j.Run.Name, j.Seed, s)
		if detail != "" {
			line += " (" + detail + ")"
		}
		fmt.Fprintln(stdout, line)
	}
	var parts []string
	for _, s := range order {
		parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
	}
	fmt.Fprintf(stdout, "%d runs: %s\n", len(jobs), strings.Join(parts, ", "))
	return 0
}
