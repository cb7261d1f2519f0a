//go:build cgo

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	onnx "github.com/gomlx/compute-onnx/support/protos"
	"google.golang.org/protobuf/proto"

	"github.com/ldamlab/ldamlab/ldam/backend"
)

// TestBenchSavesONNXGraph: `ldam bench --save_onnx` writes a valid ONNX model of ResNet-32's
// gradient graph (NCHW convolutions, one input per parameter in the JSON) for ONNX Runtime's
// profiler, and refuses backends that are not ONNX Runtime.
func TestBenchSavesONNXGraph(t *testing.T) {
	lib := backend.ORT.Installed()
	if lib == "" {
		if os.Getenv("LDAMLAB_REQUIRE_ONNX") != "" {
			t.Fatal("the ONNX Runtime library is not installed: go run ./kernel install")
		}
		t.Skip("the ONNX Runtime library is not installed (go run ./kernel install)")
	}
	file := filepath.Join(t.TempDir(), "r32.onnx")
	var out, errs bytes.Buffer
	if rc := benchCmd([]string{"--arch", "resnet32", "--batch-size", "2", "--backend", "onnx:cpu," + lib, "--save_onnx", file}, &out, &errs); rc != 0 {
		t.Fatalf("rc %d: %s", rc, errs.String())
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var m onnx.ModelProto
	if err := proto.Unmarshal(raw, &m); err != nil {
		t.Fatalf("not an ONNX model: %v", err)
	}
	var dims [][]int
	js, err := os.ReadFile(file + ".json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &dims); err != nil {
		t.Fatal(err)
	}
	if len(dims) != len(m.Graph.Input) || !slices.Equal(dims[0], []int{2, 32, 32, 3}) {
		t.Errorf("%d input shapes (first %v) for %d model inputs; want one per input, the images [2 32 32 3] first", len(dims), dims[0], len(m.Graph.Input))
	}
	convs := 0
	for _, n := range m.Graph.Node {
		if n.OpType == "Conv" {
			convs++
		}
	}
	// 31 forward convolutions and their input gradients (but the stem's).
	if convs != 61 {
		t.Errorf("%d Conv nodes, want 61", convs)
	}
	errs.Reset()
	if rc := benchCmd([]string{"--backend", "go", "--save_onnx", file}, &out, &errs); rc == 0 || !strings.Contains(errs.String(), "--backend onnx") {
		t.Errorf("the Go backend: rc %d, %q; want a refusal that names --backend onnx", rc, errs.String())
	}
}
