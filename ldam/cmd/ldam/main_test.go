package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/ldam/backend/spec"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/registry"
)

func TestBadFlagsGiveClearMessages(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "usage"},
		{[]string{"fly"}, 2, `unknown command "fly"`},
		{[]string{"train", "--no_such_flag"}, 2, "flag provided but not defined"},
		{[]string{"train", "--loss_type", "Hinge2"}, 1, `unknown loss type "Hinge2"`},
		{[]string{"train", "--train_rule", "Magic"}, 1, `unknown train rule "Magic"`},
		{[]string{"train", "--imb_factor", "2"}, 1, "--imb_factor 2 is outside (0, 1]"},
		{[]string{"train", "--imb_factor", "-0.5"}, 1, "outside (0, 1]"},
		{[]string{"train", "--imb_type", "zigzag"}, 1, `unknown imbalance type "zigzag"`},
		{[]string{"train", "--dataset", "svhn"}, 1, `unknown dataset "svhn"`},
		{[]string{"train", "--preset", "slow"}, 1, `unknown preset "slow"`},
		{[]string{"train", "--backend", "tpu"}, 1, `unknown backend "tpu"`},
		{[]string{"train", "--epochs", "-3"}, 1, "must not be negative"},
		{[]string{"train", "extra"}, 2, "unexpected arguments"},
		{[]string{"bench", "--steps", "0"}, 2, "must be ≥ 1"},
		{[]string{"bench", "--arch", "vgg"}, 2, `unknown --arch "vgg"`},
		{[]string{"train", "--lr", "nan"}, 2, "--lr NaN is not a finite number"},
		{[]string{"reference", "--seeds", "0,x"}, 2, `bad seed "x"`},
		{[]string{"reference", "--column", "C100 LT 100"}, 2, "CIFAR-10"},
		{[]string{"train", "--wd", "-Inf"}, 2, "--wd -Inf is not a finite number"},
		{[]string{"table", "--table", "table9"}, 2, `unknown table "table9"`},
		{[]string{"restage"}, 2, "usage: ldam restage"},
		{[]string{"restage", "no/such/run"}, 1, "results.json"},
		{[]string{"train", "--branch_from", "/nonexistent/run"}, 1, "branching from /nonexistent/run/stage1.ckpt"},
		{[]string{"train", "--mixup", "-1"}, 1, "mixup's α must be a finite number ≥ 0"},
		{[]string{"train", "--stage2", "cRT2"}, 1, `--stage2 "cRT2"`},
		{[]string{"train", "--stage2", "MiSLAS", "--loss_type", "LDAM"}, 1, "cosine head"},
		{[]string{"train", "--stage2", "mislas", "--smooth_head", "1.5"}, 1, "must lie in [0, 1]"},
		{[]string{"train", "--smooth_head", "0.3"}, 1, "add it or drop them"},
	}
	for _, tc := range cases {
		var out, errb bytes.Buffer
		code := run(tc.args, &out, &errb)
		if code != tc.code || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("ldam %q: exit %d, stderr %q; want exit %d and %q", tc.args, code, errb.String(), tc.code, tc.want)
		}
	}
}

func TestProgressBarOnlyOnATerminal(t *testing.T) {
	if isTerminal(&bytes.Buffer{}) {
		t.Error("a buffer is not a terminal")
	}
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Error("a log file is not a terminal")
	}
	if null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		defer null.Close()
		if isTerminal(null) {
			t.Error("/dev/null is a character device, not a terminal")
		}
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		if !isTerminal(tty) {
			t.Error("/dev/tty is a terminal")
		}
	}
}

func TestTableCommand(t *testing.T) {
	var out, errb bytes.Buffer
	root := t.TempDir()
	if code := run([]string{"table", "--table", "table5", "--preset", "lite", "--root", root}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "Table 5") || !strings.Contains(out.String(), "24 of 24 cells not run in the lite preset") {
		t.Errorf("output:\n%s", out.String())
	}
	out.Reset()
	run([]string{"table", "--table", "table5", "--root", root, "--all"}, &out, &errb)
	if !strings.Contains(out.String(), "ERM-DRS") || !strings.Contains(out.String(), "25.50") {
		t.Errorf("--all output:\n%s", out.String())
	}
}

