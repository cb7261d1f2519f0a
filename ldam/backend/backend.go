// Package backend chooses the GoMLX compute backend: by default the pure-Go one (compute's
// "go" backend with its AVX2/AVX-512 kernels; no cgo, nothing to download), the fastest CPU
// engine for these networks (README, Performance); on request ONNX Runtime
// (github.com/gomlx/compute-onnx, in cgo builds, its library installed by ORT.Install); or XLA — "xla:cpu", "xla:cuda", or the path of a
// PJRT plugin such as the xla_cuda_plugin.so of the jax-cuda13-pjrt Python package — in
// binaries built with -tags xla.
package backend

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
)

// Default is the backend used when neither the flag nor $GOMLX_BACKEND names one.
const Default = "go"

// xlaCompiled is set by xla.go in builds with -tags xla.
var xlaCompiled bool

// onnxCompiled is set by onnx.go in cgo builds.
var onnxCompiled bool

// ONNXCompiled reports whether this binary can run the ONNX Runtime backend (a cgo build).
func ONNXCompiled() bool { return onnxCompiled }

// DefaultConfig is the backend used when neither the flag nor $GOMLX_BACKEND names one: the
// pure-Go backend, which trains ResNet-32, ResNet-18 and the BiLSTM faster than ONNX Runtime on
// these CPUs (README, Performance).
func DefaultConfig() string { return Default }

// onnxLibraryEnv is compute-onnx's variable for the library's path.
const onnxLibraryEnv = "ONNXRUNTIME_SHARED_LIBRARY_PATH"

// Resolve returns the backend configuration: flagValue, else $GOMLX_BACKEND, else
// DefaultConfig. A path to libonnxruntime.so* becomes "onnx:cpu,<path>", another path ending in
// .so (a PJRT plugin) "xla:<path>"; "onnx" or "onnx:cpu" without a library gets the installed
// one (unless $ONNXRUNTIME_SHARED_LIBRARY_PATH names one).
func Resolve(flagValue string) string {
	c := flagValue
	if c == "" {
		c = os.Getenv(compute.ConfigEnvVar)
	}
	if c == "" {
		c = DefaultConfig()
	}
	name, opts, _ := strings.Cut(c, ":")
	switch {
	case strings.HasPrefix(filepath.Base(c), "libonnxruntime") && name != "onnx" && name != "onnxruntime":
		return "onnx:cpu," + c
	case strings.HasSuffix(c, ".so") && name != "xla" && name != "onnx" && name != "onnxruntime":
		return "xla:" + c
	case name == "onnx" || name == "onnxruntime":
		if hasLibraryPath(opts) || os.Getenv(onnxLibraryEnv) != "" {
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

// Validate checks a backend configuration without starting it.
func Validate(flagValue string) error {
	config := Resolve(flagValue)
	name, _, _ := strings.Cut(config, ":")
	switch name {
	case "go":
		return nil
	case "onnx", "onnxruntime":
		if !onnxCompiled {
			return noONNXError(config)
		}
		return nil
	case "xla":
		if !xlaCompiled {
			return fmt.Errorf("backend %q: this binary was built without XLA support; rebuild with `go build -tags xla` (needs cgo and gcc) or use --backend go", config)
		}
		return nil
	}
	return fmt.Errorf("unknown backend %q; use go, onnx (onnx:cpu, or the path of libonnxruntime.so), xla:cpu, xla:cuda or the path of a PJRT plugin (.so)", config)
}

func noONNXError(config string) error {
	return fmt.Errorf("backend %q: this binary was built without cgo, which ONNX Runtime needs; rebuild with CGO_ENABLED=1 (and gcc installed) or use --backend go", config)
}

// New starts the backend named by [Resolve](flagValue). Failures come back as errors that say
// why and how to fall back, never as panics.
func New(flagValue string) (b compute.Backend, err error) {
	config := Resolve(flagValue)
	name, opts, _ := strings.Cut(config, ":")
	switch name {
	case "go":
		return newGo(opts)
	case "onnx", "onnxruntime":
		if !onnxCompiled {
			return nil, noONNXError(config)
		}
		defer func() {
			if r := recover(); r != nil {
				b, err = nil, onnxError(config, fmt.Errorf("%v", r))
			}
		}()
		b, err = compute.NewWithConfig(withIntraOpThreads(config))
		if err != nil {
			return nil, onnxError(config, err)
		}
		return b, nil
	case "xla":
		if !xlaCompiled {
			return nil, fmt.Errorf("backend %q: this binary was built without XLA support; rebuild with `go build -tags xla` (needs cgo and gcc) or use --backend go", config)
		}
		defer func() {
			if r := recover(); r != nil {
				b, err = nil, xlaError(config, fmt.Errorf("%v", r))
			}
		}()
		b, err = compute.NewWithConfig(config)
		if err != nil {
			return nil, xlaError(config, err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("unknown backend %q; use go, onnx (onnx:cpu, or the path of libonnxruntime.so), xla:cpu, xla:cuda or the path of a PJRT plugin (.so)", config)
}

func onnxError(config string, err error) error {
	return fmt.Errorf("backend %q failed to start: %v\n"+
		"ONNX Runtime needs its shared library: `go run ./kernel install` installs the pinned one (ONNX Runtime %s, from the npm registry) into %s; "+
		"or point $%s or --backend onnx:/path/to/libonnxruntime.so at one; or fall back to the pure-Go backend with --backend go",
		config, err, ORT.Version, ortDirText(), onnxLibraryEnv)
}

func ortDirText() string {
	if d, err := ORT.Dir(); err == nil {
		return d
	}
	return "the user cache directory"
}

func xlaError(config string, err error) error {
	return fmt.Errorf("backend %q failed to start: %v\n"+
		"XLA needs a PJRT plugin: with internet, go-xla installs it on first use; offline, pass the plugin's path "+
		"(e.g. --backend $(python3 -m pip show -f jax-cuda13-pjrt | …)/xla_cuda_plugin.so) or set PJRT_PLUGIN_LIBRARY_PATH; "+
		"or fall back to the pure-Go backend with --backend go", config, err)
}

// newGo starts the pure-Go backend with options opts ("go:opts"). compute v0.1.35's scheduler
// replaced the worker pool whose slots could all wait on each other (compute v0.1.6: ResNet
// steps hung at 0 % CPU); TestGoBackendDoesNotDeadlock keeps that case under test.
func newGo(opts string) (compute.Backend, error) {
	return gobackend.New(opts)
}

// Sequential returns the configuration of [Resolve](flagValue) with the pure-Go backend set to
// execute one operation at a time ("ops_sequential"; each matrix product still uses every CPU),
// as experiment.MatMulFloor times its products one by one. Other backends are returned
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

// SIMDWarning is a warning to print when b is the pure-Go backend built without compute's SIMD
// kernels, as a binary built without GOEXPERIMENT=simd is: it then trains ResNet-32 about 70×
// slower (README, Performance). It is "" for every other backend and for a SIMD build.
func SIMDWarning(b compute.Backend) string {
	if b == nil || !strings.HasPrefix(b.Description(), "Go ") { // "Go Portable Compute Backend (…)"
		return ""
	}
	return simdWarning(b.Description())
}

// simdWarning is SIMDWarning for a Go backend's description, which lists its active kernels
// ("Go Portable Compute Backend (linux/amd64, SIMD, AVX2, …)").
func simdWarning(description string) string {
	if strings.Contains(description, "SIMD") {
		return ""
	}
	return "warning: the pure-Go backend runs without its SIMD kernels (" + description + "): this binary was built without GOEXPERIMENT=simd, and trains about 70× slower; rebuild with GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd"
}
