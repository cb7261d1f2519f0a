// Package backend starts the GoMLX compute backend that package spec resolves: by default the pure-Go one (compute's
// "go" backend with its AVX2/AVX-512 kernels; no cgo, nothing to download), the fastest CPU
// engine for these networks (README, Performance); on request ONNX Runtime
// (github.com/gomlx/compute-onnx, in cgo builds, its library installed by ORT.Install); or XLA — "xla:cpu", "xla:cuda", or the path of a
// PJRT plugin such as the xla_cuda_plugin.so of the jax-cuda13-pjrt Python package — in
// binaries built with -tags xla.
package backend

import (
	"fmt"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	"github.com/ldamlab/ldamlab/ldam/backend/spec"
)

// xlaCompiled is set by xla.go in builds with -tags xla.
var xlaCompiled bool

// onnxCompiled is set by onnx.go in cgo builds.
var onnxCompiled bool

// ONNXCompiled reports whether this binary can run the ONNX Runtime backend (a cgo build).
func ONNXCompiled() bool { return onnxCompiled }

// Validate checks a backend configuration without starting it.
func Validate(flagValue string) error {
	config := spec.Resolve(flagValue)
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
	config := spec.Resolve(flagValue)
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
		b, err = compute.NewWithConfig(spec.WithIntraOpThreads(config))
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
		config, err, spec.ORT.Version, ortDirText(), spec.ONNXLibraryEnv)
}

func ortDirText() string {
	if d, err := spec.ORT.Dir(); err == nil {
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
