//go:build cgo

package backend

import (
	"fmt"
	"io"

	onnxbackend "github.com/gomlx/compute-onnx" // registers the "onnx" backend (ONNX Runtime, cgo)
	"github.com/gomlx/gomlx/core/graph"
	"github.com/ldamlab/ldamlab/ldam/backend/spec"
)

func init() { onnxCompiled = true }

// SaveONNX writes the ONNX model of a graph compiled on the ONNX Runtime backend with
// SetKeepModelProto(true) (see bench.GradientGraph).
func SaveONNX(g *graph.Graph, w io.Writer) error {
	if !spec.IsONNX(g.Backend().Name()) {
		return fmt.Errorf("saving an ONNX model needs the ONNX Runtime backend (--backend onnx), not %q", g.Backend().Name())
	}
	return onnxbackend.SaveModel(g.Backend(), g.Executable(), w, nil, nil)
}
