// Package spec names and resolves GoMLX backend configurations without linking GoMLX: the
// default, the $GOMLX_BACKEND and flag syntax ("go", "onnx:cpu,<library>", "xla:cuda", a PJRT
// plugin's path), the pinned ONNX Runtime library that `go run ./kernel install` places, and
// the threads a run's engine gets. Package backend starts the configurations it resolves; the
// kernel's installer and doctor read them without compiling an engine.
package spec

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Default is the backend used when neither the flag nor $GOMLX_BACKEND names one: the pure-Go
// backend, which trains ResNet-32, ResNet-18 and the BiLSTM faster than ONNX Runtime on these
// CPUs (README, Performance).
const Default = "go"

// ONNXLibraryEnv is compute-onnx's variable for the library's path.
const ONNXLibraryEnv = "ONNXRUNTIME_SHARED_LIBRARY_PATH"

// EnvVar is GoMLX's variable naming the backend (compute.ConfigEnvVar).
const EnvVar = "GOMLX_BACKEND"

// Resolve returns the backend configuration: flagValue, else $GOMLX_BACKEND, else
// DefaultConfig. A path to libonnxruntime.so* becomes "onnx:cpu,<path>", another path ending in
// .so (a PJRT plugin) "xla:<path>"; "onnx" or "onnx:cpu" without a library gets the installed
// one (unless $ONNXRUNTIME_SHARED_LIBRARY_PATH names one).
func Resolve(flagValue string) string {
	c := flagValue
	if c == "" {
		c = os.Getenv(EnvVar)
	}
	if c == "" {
		c = Default
	}
	name, opts, _ := strings.Cut(c, ":")
	switch {
	case strings.HasPrefix(filepath.Base(c), "libonnxruntime") && name != "onnx" && name != "onnxruntime":
		return "onnx:cpu," + c
	case strings.HasSuffix(c, ".so") && name != "xla" && name != "onnx" && name != "onnxruntime":
		return "xla:" + c
	case name == "onnx" || name == "onnxruntime":
		if hasLibraryPath(opts) || os.Getenv(ONNXLibraryEnv) != "" {
			return c
		}
		if lib := ORT.Installed(); lib != "" {
			if opts == "" {
				return "onnx:cpu," + lib
			}
			return c + "," + lib
		}
	}
	return c
}

// IsONNX reports whether a backend configuration (as Resolve returns it) names ONNX Runtime.
func IsONNX(config string) bool {
	name, _, _ := strings.Cut(config, ":")
	return name == "onnx" || name == "onnxruntime"
}

// hasLibraryPath reports whether compute-onnx options name a library file.
func hasLibraryPath(opts string) bool {
	for _, o := range strings.Split(opts, ",") {
		if strings.Contains(o, "/") || strings.Contains(o, ".so") {
			return true
		}
	}
	return false
}

// Sequential returns the configuration of [Resolve](flagValue) with the pure-Go backend set to
// execute one operation at a time ("ops_sequential"; each matrix product still uses every CPU),
// as the benchmark times its products one by one. Other backends are returned
// unchanged.
func Sequential(flagValue string) string {
	config := Resolve(flagValue)
	name, opts, _ := strings.Cut(config, ":")
	if name != "go" {
		return config
	}
	if opts == "" {
		return "go:ops_sequential"
	}
	if slices.Contains(strings.Split(opts, ","), "ops_sequential") {
		return config
	}
	return config + ",ops_sequential"
}
