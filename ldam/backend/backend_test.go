package backend

import (
	"strings"
	"testing"
)

func TestResolveAndErrors(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "")
	t.Setenv(EnvORTDir, t.TempDir()) // no ONNX Runtime library: the default is the Go backend
	t.Setenv(onnxLibraryEnv, "")
	cases := []struct{ flag, want string }{
		{"", "go"}, {"go", "go"}, {"xla:cuda", "xla:cuda"}, {"/opt/x/xla_cuda_plugin.so", "xla:/opt/x/xla_cuda_plugin.so"},
	}
	for _, tc := range cases {
		if got := Resolve(tc.flag); got != tc.want {
			t.Errorf("Resolve(%q) = %q, want %q", tc.flag, got, tc.want)
		}
	}
	t.Setenv("GOMLX_BACKEND", "xla:cpu")
	if got := Resolve(""); got != "xla:cpu" {
		t.Errorf("GOMLX_BACKEND ignored: %q", got)
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

func TestIsONNX(t *testing.T) {
	for config, want := range map[string]bool{"onnx:cpu,/x/libonnxruntime.so.1": true, "onnxruntime": true, "go": false, "xla:cuda": false, "go:ops_sequential": false} {
		if IsONNX(config) != want {
			t.Errorf("IsONNX(%q) = %v", config, !want)
		}
	}
}

func TestSequential(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "")
	t.Setenv(EnvORTDir, t.TempDir())
	t.Setenv(onnxLibraryEnv, "")
	for _, c := range []struct{ in, want string }{
		{"", "go:ops_sequential"},
		{"go", "go:ops_sequential"},
		{"go:parallelism=4", "go:parallelism=4,ops_sequential"},
		{"go:ops_sequential", "go:ops_sequential"}, // as .ci/run's tests run
		{"xla:cpu", "xla:cpu"},
		{"/x/xla_cuda_plugin.so", "xla:/x/xla_cuda_plugin.so"},
	} {
		if got := Sequential(c.in); got != c.want {
			t.Errorf("Sequential(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	b, err := New(Sequential("go"))
	if err != nil {
		t.Fatalf("the sequential Go backend does not start: %v", err)
	}
	b.Finalize()
}