// TestSweepThenTable runs a small grid end to end on the offline CIFAR-10 (ERM, and ERM-DRW and
// ERM-DRS branched from it) and prints it beside Table 5.
func TestSweepThenTable(t *testing.T) {
	if os.Getenv("LDAMLAB_DATASETS") == "" {
		t.Skip("$LDAMLAB_DATASETS is not set")
	}
	root := t.TempDir()
	var out, errb bytes.Buffer
	args := []string{"sweep", "--table", "table5", "--preset", "quick", "--seeds", "0", "--columns", "C10 LT 100", "--root", root,
		"--", "--epochs", "3", "--max_per_class", "100", "--test_per_class", "5", "--batch-size", "32"}
	if code := run(args, &out, &errb); code != 0 {
		t.Fatalf("sweep exit %d: %s\n%s", code, errb.String(), out.String())
	}
	if !strings.Contains(out.String(), "cifar10-exp100-erm-drw seed 0: to run, branching from") {
		t.Errorf("sweep output:\n%s", out.String())
	}
	// A second sweep finds everything done.
	out.Reset()
	if code := run(args, &out, &errb); code != 0 || strings.Count(out.String(), ": done") != 3 || strings.Contains(out.String(), "start ") {
		t.Errorf("second sweep (exit %d):\n%s", code, out.String())
	}
	out.Reset()
	if code := run([]string{"table", "--table", "table5", "--preset", "quick", "--root", root}, &out, &errb); code != 0 {
		t.Fatalf("table exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"ERM-DRW  C10 LT 100  25.14", "(1)", "21 of 24 cells not run"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

// TestGPUTablesScriptOnCPU runs scripts/gpu-tables.sh as on a GPU machine, but on the pure-Go
// backend in the quick preset with two runs at once (each in its own process) and a small grid,
// and checks the packed results.
func TestGPUTablesScriptOnCPU(t *testing.T) {
	if os.Getenv("LDAMLAB_DATASETS") == "" {
		t.Skip("$LDAMLAB_DATASETS is not set")
	}
	dir := t.TempDir()
	bin := buildLDAM(t, dir)
	cmd := exec.Command("bash", "../../../scripts/gpu-tables.sh")
	cmd.Env = append(os.Environ(), "BIN="+bin, "GOMLX_BACKEND=go", "PRESET=quick", "PARALLEL=2", "LIMIT=600", "METHODS=ERM,ERM-DRW",
		"COLUMNS=C10 LT 100", "EXTRA=--epochs 3 --max_per_class 100 --test_per_class 5 --batch-size 32", "ROOT="+dir, "OUT="+filepath.Join(dir, "out"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gpu-tables.sh: %v\n%s", err, out)
	}
	for _, want := range []string{"sweep finished", "ERM-DRW  C10 LT 100", "packed 2 results into"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	list, err := exec.Command("tar", "-tzf", filepath.Join(dir, "out", "results.tar.gz")).Output()
	if err != nil || !strings.Contains(string(list), "results/quick/table2/cifar10-exp100-erm-drw/seed-0/results.json") {
		t.Errorf("archive: %v\n%s", err, list)
	}
}

// TestSweepSplitsThreads: a sweep's runs in separate processes share ONNX Runtime's threads.
func TestSweepSplitsThreads(t *testing.T) {
	t.Setenv(spec.IntraOpThreadsEnv, "")
	os.Unsetenv(spec.IntraOpThreadsEnv)
	want := spec.IntraOpThreadsEnv + "=" + strconv.Itoa(max(1, runtime.GOMAXPROCS(0)/2))
	if env := childCmd(context.Background(), "ldam", nil, 2).Env; !slices.Contains(env, want) {
		t.Errorf("a run of two at once gets environment %q, want it to hold %q", env, want)
	}
}

// TestSweepStatusShowsFailures: a run whose training fails is reported failed by --status, with
// the error, and the other runs of the grid as not started.
func TestSweepStatusShowsFailures(t *testing.T) {
	root := t.TempDir()
	grid := []string{"sweep", "--table", "table5", "--preset", "quick", "--seeds", "0", "--methods", "ERM,ERM-DRW", "--columns", "C10 LT 100", "--root", root}
	var out, errb bytes.Buffer
	if code := run(append(slices.Clone(grid), "--", "--width", "wide"), &out, &errb); code != 1 {
		t.Fatalf("a sweep with a bad training flag exited %d:\n%s%s", code, out.String(), errb.String())
	}
	out.Reset()
	if code := run(append(slices.Clone(grid), "--status"), &out, &errb); code != 0 {
		t.Fatalf("--status exited %d: %s", code, errb.String())
	}
	for _, want := range []string{"cifar10-exp100-erm seed 0: failed (bad ldam train flags", "cifar10-exp100-erm-drw seed 0: not started", "2 runs: 1 failed, 1 not started"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status lacks %q:\n%s", want, out.String())
		}
	}
}

// TestTrainExitsOnOutOfMemory: ldam train past its memory budget exits at once with status 3
// and the guard's message (in a child process: it exits).
func TestTrainExitsOnOutOfMemory(t *testing.T) {
	if os.Getenv("LDAMLAB_DATASETS") == "" {
		t.Skip("$LDAMLAB_DATASETS is not set")
	}
	if os.Getenv("LDAMLAB_OOM_CHILD") == "1" {
		os.Exit(run([]string{"train", "--preset", "quick", "--epochs", "50", "--max_per_class", "100", "--test_per_class", "2", "--batch-size", "8",
			"--memory_limit", "0.001", "--out", t.TempDir(), "--progress=false"}, os.Stdout, os.Stderr))
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestTrainExitsOnOutOfMemory$")
	cmd.Env = append(os.Environ(), "LDAMLAB_OOM_CHILD=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "out of memory") || !strings.Contains(string(out), "--micro_batches") {
		t.Errorf("output:\n%s", out)
	}
}

// buildLDAM builds the ldam command into dir and returns its path.
func buildLDAM(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "ldam")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestTrainArgsRoundTrip: a sweep job's configuration written as `ldam train` flags
// (trainArgs, what --dry_run prints and a child process runs) parses back to the same
// configuration, and withFlags applies a sweep's extra flags over it and nothing else.
func TestTrainArgsRoundTrip(t *testing.T) {
	for _, cell := range [][3]string{
		{"table2", "LDAM-DRW", "C10 LT 100"}, {"beyond", "LDAM-DRW-SAM", "C10 LT 100"}, {"beyond", "MiSLAS", "C100 LT 100"},
		{"table6", "CB RW", "LT 10 seed a"}, {"table1", "RW", "negative"},
	} {
		r, err := registry.Cell(cell[0], cell[1], cell[2])
		if err != nil {
			t.Fatal(err)
		}
		want := registry.Job{Run: r, Seed: 3, Dir: "runs/x", BranchFrom: "runs/y"}.Config(trainDefaults(), "lite")
		args := trainArgs(want)
		fs := flag.NewFlagSet("ldam train", flag.ContinueOnError)
		var got experiment.Config
		trainFlags(fs, &got)
		if err := fs.Parse(args); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%v: ldam train %q parses to\n%+v\nwant\n%+v", cell, args, got, want)
		}
		extra, err := withFlags(want, []string{"--backend", "onnx", "--epochs=3"})
		if err != nil {
			t.Fatal(err)
		}
		changed := want
		changed.Backend, changed.Epochs = "onnx", 3
		if !reflect.DeepEqual(extra, changed) {
			t.Errorf("%v: with --backend onnx --epochs=3:\n%+v", cell, extra)
		}
	}
	if _, err := withFlags(trainDefaults(), []string{"--no_such_flag"}); err == nil {
		t.Error("an unknown flag was accepted")
	}
	if _, err := withFlags(trainDefaults(), []string{"stray"}); err == nil {
		t.Error("a stray argument was accepted")
	}
}
