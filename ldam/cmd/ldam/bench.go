package main

import (
	"bytes"
	_ "embed"
	"encoding/json"
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
	"time"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/ldamlab/ldamlab/datasets/fetch"

	"github.com/ldamlab/ldamlab/ldam/backend"
	"github.com/ldamlab/ldamlab/ldam/backend/spec"
	"github.com/ldamlab/ldamlab/ldam/bench"
	"github.com/ldamlab/ldamlab/ldam/reference"
)

//go:embed torch_bench.py
var torchScript string

func benchCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ldam bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	arch := fs.String("arch", "resnet32", "network: resnet32 (CIFAR shapes), resnet18 (Tiny ImageNet: 64×64, 200 classes) or bilstm (IMDB: 256 tokens)")
	batch := fs.Int("batch-size", 128, "batch size")
	steps := fs.Int("steps", 5, "timed steps (median) after one warm-up step")
	backendName := fs.String("backend", "", "backend (see ldam train -h)")
	threads := fs.Int("torch_threads", 2, "PyTorch threads")
	noTorch := fs.Bool("no_torch", false, "skip the PyTorch reference")
	torchChurn := fs.Bool("torch_malloc_churn", false, "run PyTorch with glibc malloc's defaults, which return its large buffers to the system after every use (see torchMallocEnv); by default it keeps them, as a tuned PyTorch install would")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the timed GoMLX training steps to this file")
	memProfile := fs.String("memprofile", "", "write a heap profile taken when the heap in use peaks during the GoMLX runs to this file")
	checkpoint := fs.Bool("checkpoint_blocks", false, "recompute residual blocks in the backward pass (less memory, more compute)")
	micro := fs.Int("micro_batches", 0, "micro-batches per training step with accumulated gradients (0: what ldam train uses: 4 for ResNet-18 on a CPU backend, else 1)")
	saveONNX := fs.String("save_onnx", "", "instead of timing, save the network's gradient graph (forward in training mode, Σ logits², gradients of every variable) as an ONNX model to this file, with its inputs' dimensions in <file>.json, for ONNX Runtime's profiler: node scripts/ort-profile.js <file> (needs --backend onnx)")
	saveEval := fs.Bool("save_eval", false, "with --save_onnx: save the evaluation forward pass (running statistics, logits out) instead of the gradient graph")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if !slices.Contains(bench.Archs, *arch) {
		fmt.Fprintf(stderr, "ldam bench: unknown --arch %q; use one of %s\n", *arch, strings.Join(bench.Archs, ", "))
		return 2
	}
	if *batch < 1 || *steps < 1 {
		fmt.Fprintln(stderr, "ldam bench: --batch-size and --steps must be ≥ 1")
		return 2
	}
	if *saveEval && *saveONNX == "" {
		fmt.Fprintln(stderr, "ldam bench: --save_eval needs --save_onnx FILE")
		return 2
	}
	if *saveONNX != "" {
		if err := saveGradientGraph(bench.Config{Arch: *arch, Backend: *backendName, Batch: *batch,
			CheckpointBlocks: *checkpoint}, !*saveEval, *saveONNX); err != nil {
			fmt.Fprintf(stderr, "ldam bench: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "saved %s and %s.json: profile with `node scripts/ort-profile.js %s`\n", *saveONNX, *saveONNX, *saveONNX)
		return 0
	}
	fmt.Fprintf(stdout, "machine: %s/%s, %d CPUs, built with GOEXPERIMENT=%q, backend %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), buildExperiment(), spec.Resolve(*backendName))
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
	if *memProfile != "" {
		stop := peakHeapProfile(*memProfile)
		defer func() {
			if peak, err := stop(); err != nil {
				fmt.Fprintf(stderr, "ldam bench: heap profile: %v\n", err)
			} else {
				fmt.Fprintf(stdout, "heap profile at the peak (%.2f GB in use) written to %s\n", float64(peak)/1e9, *memProfile)
			}
		}()
	}
	st, err := bench.Time(bench.Config{Arch: *arch, Backend: *backendName, Batch: *batch, Steps: *steps,
		CheckpointBlocks: *checkpoint, MicroBatches: *micro})
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		fmt.Fprintf(stderr, "ldam bench: %v\n", err)
		return 1
	}
	name := archNames[*arch]
	trainIPS, evalIPS := st.ImagesPerSecond()
	fmt.Fprintf(stdout, "GoMLX   %s batch %d (%d micro-batches): train step %v (%.1f examples/s), eval %v (%.1f examples/s)\n", name, *batch, st.MicroBatches, st.Train, trainIPS, st.Eval, evalIPS)
	peak := maxRSSGB()
	fmt.Fprintf(stdout, "peak memory of the %s runs (max RSS): %.2f GB\n", name, peak)
	var floorTrain, floorEval float64 // images/s of ResNet-32's convolution products alone
	if *arch == "resnet32" {
		var err error
		if floorTrain, floorEval, err = resnet32Floor(stdout, *backendName, *batch, *steps, st); err != nil {
			fmt.Fprintf(stderr, "ldam bench: %v\n", err)
			return 1
		}
	}
	if *noTorch {
		return 0
	}
	// Give the Go heap's freed pages back before PyTorch starts: ResNet-18's runs leave over
	// 15 GB of them, and on a 24 GB machine the two together were killed by the kernel.
	debug.FreeOSMemory()
	tr, err := torchBench(*arch, *batch, *steps, *threads, !*torchChurn)
	if err != nil {
		fmt.Fprintf(stdout, "PyTorch reference not run: %v\n", err)
		return 0
	}
	fmt.Fprintf(stdout, "PyTorch %s batch %d (%s): train step %.3fs (%.1f examples/s), eval %.3fs (%.1f examples/s), peak memory %.2f GB\n",
		name, *batch, tr.info, tr.trainS, float64(*batch)/tr.trainS, tr.evalS, float64(*batch)/tr.evalS, tr.peakGB)
	fmt.Fprintf(stdout, "ratio GoMLX/PyTorch (same run): train %.3f×, eval %.3f×, peak memory %.2f×\n",
		trainIPS*tr.trainS/float64(*batch), evalIPS*tr.evalS/float64(*batch), peak/tr.peakGB)
	if *arch == "resnet32" {
		fmt.Fprintf(stdout, "ceiling ratio of the matrix products alone: train %.3f×, eval %.3f×\n", floorTrain*tr.trainS/float64(*batch), floorEval*tr.evalS/float64(*batch))
	}
	return 0
}

// archNames are the networks' names in the bench output.
var archNames = map[string]string{"resnet32": "ResNet-32", "resnet18": "ResNet-18 (64×64, 200 classes)", "bilstm": "BiLSTM (256 tokens)"}

// resnet32Floor prints the matrix-product floor of ResNet-32's convolutions and the CIFAR data
// pipeline's throughput; it returns the floor's training and evaluation images/s.
func resnet32Floor(stdout io.Writer, backendName string, batch, steps int, st bench.StepTimes) (floorTrain, floorEval float64, err error) {
	trainIPS, _ := st.ImagesPerSecond()
	products := bench.ResNet32Products(batch)
	floor, err := bench.MatMulFloor(backendName, products, steps)
	if err != nil {
		return 0, 0, err
	}
	floorTrain, floorEval = float64(batch)/floor.Train.Seconds(), float64(batch)/floor.Forward.Seconds()
	flops := 0.0 // of one forward pass of the convolutions
	for _, p := range products {
		flops += 2 * float64(p.O*p.K*p.N)
	}
	fmt.Fprintf(stdout, "GoMLX   convolution matrix products alone, as GoMLX products (the floor of an im2col formulation; an engine's own convolutions can beat it): train %v (≤ %.1f images/s, %.0f%% of the step, %.1f GFLOP/s), eval %v (≤ %.1f images/s, %.0f%% of the pass, %.1f GFLOP/s)\n",
		floor.Train, floorTrain, 100*floor.Train.Seconds()/st.Train.Seconds(), 3*flops/floor.Train.Seconds()/1e9,
		floor.Forward, floorEval, 100*floor.Forward.Seconds()/st.Eval.Seconds(), flops/floor.Forward.Seconds()/1e9)
	loaderIPS, err := bench.Loader(max(4096, 8*batch), batch, 2)
	if err != nil {
		return 0, 0, err
	}
	fmt.Fprintf(stdout, "data pipeline (pad-4 crop, flip, normalize): %.0f images/s = %.1f× the training step's consumption\n", loaderIPS, loaderIPS/trainIPS)
	return floorTrain, floorEval, nil
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

// peakHeapProfile samples the heap every 200 ms and keeps a heap profile (in-use space by
// allocation site) of the largest heap seen; stop writes it to file and returns that peak.
func peakHeapProfile(file string) (stop func() (uint64, error)) {
	done := make(chan struct{})
	var best bytes.Buffer
	var peak uint64
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak+peak/20 {
				peak = ms.HeapInuse
				best.Reset()
				pprof.Lookup("heap").WriteTo(&best, 0)
			}
		}
	}()
	return func() (uint64, error) {
		close(done)
		<-finished
		return peak, os.WriteFile(file, best.Bytes(), 0o644)
	}
}

