package registry

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/ldamlab/ldamlab/ldam/paper"
	"github.com/ldamlab/ldamlab/ldam/record"
)

// Job is one run of a sweep: a table cell, a seed, and the run it branches from (empty when it
// trains from scratch).
type Job struct {
	Run        Run
	Seed       uint64
	Dir        string
	BranchFrom string
}

// Config is the job's training configuration in a preset: base (the command line's defaults,
// or a zero Config for resolve's) with every field the cell sets (its setting, method and
// options: a field left zero keeps base's value), the seed, the run directory (resumed) and the
// first stage it branches from.
func (j Job) Config(base record.Config, preset string) record.Config {
	c := base
	out, cell := reflect.ValueOf(&c).Elem(), reflect.ValueOf(j.Run.Config)
	for i := range cell.NumField() {
		if f := cell.Field(i); !f.IsZero() {
			out.Field(i).Set(f)
		}
	}
	c.Preset, c.Seed, c.Out, c.Resume, c.Progress = preset, j.Seed, j.Dir, true, false
	c.BranchFrom = j.BranchFrom
	return c
}

// Plan lists the jobs of a table's grid in a preset for the given seeds, restricted to the
// given methods and columns (all when empty). Runs whose first stage another run of the grid
// shares (ERM-DRW and ERM-DRS with ERM, LDAM-DRW with LDAM: same loss, rule None) branch from
// it. The second value says which jobs depend on which: deps[i] is the index of the job that
// must finish first, or −1.
func Plan(root, table, preset string, seeds []uint64, methods, columns []string) ([]Job, []int, error) {
	t, err := Grid(table)
	if err != nil {
		return nil, nil, err
	}
	for _, m := range methods {
		if !slices.ContainsFunc(t.Rows, func(r paper.Row) bool { return r.Method == m }) {
			return nil, nil, fmt.Errorf("registry: %s has no method %q", t.Name, m)
		}
	}
	for _, c := range columns {
		if !slices.Contains(t.Columns, c) {
			return nil, nil, fmt.Errorf("registry: %s has no column %q; its columns are %q", t.Name, c, t.Columns)
		}
	}
	var jobs []Job
	for _, seed := range seeds {
		for _, row := range t.Rows {
			if len(methods) > 0 && !slices.Contains(methods, row.Method) {
				continue
			}
			for ci, col := range t.Columns {
				if len(columns) > 0 && !slices.Contains(columns, col) || !t.RunMissing && slices.Contains(row.Missing, ci) {
					continue
				}
				run, err := Cell(t.Name, row.Method, col)
				if err != nil {
					return nil, nil, err
				}
				// One run per setting and method, whatever the metric column (top-1/top-5).
				if slices.ContainsFunc(jobs, func(j Job) bool { return j.Run.Name == run.Name && j.Seed == seed }) {
					continue
				}
				jobs = append(jobs, Job{Run: run, Seed: seed, Dir: run.Dir(root, preset, seed)})
			}
		}
	}
	deps := make([]int, len(jobs))
	for i, j := range jobs {
		deps[i] = -1
		if r := j.Run.Config.TrainRule; r != "DRW" && r != "DRS" {
			continue
		}
		for k, b := range jobs {
			if b.Seed == j.Seed && b.Run.Setting == j.Run.Setting && b.Run.Config.LossType == j.Run.Config.LossType && b.Run.Config.TrainRule == "None" &&
				b.Run.Config.SAMRho == j.Run.Config.SAMRho && b.Run.Config.Mixup == j.Run.Config.Mixup && b.Run.Config.WeightDecay == j.Run.Config.WeightDecay { // no table has a DRW row beside a mixup or WB row yet: a guard
				jobs[i].BranchFrom, deps[i] = b.Dir, k
			}
		}
		if deps[i] >= 0 {
			continue
		}
		// The first-stage run is not in this sweep (say --methods ERM-DRW alone): branch from
		// it when it has already passed T0.
		for _, row := range t.Rows {
			if m, ok := Methods[row.Method]; !ok || m.Loss != j.Run.Config.LossType || m.Rule != "None" || samRho[row.Method] != j.Run.Config.SAMRho ||
				stage2[row.Method].Mixup != j.Run.Config.Mixup || weightDecay[row.Method] != j.Run.Config.WeightDecay {
				continue
			}
			base, err := Cell(t.Name, row.Method, j.Run.Column)
			if err != nil {
				continue
			}
			dir := base.Dir(root, preset, j.Seed)
			if _, err := os.Stat(filepath.Join(dir, record.Stage1File)); err == nil {
				jobs[i].BranchFrom = dir
				break
			}
		}
	}
	return jobs, deps, nil
}

// Done reports whether a job's run has finished (its results.json says so) on the images this
// build selects (a stale run is not done: see [Job.Stale]).
func (j Job) Done() bool {
	r, err := record.ReadResult(filepath.Join(j.Dir, record.ResultsFile))
	return err == nil && r.Done && !record.StaleSelection(r)
}

// Stale reports whether the job's directory holds a run (finished or not) made on images
// chosen by an earlier selection; a sweep moves such a run aside ([Job.Archive]) and trains
// the cell again.
func (j Job) Stale() bool {
	r, err := record.ReadResult(filepath.Join(j.Dir, record.ResultsFile))
	return err == nil && record.StaleSelection(r)
}

