//go:build cgo

package backend

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/ldamlab/ldamlab/ldam/backend/spec"
)

func TestONNXErrors(t *testing.T) {
	if !onnxCompiled {
		t.Fatal("a cgo build must register the ONNX Runtime backend")
	}
	_, err := New("onnx:cpu,/nonexistent/libonnxruntime.so.1")
	if err == nil {
		t.Fatal("a missing library started")
	}
	for _, want := range []string{"kernel install", "--backend go", "ONNXRUNTIME_SHARED_LIBRARY_PATH"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
	if err := Validate("onnx:cpu"); err != nil {
		t.Errorf("Validate(onnx:cpu) in a cgo build: %v", err)
	}
}

// TestIntraOpThreads: New gives ONNX Runtime one intra-op thread per usable CPU unless
// $GOMLX_ONNX_INTRA_OP_THREADS or the configuration says otherwise, through compute-onnx's
// intra_op_num_threads option, which refuses a bad value with an error naming it.
func TestIntraOpThreads(t *testing.T) {
	cpus := strconv.Itoa(runtime.GOMAXPROCS(0))
	cases := []struct {
		name, env, config, want, wantErr string
	}{
		{"unset: one per CPU", "", "onnx:cpu,/x/libonnxruntime.so", "onnx:cpu,/x/libonnxruntime.so,intra_op_num_threads=" + cpus, ""},
		{"no options", "", "onnx", "onnx:cpu,intra_op_num_threads=" + cpus, ""},
		{"from the variable", "1", "onnx:cpu,/x/libonnxruntime.so", "onnx:cpu,/x/libonnxruntime.so,intra_op_num_threads=1", ""},
		{"the configuration wins", "1", "onnx:cpu,intra_op_num_threads=3", "onnx:cpu,intra_op_num_threads=3", ""},
		{"other backends unchanged", "1", "go", "go", ""},
		{"refused", "two", "onnx:cpu", "onnx:cpu,intra_op_num_threads=two", "intra_op_num_threads"},
	}
	lib := spec.ORT.Installed()
	if lib == "" && os.Getenv("LDAMLAB_REQUIRE_ONNX") != "" {
		t.Fatal("the ONNX Runtime library is not installed: go run ./kernel install --onnx")
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(spec.IntraOpThreadsEnv, tc.env)
			if tc.env == "" {
				os.Unsetenv(spec.IntraOpThreadsEnv)
			}
			if got := spec.WithIntraOpThreads(tc.config); got != tc.want {
				t.Fatalf("spec.WithIntraOpThreads(%q) = %q, want %q", tc.config, got, tc.want)
			}
			if lib == "" || !strings.HasPrefix(tc.config, "onnx:cpu") || strings.Contains(tc.config, "/x/") {
				return // the arithmetic above is all that runs without the library
			}
			b, err := New(tc.config + "," + lib)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			exec, err := graph.NewExec(b, func(x *graph.Node) *graph.Node { return graph.AddScalar(x, 1) })
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Call(float32(1))
			if err != nil || tensors.ToScalar[float32](out[0]) != 2 {
				t.Fatalf("x+1 = %v, %v", out, err)
			}
		})
	}
}