func maxRSSGB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) * 1024 / 1e9 // Linux reports KiB
}

// torchResult is PyTorch's side of a bench: median seconds per train step and evaluation pass,
// its peak memory, and its version.
type torchResult struct {
	trainS, evalS, peakGB float64
	info                  string
}

// torchMallocEnv keeps glibc malloc from returning PyTorch's large buffers to the system after
// every use: with its defaults each buffer over the mmap threshold is mapped and unmapped again,
// and the page faults of refilling them made PyTorch's ResNet-32 training step vary from 0.25 to
// 0.47 s between runs of the same script on an idle 2-core machine (four runs: 0.252, 0.334,
// 0.474, 0.285 s); with these settings four runs took 0.250–0.256 s. Evaluation did not vary
// (0.066–0.068 s). PyTorch's CPU tuning guide recommends a caching allocator (jemalloc,
// tcmalloc) for the same reason; these settings need nothing installed. The variables a user
// already set are kept.
var torchMallocEnv = []string{
	"MALLOC_MMAP_THRESHOLD_=4294967296", // serve large buffers from the heap
	"MALLOC_TRIM_THRESHOLD_=4294967296", // and keep the heap's freed top
	"MALLOC_TOP_PAD_=536870912",
}

// torchEnv is the environment of the PyTorch run: env plus torchMallocEnv when keep is set,
// without overriding a variable env sets.
func torchEnv(env []string, keep bool) []string {
	out := slices.Clone(env)
	if !keep {
		return out
	}
	for _, kv := range torchMallocEnv {
		name := kv[:strings.IndexByte(kv, '=')+1]
		if !slices.ContainsFunc(env, func(e string) bool { return strings.HasPrefix(e, name) }) {
			out = append(out, kv)
		}
	}
	return out
}

