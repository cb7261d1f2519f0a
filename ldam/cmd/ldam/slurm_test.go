package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/record"
	"github.com/ldamlab/ldamlab/ldam/slurm"
)

// requireSlurm skips the test where no Slurm answers, or fails it when $LDAMLAB_REQUIRE_SLURM is
// 1 (CI starts a one-node cluster with scripts/slurm-local.sh).
func requireSlurm(t *testing.T) {
	t.Helper()
	var why string
	if !slurm.Available() {
		why = "sbatch and squeue are not on the PATH"
	} else if _, err := slurm.Queue(context.Background()); err != nil {
		why = err.Error()
	}
	if why == "" {
		return
	}
	if os.Getenv("LDAMLAB_REQUIRE_SLURM") == "1" {
		t.Fatalf("no Slurm to submit to (%s): start one with `eval \"$(scripts/slurm-local.sh start)\"`", why)
	}
	t.Skipf("no Slurm (%s); scripts/slurm-local.sh starts a one-node cluster", why)
}

// TestSweepOnSlurm submits a small grid (two first stages and their two DRW branches) to Slurm,
// cancels one first stage mid-run, checks what the cancel left (the run interrupted, the
// branches' array cancelled with it), submits again and checks that the finished run is skipped,
// the interrupted one resumes and ends exactly as an uninterrupted run of it, and every branch
// started after its first stage had finished.
func TestSweepOnSlurm(t *testing.T) {
	requireSlurm(t)
	if os.Getenv("LDAMLAB_DATASETS") == "" {
		t.Skip("$LDAMLAB_DATASETS is not set")
	}
	dir := t.TempDir()
	bin := buildLDAM(t, dir)
	root := filepath.Join(dir, "repo")
	grid := []string{"sweep", "--table", "table5", "--preset", "quick", "--seeds", "0,1", "--methods", "ERM,ERM-DRW", "--columns", "C10 LT 100", "--root", root}
	extra := []string{"--", "--epochs", "8", "--max_per_class", "100", "--test_per_class", "5", "--batch-size", "32"}
	ldam := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("ldam %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	var jobs []string
	t.Cleanup(func() {
		if len(jobs) > 0 {
			exec.Command("scancel", jobs...).Run()
		}
	})
	submit := func() string {
		out := ldam(slices.Concat(grid, []string{"--slurm", "--cpus-per-task", "1"}, extra)...)
		for _, m := range regexp.MustCompile(`as job (\d+)`).FindAllStringSubmatch(out, -1) {
			jobs = append(jobs, m[1])
		}
		return out
	}
	runDir := func(method string, seed string) string {
		return filepath.Join(root, "results", "quick", "table2", "cifar10-exp100-"+method, "seed-"+seed)
	}
	waitQueueEmpty := func() {
		t.Helper()
		deadline := time.Now().Add(10 * time.Minute)
		for time.Now().Before(deadline) {
			q, err := slurm.Queue(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			left := false
			for id := range q {
				job, _, _ := strings.Cut(id, "_")
				left = left || slices.Contains(jobs, job)
			}
			if !left {
				return
			}
			time.Sleep(500 * time.Millisecond)
		}
		t.Fatalf("jobs %v still queued after 10 minutes", jobs)
	}

	// The uninterrupted run of the first stage that will be cancelled, trained here with the
	// tasks' one thread.
	uninterrupted := filepath.Join(dir, "uninterrupted")
	local := exec.Command(bin, slices.Concat([]string{"sweep", "--table", "table5", "--preset", "quick", "--seeds", "1", "--methods", "ERM", "--columns", "C10 LT 100", "--root", uninterrupted}, extra)...)
	local.Env = append(os.Environ(), "GOMAXPROCS=1")
	var localOut bytes.Buffer
	local.Stdout, local.Stderr = &localOut, &localOut
	if err := local.Start(); err != nil {
		t.Fatal(err)
	}

	out := submit()
	for _, want := range []string{"cifar10-exp100-erm seed 0: submitted as task", "cifar10-exp100-erm-drw seed 1: submitted as task", "submitted array ldam-table2-quick-branches"} {
		if !strings.Contains(out, want) {
			t.Fatalf("first submission lacks %q:\n%s", want, out)
		}
	}
	if len(jobs) != 2 {
		t.Fatalf("first submission made jobs %v, want two arrays:\n%s", jobs, out)
	}
	// Cancel seed 1's first stage once it has written two epochs.
	cancelled := runDir("erm", "1")
	deadline := time.Now().Add(5 * time.Minute)
	for {
		if r, err := record.ReadResult(filepath.Join(cancelled, record.ResultsFile)); err == nil && len(r.History) >= 2 {
			if r.Done {
				t.Fatal("the first stage finished before it could be cancelled")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("seed 1's first stage wrote no two epochs in 5 minutes")
		}
		time.Sleep(100 * time.Millisecond)
	}
	sub, ok := readSubmission(cancelled)
	if !ok {
		t.Fatalf("no %s in %s", submissionFile, cancelled)
	}
	if out, err := exec.Command("scancel", sub.taskID()).CombinedOutput(); err != nil {
		t.Fatalf("scancel %s: %v\n%s", sub.taskID(), err, out)
	}
	waitQueueEmpty()
	status := ldam(append(slices.Clone(grid), "--status")...)
	for _, want := range []string{"cifar10-exp100-erm seed 0: done", "cifar10-exp100-erm seed 1: interrupted", "cifar10-exp100-erm-drw seed 1: not started", "4 runs: "} {
		if !strings.Contains(status, want) {
			t.Errorf("status after the cancel lacks %q:\n%s", want, status)
		}
	}

	// Submitted again: the finished first stage is skipped, the interrupted one resumes.
	out = submit()
	for _, want := range []string{"cifar10-exp100-erm seed 0: done", "cifar10-exp100-erm seed 1: submitted as task", "cifar10-exp100-erm-drw seed 0: submitted as task"} {
		if !strings.Contains(out, want) {
			t.Errorf("second submission lacks %q:\n%s", want, out)
		}
	}
	waitQueueEmpty()
	if err := local.Wait(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, localOut.String())
	}
	status = ldam(append(slices.Clone(grid), "--status")...)
	if !strings.Contains(status, "4 runs: 4 done") {
		t.Fatalf("status at the end:\n%s", status)
	}
	if out := submit(); !strings.Contains(out, "nothing to submit") {
		t.Errorf("third submission:\n%s", out)
	}

	// The resumed run ends as the uninterrupted one, to the bit.
	read := func(dir string) *experiment.Result {
		r, err := record.ReadResult(filepath.Join(dir, record.ResultsFile))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	got, want := read(cancelled), read(filepath.Join(uninterrupted, "results", "quick", "table2", "cifar10-exp100-erm", "seed-1"))
	if len(got.History) != len(want.History) {
		t.Fatalf("resumed run has %d epochs, uninterrupted %d", len(got.History), len(want.History))
	}
	for i := range got.History {
		g, w := got.History[i], want.History[i]
		if g.TrainLoss != w.TrainLoss || g.Test.Top1Error != w.Test.Top1Error {
			t.Errorf("epoch %d: resumed loss %v error %v, uninterrupted %v %v", i, g.TrainLoss, g.Test.Top1Error, w.TrainLoss, w.Test.Top1Error)
		}
	}
	if log, _ := os.ReadFile(filepath.Join(cancelled, "train.log")); !regexp.MustCompile(`continuing at epoch [3-8] of 8 from \S*checkpoint.ckpt`).Match(log) {
		t.Errorf("the second task's log does not say it resumed:\n%s", log)
	}
	gf, _ := json.Marshal(got.Final)
	wf, _ := json.Marshal(want.Final)
	if !bytes.Equal(gf, wf) {
		t.Errorf("final: resumed %s, uninterrupted %s", gf, wf)
	}

	// Each branch started after its first stage had finished.
	started := regexp.MustCompile(`started (\S+)`)
	for _, seed := range []string{"0", "1"} {
		branch := runDir("erm-drw", seed)
		s, ok := readSubmission(branch)
		if !ok {
			t.Fatalf("no submission record in %s", branch)
		}
		log, err := os.ReadFile(filepath.Join(root, "results", "quick", "table2", "slurm", s.taskID()+".out"))
		if err != nil {
			t.Fatal(err)
		}
		m := started.FindStringSubmatch(string(log))
		if m == nil {
			t.Fatalf("branch task's output:\n%s", log)
		}
		start, err := time.Parse(time.RFC3339Nano, m[1])
		if err != nil {
			t.Fatal(err)
		}
		parent, err := os.Stat(filepath.Join(runDir("erm", seed), record.ResultsFile))
		if err != nil {
			t.Fatal(err)
		}
		if !start.After(parent.ModTime()) {
			t.Errorf("seed %s: the branch started at %s, before its first stage finished (%s)", seed, start, parent.ModTime())
		}
		if r := read(branch); !r.Done || r.History[0].Epoch != 0 || r.Config.TrainRule != "DRW" {
			t.Errorf("seed %s: branch done %v, rule %s", seed, r.Done, r.Config.TrainRule)
		}
	}
}
