package spec

import "testing"

// TestResolve: the flag wins, then $GOMLX_BACKEND, then the default; a PJRT plugin's path
// becomes an XLA configuration.
func TestResolve(t *testing.T) {
	t.Setenv(EnvVar, "")
	t.Setenv(EnvORTDir, t.TempDir()) // no ONNX Runtime library: the default is the Go backend
	t.Setenv(ONNXLibraryEnv, "")
	cases := []struct{ flag, want string }{
		{"", "go"}, {"go", "go"}, {"xla:cuda", "xla:cuda"}, {"/opt/x/xla_cuda_plugin.so", "xla:/opt/x/xla_cuda_plugin.so"},
	}
	for _, tc := range cases {
		if got := Resolve(tc.flag); got != tc.want {
			t.Errorf("Resolve(%q) = %q, want %q", tc.flag, got, tc.want)
		}
	}
	t.Setenv(EnvVar, "xla:cpu")
	if got := Resolve(""); got != "xla:cpu" {
		t.Errorf("GOMLX_BACKEND ignored: %q", got)
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
	t.Setenv(EnvVar, "")
	t.Setenv(EnvORTDir, t.TempDir())
	t.Setenv(ONNXLibraryEnv, "")
	for _, c := range []struct{ in, want string }{
		{"", "go:ops_sequential"},
		{"go", "go:ops_sequential"},
		{"go:parallelism=4", "go:parallelism=4,ops_sequential"},
		{"go:ops_sequential", "go:ops_sequential"},
		{"xla:cpu", "xla:cpu"},
		{"/x/xla_cuda_plugin.so", "xla:/x/xla_cuda_plugin.so"},
	} {
		if got := Sequential(c.in); got != c.want {
			t.Errorf("Sequential(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