// torchBench runs the embedded PyTorch script for the network; keepMemory runs it with
// torchMallocEnv.
func torchBench(arch string, batch, steps, threads int, keepMemory bool) (torchResult, error) {
	var r torchResult
	torchPython := reference.Python() // the interpreter with PyTorch, as the reference runs it
	if _, err := os.Stat(torchPython); err != nil {
		return r, fmt.Errorf("%s not found (apt-get install python3-torch, or set LDAMLAB_PYTHON)", torchPython)
	}
	dir, err := os.MkdirTemp("", "ldam-bench")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "torch_bench.py")
	if err := os.WriteFile(script, []byte(torchScript), 0o644); err != nil {
		return r, err
	}
	cmd := exec.Command(torchPython, script, "--arch", arch, "--batch", fmt.Sprint(batch), "--steps", fmt.Sprint(steps), "--threads", fmt.Sprint(threads))
	cmd.Env = torchEnv(os.Environ(), keepMemory)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return r, fmt.Errorf("PyTorch failed (apt-get install python3-torch?): %v: %s", err, lastLine(string(out)))
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "RESULT ") {
			var torchVer, thr string
			if _, err := fmt.Sscanf(line, "RESULT train_s=%g eval_s=%g peak_gb=%g torch=%s threads=%s", &r.trainS, &r.evalS, &r.peakGB, &torchVer, &thr); err != nil {
				return r, fmt.Errorf("cannot parse %q: %v", line, err)
			}
			r.info = "torch " + torchVer + ", " + thr + " threads"
			if keepMemory {
				r.info += ", malloc keeping freed memory"
			} else {
				r.info += ", glibc malloc's defaults"
			}
			return r, nil
		}
	}
	return r, fmt.Errorf("no RESULT line from PyTorch: %s", lastLine(string(out)))
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// saveGradientGraph writes bench.GradientGraph's ONNX model (training or evaluation) to
// path and its parameters' dimensions (JSON) to path.json, each atomically.
func saveGradientGraph(c bench.Config, training bool, path string) error {
	if !spec.IsONNX(spec.Resolve(c.Backend)) {
		return fmt.Errorf("--save_onnx needs the ONNX Runtime backend; this run's is %q (use --backend onnx)", spec.Resolve(c.Backend))
	}
	var model bytes.Buffer
	dims, err := bench.GradientGraph(c, training, func(g *graph.Graph) error { return backend.SaveONNX(g, &model) })
	if err != nil {
		return err
	}
	js, err := json.Marshal(dims)
	if err != nil {
		return err
	}
	if err := fetch.WriteAtomic(path, func(w io.Writer) error { _, err := w.Write(model.Bytes()); return err }); err != nil {
		return err
	}
	return fetch.WriteAtomic(path+".json", func(w io.Writer) error { _, err := w.Write(js); return err })
}
