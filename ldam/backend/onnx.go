//go:build cgo

package backend

import (
	_ "github.com/gomlx/compute-onnx" // registers the "onnx" backend (ONNX Runtime, cgo)
)

func init() { onnxCompiled = true }
