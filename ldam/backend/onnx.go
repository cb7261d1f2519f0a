//go:build cgo

package backend

import (
	"os"
	"runtime"
	"strconv"

	onnxbackend "github.com/gomlx/compute-onnx" // registers the "onnx" backend (ONNX Runtime, cgo)
)

func init() { onnxCompiled, configureONNX = true, setIntraOpThreads }

// IntraOpThreadsEnv is the environment variable with the number of threads of every ONNX
// Runtime session (our patch of compute-onnx v0.1.5, third_party/compute-onnx). New sets it to
// runtime.GOMAXPROCS(0) when it is unset: ONNX Runtime's own default ran ResNet-32's training
// step at the speed of one thread on a 2-core VM (README, Performance).
const IntraOpThreadsEnv = onnxbackend.IntraOpThreadsEnv

// setIntraOpThreads gives ONNX Runtime's sessions one thread per CPU Go may use, unless
// $GOMLX_ONNX_INTRA_OP_THREADS says otherwise.
func setIntraOpThreads() {
	if os.Getenv(IntraOpThreadsEnv) == "" {
		os.Setenv(IntraOpThreadsEnv, strconv.Itoa(runtime.GOMAXPROCS(0)))
	}
}
