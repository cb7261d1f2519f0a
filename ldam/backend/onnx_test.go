//go:build cgo

package backend

import (
	"strings"
	"testing"
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
