//go:build cgo

package backend

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	onnxbackend "github.com/gomlx/compute-onnx"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
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

// TestIntraOpThreads: New gives ONNX Runtime one thread per usable CPU unless
// $GOMLX_ONNX_INTRA_OP_THREADS is set, and the patched compute-onnx refuses a bad value with an
// error that names the variable.
func TestIntraOpThreads(t *testing.T) {
	if IntraOpThreadsEnv != onnxbackend.IntraOpThreadsEnv {
		t.Fatalf("this package documents $%s, the patched compute-onnx reads $%s", IntraOpThreadsEnv, onnxbackend.IntraOpThreadsEnv)
	}
	lib := ORT.Installed()
	if lib == "" {
		if os.Getenv("LDAMLAB_REQUIRE_ONNX") != "" {
			t.Fatal("the ONNX Runtime library is not installed: go run ./kernel install")
		}
		t.Skip("the ONNX Runtime library is not installed (go run ./kernel install)")
	}
	cases := []struct {
		name, set, want, wantErr string
	}{
		{"unset: one per CPU", "", strconv.Itoa(runtime.GOMAXPROCS(0)), ""},
		{"kept", "1", "1", ""},
		{"refused", "two", "two", IntraOpThreadsEnv},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(IntraOpThreadsEnv, tc.set)
			if tc.set == "" {
				os.Unsetenv(IntraOpThreadsEnv)
			}
			b, err := New("onnx:cpu," + lib)
			if err != nil {
				t.Fatal(err)
			}
			if got := os.Getenv(IntraOpThreadsEnv); got != tc.want {
				t.Errorf("$%s = %q, want %q", IntraOpThreadsEnv, got, tc.want)
			}
			exec, err := graph.NewExec(b, func(x *graph.Node) *graph.Node { return graph.AddScalar(x, 1) })
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Call(float32(1))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("x+1 failed: %v", err)
			case tc.wantErr == "" && tensors.ToScalar[float32](out[0]) != 2:
				t.Fatalf("x+1 = %v", out[0])
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one naming %s", err, tc.wantErr)
			}
		})
	}
}
