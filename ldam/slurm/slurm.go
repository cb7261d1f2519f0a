// Package slurm hands a grid of runs to the Slurm workload manager as job arrays: it writes the
// batch script of an array (one task per run, each running one command with the task's index),
// submits it with sbatch — after another array or after given tasks when the runs branch from
// first stages still training — and reads the queue back with squeue.
//
// It knows nothing of what a task trains: `ldam sweep --slurm` gives it the sweep's indices and
// the command that resolves an index to a run (`ldam sweep … --task <index>`).
package slurm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"os/user"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Resources are the resources of each array task, as sbatch's options of the same names.
// Empty fields are left to the cluster's defaults.
type Resources struct {
	// CPUsPerTask is --cpus-per-task (0: 2, what ResNet-32 on the pure-Go backend uses well).
	CPUsPerTask int
	// Mem is --mem, the memory of a task's node share ("4G"; ResNet-32 at batch 128 peaks below
	// 2 GB on the pure-Go backend).
	Mem string
	// GRES is --gres ("gpu:1" for a task on one GPU).
	GRES string
	// Time is --time, a task's wall-clock limit ("12:00:00"): a task stopped at its limit resumes
	// from its last checkpoint when the sweep is submitted again.
	Time string
	// Partition and Account are --partition and --account.
	Partition, Account string
}

// DefaultCPUsPerTask is Resources.CPUsPerTask when it is 0.
const DefaultCPUsPerTask = 2

// Array is one job array: a task per index, each running Command with the placeholder
// [TaskIndex] replaced by the task's index ($SLURM_ARRAY_TASK_ID).
type Array struct {
	// Name is the job name (--job-name).
	Name string
	// Indices are the array's task indices, each ≥ 0.
	Indices []int
	// Command is the program and arguments each task runs (exec'd by the batch script).
	Command []string
	// Output is sbatch's --output pattern for what a task prints (%A the array's job ID, %a the
	// task index).
	Output string
	// Env is set in each task's environment before Command runs (NAME=value).
	Env []string
	Resources
}

// TaskIndex is the placeholder of the task's index in Array.Command.
const TaskIndex = "{task}"

// Script returns the array's batch script for sbatch. The dependency is given to sbatch on its
// command line (see [Submit]), so the same script serves a first submission and a resubmission.
func (a Array) Script() (string, error) {
	if len(a.Indices) == 0 {
		return "", errors.New("slurm: an array needs at least one task")
	}
	if len(a.Command) == 0 {
		return "", errors.New("slurm: an array needs a command")
	}
	if !slices.ContainsFunc(a.Command, func(s string) bool { return strings.Contains(s, TaskIndex) }) {
		return "", fmt.Errorf("slurm: the command %q does not name the task's index %s", a.Command, TaskIndex)
	}
	var b strings.Builder
	b.WriteString("#!/bin/bash\n")
	opt := func(name, value string) {
		if value != "" {
			fmt.Fprintf(&b, "#SBATCH --%s=%s\n", name, value)
		}
	}
	opt("job-name", a.Name)
	opt("array", Ranges(a.Indices))
	cpus := a.CPUsPerTask
	if cpus <= 0 {
		cpus = DefaultCPUsPerTask
	}
	opt("cpus-per-task", strconv.Itoa(cpus))
	opt("mem", a.Mem)
	opt("gres", a.GRES)
	opt("time", a.Time)
	opt("partition", a.Partition)
	opt("account", a.Account)
	opt("output", a.Output)
	b.WriteString("set -eu\n")
	// Each task uses the CPUs it was given, however many the node has.
	b.WriteString("export GOMAXPROCS=\"${SLURM_CPUS_PER_TASK:-" + strconv.Itoa(cpus) + "}\"\n")
	for _, e := range a.Env {
		name, value, ok := strings.Cut(e, "=")
		if !ok || !validName.MatchString(name) {
			return "", fmt.Errorf("slurm: environment entry %q is not NAME=value", e)
		}
		fmt.Fprintf(&b, "export %s=%s\n", name, shellQuote(value))
	}
	b.WriteString("exec")
	for _, arg := range a.Command {
		b.WriteString(" ")
		if strings.Contains(arg, TaskIndex) {
			parts := strings.Split(arg, TaskIndex)
			for i, p := range parts {
				if i > 0 {
					b.WriteString(`"$SLURM_ARRAY_TASK_ID"`)
				}
				if p != "" {
					b.WriteString(shellQuote(p))
				}
			}
			continue
		}
		b.WriteString(shellQuote(arg))
	}
	b.WriteString("\n")
	return b.String(), nil
}

var validName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// shellQuote quotes s for bash: as is when it holds only safe characters, else in single quotes.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Ranges writes indices in sbatch's --array syntax: sorted, runs of consecutive indices as
// ranges ("0-3,5,7-9").
func Ranges(indices []int) string {
	s := slices.Clone(indices)
	slices.Sort(s)
	s = slices.Compact(s)
	var parts []string
	for i := 0; i < len(s); {
		j := i
		for j+1 < len(s) && s[j+1] == s[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(s[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", s[i], s[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// TaskID names one task of an array job as Slurm does: "<job>_<index>".
func TaskID(job string, index int) string { return job + "_" + strconv.Itoa(index) }

// Available reports whether sbatch and squeue are on the PATH.
func Available() bool {
	_, e1 := exec.LookPath("sbatch")
	_, e2 := exec.LookPath("squeue")
	return e1 == nil && e2 == nil
}

// Submit submits a batch script with sbatch and returns the job ID. after lists job or task IDs
// ("123", "123_4") that must all finish successfully first (--dependency=afterok:…); the job is
// cancelled if one of them fails instead of waiting for ever (--kill-on-invalid-dep=yes).
func Submit(ctx context.Context, script string, after []string) (string, error) {
	args := []string{"--parsable"}
	if len(after) > 0 {
		args = append(args, "--dependency=afterok:"+strings.Join(after, ":"), "--kill-on-invalid-dep=yes")
	}
	cmd := exec.CommandContext(ctx, "sbatch", args...)
	cmd.Stdin = strings.NewReader(script)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", errors.New("slurm: sbatch is not on the PATH: run on a Slurm login node (or drop --slurm to run here)")
		}
		return "", fmt.Errorf("slurm: sbatch: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	// --parsable prints "jobid" or "jobid;cluster".
	id, _, _ := strings.Cut(strings.TrimSpace(stdout.String()), ";")
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return "", fmt.Errorf("slurm: sbatch printed %q, not a job ID", stdout.String())
	}
	return id, nil
}

// Queue returns the state of every queued or running task of this user's jobs, keyed by task ID
// ("123_4"; a job that is not an array by its ID): PENDING, RUNNING, CONFIGURING, COMPLETING,
// SUSPENDED… as squeue's %T prints them. A job that has left the queue is absent.
func Queue(ctx context.Context) (map[string]string, error) {
	args := []string{"--noheader", "--array", "--format=%i|%T"}
	if u, err := user.Current(); err == nil {
		args = append(args, "--user="+u.Username)
	}
	out, err := exec.CommandContext(ctx, "squeue", args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("slurm: squeue: %v: %s", err, strings.TrimSpace(string(ee.Stderr)))
		}
		return nil, fmt.Errorf("slurm: squeue: %w", err)
	}
	return parseQueue(string(out)), nil
}

// parseQueue parses squeue --array --format=%i|%T lines.
func parseQueue(out string) map[string]string {
	q := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		id, state, ok := strings.Cut(strings.TrimSpace(line), "|")
		if ok && id != "" {
			q[id] = state
		}
	}
	return q
}
