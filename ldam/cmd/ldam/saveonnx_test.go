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
	"github.com/ldamlab/ldamlab/ldam/backend/spec"
	"google.golang.org/protobuf/proto"
)

// TestBenchSavesONNXGraph: `ldam bench --save_onnx` writes a valid ONNX model of ResNet-32's
// gradient graph and of its evaluation pass (NCHW convolutions, one input per parameter in the
// JSON) for ONNX Runtime's profiler, and refuses backends that are not ONNX Runtime.
func TestBenchSavesONNXGraph(t *testing.T) {
	lib := spec.ORT.Installed()
	if lib == "" {
		if os.Getenv("LDAMLAB_REQUIRE_ONNX") != "" {
			t.Fatal("the ONNX Runtime library is not installed: go run ./kernel install")
		}
		t.Skip("the ONNX Runtime library is not installed (go run ./kernel install)")
	}
	file := filepath.Join(t.TempDir(), "r32.onnx")
	var out, errs bytes.Buffer
	for _, tc := range []struct {
		flags []string
		convs int // 31 forward convolutions, and in training their input gradients (but the stem's)
	}{
		{nil, 61},
		{[]string{"--save_eval"}, 31},
	} {
		args := append([]string{"--arch", "resnet32", "--batch-size", "2", "--backend", "onnx:cpu," + lib, "--save_onnx", file}, tc.flags...)
		if rc := benchCmd(args, &out, &errs); rc != 0 {
			t.Fatalf("%v: rc %d: %s", tc.flags, rc, errs.String())
		}
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var m onnx.ModelProto
		if err := proto.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%v: not an ONNX model: %v", tc.flags, err)
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
			t.Errorf("%v: %d input shapes (first %v) for %d model inputs; want one per input, the images [2 32 32 3] first", tc.flags, len(dims), dims[0], len(m.Graph.Input))
		}
		convs := 0
		for _, n := range m.Graph.Node {
			if n.OpType == "Conv" {
				convs++
			}
		}
		if convs != tc.convs {
			t.Errorf("%v: %d Conv nodes, want %d", tc.flags, convs, tc.convs)
		}
	}
	errs.Reset()
	if rc := benchCmd([]string{"--save_eval"}, &out, &errs); rc != 2 || !strings.Contains(errs.String(), "--save_onnx") {
		t.Errorf("--save_eval alone: rc %d, %q; want a usage error that names --save_onnx", rc, errs.String())
	}
	errs.Reset()
	if rc := benchCmd([]string{"--backend", "go", "--save_onnx", file}, &out, &errs); rc == 0 || !strings.Contains(errs.String(), "--backend onnx") {
		t.Errorf("the Go backend: rc %d, %q; want a refusal that names --backend onnx", rc, errs.String())
	}
}
