package backend

import (
	"strings"
	"testing"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/ldamlab/ldamlab/ldam/backend/spec"
)

// TestNewErrors: New starts the Go backend and refuses an unknown one, or XLA in a build
// without it, with an error that says what to do.
func TestNewErrors(t *testing.T) {
	if spec.EnvVar != compute.ConfigEnvVar {
		t.Errorf("spec.EnvVar = %q, GoMLX reads %q", spec.EnvVar, compute.ConfigEnvVar)
	}
	b, err := New("go")
	if err != nil || b == nil {
		t.Fatalf("go backend: %v", err)
	}
	if _, err := New("tpu"); err == nil || !strings.Contains(err.Error(), "unknown backend") {
		t.Errorf("unknown backend: %v", err)
	}
	if !xlaCompiled {
		if _, err := New("xla:cpu"); err == nil || !strings.Contains(err.Error(), "-tags xla") {
			t.Errorf("xla without the tag: %v", err)
		}
	}
}

// TestGoBackendDoesNotDeadlock runs a graph of 12 independent matrix products — more than the
// worker pool's slots of compute v0.1.6 on any machine with up to 6 CPUs, all ready at once — 50
// times on the Go backend as New starts it. compute v0.1.6's default pool hung in the first
// steps, each time it was tried (2026-12-03; see newGo); v0.1.35's scheduler must not.
func TestGoBackendDoesNotDeadlock(t *testing.T) {
	b, err := New("go")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	const products = 12
	exec, err := graph.NewExec(b, func(x *graph.Node) *graph.Node {
		var sums []*graph.Node
		for i := range products {
			sums = append(sums, graph.ReduceAllSum(graph.MatMul(graph.MulScalar(x, float64(i+1)), x)))
		}
		return graph.Stack(sums, 0)
	})
	if err != nil {
		t.Fatal(err)
	}
	const n = 384
	x := make([][]float32, n)
	for i := range x {
		x[i] = make([]float32, n)
		for j := range x[i] {
			x[i][j] = float32((7*i+j)%13) / 13
		}
	}
	steps := make(chan error)
	go func() {
		for range 50 {
			_, err := exec.Call(x)
			steps <- err
		}
	}()
	for step := range 50 {
		select {
		case err := <-steps:
			if err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
		case <-time.After(2 * time.Minute):
			t.Fatalf("step %d of 12 independent products did not finish in 2 minutes: the Go backend's executor deadlocked", step)
		}
	}
}

// TestSequentialStarts: the Go backend starts with ops_sequential, as the benchmark's floor uses it.
func TestSequentialStarts(t *testing.T) {
	b, err := New(spec.Sequential("go"))
	if err != nil {
		t.Fatalf("the sequential Go backend does not start: %v", err)
	}
	b.Finalize()
}

// TestSIMDWarning: a Go backend without its SIMD kernels is named in a warning that says how
// to rebuild; the Go backend of this test binary (built with GOEXPERIMENT=simd, as .ci/run
// does) has them.
func TestSIMDWarning(t *testing.T) {
	for _, c := range []struct {
		desc string
		warn bool
	}{
		{"Go Portable Compute Backend (linux/amd64, SIMD, AVX2, AVX512, parallelism=2)", false},
		{"Go Portable Compute Backend (linux/amd64, parallelism=2)", true},
	} {
		w := simdWarning(c.desc)
		if (w != "") != c.warn || c.warn && !strings.Contains(w, "GOEXPERIMENT=simd") {
			t.Errorf("simdWarning(%q) = %q", c.desc, w)
		}
	}
	b, err := New("go")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	if w := SIMDWarning(b); w != "" {
		t.Errorf("this test binary's Go backend: %s", w)
	}
}
