//go:build !cgo

package backend

import (
	"io"

	"github.com/gomlx/gomlx/core/graph"
)

// SaveONNX needs the ONNX Runtime backend, which needs cgo.
func SaveONNX(g *graph.Graph, w io.Writer) error { return noONNXError("onnx") }