// ArchivePrefix names, beside seed-<n>, a run directory moved aside by [Job.Archive]; the
// registry reads only seed-<n>.
const ArchivePrefix = "earlier-selection-"

// Archive moves the job's directory aside to earlier-selection-seed-<n> (numbered if that
// exists), so that the cell trains again from scratch while the earlier run stays on disk (and in
// the repository's history). It returns the new directory.
func (j Job) Archive() (string, error) {
	parent, base := filepath.Split(j.Dir)
	to := filepath.Join(parent, ArchivePrefix+base)
	for k := 2; ; k++ {
		if _, err := os.Stat(to); os.IsNotExist(err) {
			break
		}
		to = filepath.Join(parent, fmt.Sprintf("%s%s.%d", ArchivePrefix, base, k))
	}
	return to, os.Rename(j.Dir, to)
}

// Sweep runs the jobs, at most parallel at a time, each after the job it depends on; finished
// jobs are skipped and interrupted ones resume (run gets --resume). A free slot goes to the
// first job in the list whose first stage has finished, so one slot trains the list in order. A
// job's run on the earlier image selection is moved aside only when that job starts, so it
// stays readable until its replacement is being trained. Sweep returns the first error after
// every job that could run has run.
func Sweep(ctx context.Context, jobs []Job, deps []int, parallel int, run func(ctx context.Context, j Job) error) error {
	if parallel < 1 {
		parallel = 1
	}
	const (
		pending = iota
		running
		finished
		failed
	)
	state := make([]int, len(jobs))
	var first error
	fail := func(i int, err error) {
		state[i] = failed
		if first == nil {
			first = err
		}
	}
	type outcome struct {
		i   int
		err error
	}
	results := make(chan outcome)
	active := 0
	for {
		// Start the first startable jobs, in order, while slots are free.
		for i := 0; i < len(jobs) && active < parallel; i++ {
			if state[i] != pending {
				continue
			}
			j := jobs[i]
			if d := deps[i]; d >= 0 {
				switch state[d] {
				case failed:
					fail(i, fmt.Errorf("%s seed %d: not run, %s failed", j.Run.Name, j.Seed, jobs[d].Run.Name))
					i = -1 // rescan: Plan does not promise that a job's dependents come after it
					continue
				case pending, running:
					continue
				}
			}
			if j.Done() {
				state[i] = finished
				i = -1 // rescan, as above
				continue
			}
			if err := ctx.Err(); err != nil {
				fail(i, err)
				continue
			}
			state[i] = running
			active++
			go func() {
				results <- outcome{i, start(ctx, j, run)}
			}()
		}
		if active == 0 {
			break
		}
		o := <-results
		active--
		state[o.i] = finished
		if o.err != nil {
			fail(o.i, fmt.Errorf("%s seed %d: %w", jobs[o.i].Run.Name, jobs[o.i].Seed, o.err))
		}
	}
	return first
}

// start trains one job of a sweep: it moves a run on the earlier image selection aside, then
// runs the job in its directory.
func start(ctx context.Context, j Job, run func(ctx context.Context, j Job) error) error {
	if j.Stale() {
		if _, err := j.Archive(); err != nil {
			return fmt.Errorf("moving the run on the earlier image selection aside: %w", err)
		}
	}
	if err := os.MkdirAll(j.Dir, 0o755); err != nil {
		return err
	}
	return run(ctx, j)
}

// FailedFile is written into a run directory when a sweep's training of the run exits with an
// error (the error, for `ldam sweep --status`); the next attempt removes it.
const FailedFile = "failed.txt"

// State is where a job of a sweep stands, as the run directory shows it.
type State string

// The states of [Job.State]; a scheduler adds its own (queued).
const (
	StateDone        State = "done"
	StateStale       State = "stale"
	StateRunning     State = "running"
	StateFailed      State = "failed"
	StateInterrupted State = "interrupted"
	StateNotStarted  State = "not started"
)

// State reports where the job stands and a detail: done (results.json says so); stale (a run on
// the earlier image selection: the next sweep moves it aside and trains again); running (a
// process holds the run's lock; the detail names it); failed (the last attempt left
// [FailedFile]; the detail is its error); interrupted (a checkpoint or partial results exist: the
// next sweep resumes it); not started.
func (j Job) State() (State, string) {
	if j.Done() {
		return StateDone, ""
	}
	if who, ok := record.Training(j.Dir); ok {
		return StateRunning, who
	}
	if j.Stale() {
		return StateStale, "trained on images chosen by the earlier selection; the next sweep trains it again"
	}
	if b, err := os.ReadFile(filepath.Join(j.Dir, FailedFile)); err == nil {
		return StateFailed, strings.TrimSpace(string(b))
	}
	for _, f := range []string{record.CheckpointFile, record.ResultsFile} {
		if _, err := os.Stat(filepath.Join(j.Dir, f)); err == nil {
			return StateInterrupted, ""
		}
	}
	return StateNotStarted, ""
}

// MarkFailed records that the job's training failed with err ([FailedFile]); MarkFailed(nil)
// removes the record, as a new attempt starts.
func (j Job) MarkFailed(err error) error {
	path := filepath.Join(j.Dir, FailedFile)
	if err == nil {
		if e := os.Remove(path); e != nil && !os.IsNotExist(e) {
			return e
		}
		return nil
	}
	return os.WriteFile(path, []byte(err.Error()+"\n"), 0o644)
}
