//go:build cgo

package backend

import (
	"fmt"
	"io"
	"os"

	onnxbackend "github.com/gomlx/compute-onnx" // registers the "onnx" backend (ONNX Runtime, cgo)
	"github.com/gomlx/gomlx/core/graph"
)

func init() { onnxCompiled = true }

// SaveONNX writes the ONNX model of a graph compiled on the ONNX Runtime backend with
// SetKeepModelProto(true) (see experiment.GradientGraph).
func SaveONNX(g *graph.Graph, w io.Writer) error {
	if !IsONNX(g.Backend().Name()) {
		return fmt.Errorf("saving an ONNX model needs the ONNX Runtime backend (--backend onnx), not %q", g.Backend().Name())
	}
	return onnxbackend.SaveModel(g.Backend(), g.Executable(), w, nil, nil)
}

// ONNXThreads describes the intra-op threads ONNX Runtime's sessions get (kernel doctor).
func ONNXThreads() string {
	if v := os.Getenv(IntraOpThreadsEnv); v != "" {
		return fmt.Sprintf("%s (from $%s)", v, IntraOpThreadsEnv)
	}
	return fmt.Sprintf("%s, one per CPU ($%s unset)", IntraOpThreads(), IntraOpThreadsEnv)
}
