// Package backend chooses the GoMLX compute backend: by default ONNX Runtime
// (github.com/gomlx/compute-onnx, in cgo builds) when its library is installed (ORT.Install),
// else the pure-Go one (no cgo, no binary); or XLA — "xla:cpu", "xla:cuda", or the path of a
// PJRT plugin such as the xla_cuda_plugin.so of the jax-cuda13-pjrt Python package — in
// binaries built with -tags xla.
package backend

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
)

// Default is the backend used when neither the flag nor $GOMLX_BACKEND names one and ONNX
// Runtime is not available (see DefaultConfig).
const Default = "go"

// xlaCompiled is set by xla.go in builds with -tags xla.
var xlaCompiled bool

// onnxCompiled is set by onnx.go in cgo builds.
var onnxCompiled bool

// configureONNX prepares ONNX Runtime's session options before its backend starts (set by
// onnx.go in cgo builds).
var configureONNX = func() {}

// ONNXCompiled reports whether this binary can run the ONNX Runtime backend (a cgo build).
func ONNXCompiled() bool { return onnxCompiled }

// DefaultConfig is the fastest CPU backend present: ONNX Runtime ("onnx:cpu,<library>") when
// this binary has it and ORT's library is installed (ORT.Install), else the pure-Go backend.
func DefaultConfig() string {
	if onnxCompiled {
		if lib := os.Getenv(onnxLibraryEnv); lib != "" {
			return "onnx:cpu"
		}
		if lib := ORT.Installed(); lib != "" {
			return "onnx:cpu," + lib
		}
	}
	return Default
}

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
		configureONNX()
		b, err = compute.NewWithConfig(config)
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

// newGo starts the pure-Go backend with options opts ("go:opts"), its worker pool unlimited
// unless opts sets parallelism or "ops_sequential" (unboundedPool). compute v0.1.6's worker pool
// (internal/gobackend/workerspool) has 2 slots per CPU, and its parallel executor runs each
// ready operation in a slot; a matrix product or convolution then waits, inside its slot, for
// free slots to split its own work into. When as many large operations are ready at once as
// there are slots, every slot waits for the others and the step hangs at 0 % CPU
// (TestGoBackendDoesNotDeadlock: 12 independent products, on every try). Unlimited, the pool
// never waits: each operation and each of its splits is a goroutine, and Go's scheduler shares
// the CPUs among them. Measured here, same session (ldam bench, ResNet-32, 2 cores): training
// 84–90 images/s either way, where ops_sequential, the earlier workaround, trains 51 (README,
// Performance).
func newGo(opts string) (compute.Backend, error) {
	b, err := gobackend.New(opts)
	if err != nil || !unboundedPool(opts) || setMaxParallelism(b, -1) {
		return b, err
	}
	// Another compute than v0.1.6: its option does the same, and prints that it did.
	b.Finalize()
	return gobackend.New(strings.TrimPrefix(opts+",parallelism=-1", ","))
}

// unboundedPool reports whether newGo unbounds the worker pool for options opts: unless they
// set parallelism or ops_sequential.
func unboundedPool(opts string) bool {
	for _, o := range strings.Split(opts, ",") {
		if strings.HasPrefix(o, "parallelism=") || o == "ops_sequential" {
			return false
		}
	}
	return true
}

// setMaxParallelism calls b.Workers.SetMaxParallelism(n) on a Go backend, which is what its
// "parallelism=n" option does, without the line the option prints on standard output (it
// showed in notebooks' cell outputs). The backend's type is in an internal package, so this
// goes through reflection; it reports false where the field or method is missing.
func setMaxParallelism(b compute.Backend, n int) bool {
	v := reflect.ValueOf(b)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return false
	}
	workers := v.Elem().FieldByName("Workers")
	if !workers.IsValid() || workers.Kind() != reflect.Pointer || workers.IsNil() {
		return false
	}
	set := workers.MethodByName("SetMaxParallelism")
	if !set.IsValid() || set.Type().NumIn() != 1 || set.Type().In(0).Kind() != reflect.Int {
		return false
	}
	set.Call([]reflect.Value{reflect.ValueOf(n)})
	return true
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
