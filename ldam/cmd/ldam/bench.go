package main

import (
	_ "embed"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"

	"github.com/ldamlab/ldamlab/ldam/backend"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/models"
)

//go:embed torch_resnet32.py
var torchScript string

// torchPython is the interpreter with PyTorch (Debian's python3-torch).
const torchPython = "/usr/bin/python3"

func benchCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ldam bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	batch := fs.Int("batch-size", 128, "batch size")
	steps := fs.Int("steps", 5, "timed steps (median) after one warm-up step")
	backendName := fs.String("backend", "", "backend (see ldam train -h)")
	threads := fs.Int("torch_threads", 2, "PyTorch threads")
	noTorch := fs.Bool("no_torch", false, "skip the PyTorch reference")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the timed GoMLX training steps to this file")
	checkpoint := fs.Bool("checkpoint_blocks", false, "recompute residual blocks in the backward pass (less memory, more compute)")
	keepColumns := fs.Bool("keep_columns", false, "keep the convolutions' columns for the backward pass instead of rebuilding them (more memory)")
	convForm := fs.String("conv_form", "", "formula of the convolutions: auto (the default: framed on the Go backend, native on XLA), framed (channels-first), split, transposed, matmul (channels-last im2col) or native (GoMLX's convolution op)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *convForm != "" {
		i := slices.IndexFunc(models.ConvFormulas, func(f models.ConvFormula) bool { return f.String() == *convForm })
		if i < 0 {
			fmt.Fprintf(stderr, "ldam bench: unknown --conv_form %q; use auto, framed, split, transposed, matmul or native\n", *convForm)
			return 2
		}
		models.ConvForm = models.ConvFormulas[i]
	}
	if *batch < 1 || *steps < 1 {
		fmt.Fprintln(stderr, "ldam bench: --batch-size and --steps must be ≥ 1")
		return 2
	}
	fmt.Fprintf(stdout, "machine: %s/%s, %d CPUs, built with GOEXPERIMENT=%q, backend %s, convolution %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), buildExperiment(), backend.Resolve(*backendName), convName())
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "ldam bench: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "ldam bench: %v\n", err)
			return 1
		}
	}
	st, err := experiment.BenchResNet32(*backendName, *batch, *steps, *checkpoint, *keepColumns)
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		fmt.Fprintf(stderr, "ldam bench: %v\n", err)
		return 1
	}
	trainIPS, evalIPS := st.ImagesPerSecond()
	fmt.Fprintf(stdout, "GoMLX   ResNet-32 batch %d: train step %v (%.1f images/s), eval %v (%.1f images/s)\n", *batch, st.Train, trainIPS, st.Eval, evalIPS)
	fmt.Fprintf(stdout, "peak memory of the ResNet-32 runs (max RSS): %.2f GB\n", maxRSSGB())
	products := experiment.ResNet32Products(*batch)
	floor, err := experiment.MatMulFloor(*backendName, products, *steps)
	if err != nil {
		fmt.Fprintf(stderr, "ldam bench: %v\n", err)
		return 1
	}
	floorTrain, floorEval := float64(*batch)/floor.Train.Seconds(), float64(*batch)/floor.Forward.Seconds()
	flops := 0.0 // of one forward pass of the convolutions
	for _, p := range products {
		flops += 2 * float64(p.O*p.K*p.N)
	}
	fmt.Fprintf(stdout, "GoMLX   convolution matrix products alone (floor of any formulation): train %v (≤ %.1f images/s, %.0f%% of the step, %.1f GFLOP/s), eval %v (≤ %.1f images/s, %.0f%% of the pass, %.1f GFLOP/s)\n",
		floor.Train, floorTrain, 100*floor.Train.Seconds()/st.Train.Seconds(), 3*flops/floor.Train.Seconds()/1e9,
		floor.Forward, floorEval, 100*floor.Forward.Seconds()/st.Eval.Seconds(), flops/floor.Forward.Seconds()/1e9)
	loaderIPS, err := experiment.BenchLoader(max(4096, 8**batch), *batch, 2)
	if err != nil {
		fmt.Fprintf(stderr, "ldam bench: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "data pipeline (pad-4 crop, flip, normalize): %.0f images/s = %.1f× the training step's consumption\n", loaderIPS, loaderIPS/trainIPS)
	if *noTorch {
		return 0
	}
	tTrain, tEval, info, err := torchBench(*batch, *steps, *threads)
	if err != nil {
		fmt.Fprintf(stdout, "PyTorch reference not run: %v\n", err)
		return 0
	}
	fmt.Fprintf(stdout, "PyTorch ResNet-32 batch %d (%s): train step %.3fs (%.1f images/s), eval %.3fs (%.1f images/s)\n",
		*batch, info, tTrain, float64(*batch)/tTrain, tEval, float64(*batch)/tEval)
	fmt.Fprintf(stdout, "ratio GoMLX/PyTorch (images/s, same run): train %.3f×, eval %.3f×\n", trainIPS*tTrain/float64(*batch), evalIPS*tEval/float64(*batch))
	fmt.Fprintf(stdout, "ceiling ratio of the matrix products alone: train %.3f×, eval %.3f×\n", floorTrain*tTrain/float64(*batch), floorEval*tEval/float64(*batch))
	return 0
}

// buildExperiment returns the GOEXPERIMENT the binary was built with ("simd" enables the AVX2
// matrix multiplication of the Go backend).
func buildExperiment() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "GOEXPERIMENT" {
				return s.Value
			}
		}
	}
	return ""
}

func maxRSSGB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) * 1024 / 1e9 // Linux reports KiB
}

// torchBench runs the embedded PyTorch script; it returns median seconds per train step and
// per evaluation pass.
func torchBench(batch, steps, threads int) (trainS, evalS float64, info string, err error) {
	if _, err := os.Stat(torchPython); err != nil {
		return 0, 0, "", fmt.Errorf("%s not found (apt-get install python3-torch)", torchPython)
	}
	dir, err := os.MkdirTemp("", "ldam-bench")
	if err != nil {
		return 0, 0, "", err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "torch_resnet32.py")
	if err := os.WriteFile(script, []byte(torchScript), 0o644); err != nil {
		return 0, 0, "", err
	}
	out, err := exec.Command(torchPython, script, "--batch", fmt.Sprint(batch), "--steps", fmt.Sprint(steps), "--threads", fmt.Sprint(threads)).CombinedOutput()
	if err != nil {
		return 0, 0, "", fmt.Errorf("PyTorch failed (apt-get install python3-torch?): %v: %s", err, lastLine(string(out)))
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "RESULT ") {
			var torchVer, thr string
			if _, err := fmt.Sscanf(line, "RESULT train_s=%g eval_s=%g torch=%s threads=%s", &trainS, &evalS, &torchVer, &thr); err != nil {
				return 0, 0, "", fmt.Errorf("cannot parse %q: %v", line, err)
			}
			return trainS, evalS, "torch " + torchVer + ", " + thr + " threads", nil
		}
	}
	return 0, 0, "", fmt.Errorf("no RESULT line from PyTorch: %s", lastLine(string(out)))
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// convName names the convolution formula in use.
func convName() string {
	if models.ConvForm == models.ConvAuto {
		return "auto (framed on the Go backend, native on XLA)"
	}
	return models.ConvForm.String()
}
