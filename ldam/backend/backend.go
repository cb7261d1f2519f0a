// Package backend chooses the GoMLX compute backend: the pure-Go one by default (no cgo, no
// network), or XLA — "xla:cpu", "xla:cuda", or the path of a PJRT plugin such as the
// xla_cuda_plugin.so of the jax-cuda13-pjrt Python package — in binaries built with -tags xla.
package backend

import (
	"fmt"
	"os"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
)

// Default is the backend used when neither the flag nor $GOMLX_BACKEND says otherwise.
const Default = "go"

// xlaCompiled is set by xla.go in builds with -tags xla.
var xlaCompiled bool

// Resolve returns the backend configuration: flagValue, else $GOMLX_BACKEND, else "go". A path
// ending in .so becomes "xla:<path>".
func Resolve(flagValue string) string {
	c := flagValue
	if c == "" {
		c = os.Getenv(compute.ConfigEnvVar)
	}
	if c == "" {
		c = Default
	}
	if strings.HasSuffix(c, ".so") && !strings.HasPrefix(c, "xla:") {
		c = "xla:" + c
	}
	return c
}

// Validate checks a backend configuration without starting it.
func Validate(flagValue string) error {
	config := Resolve(flagValue)
	name, _, _ := strings.Cut(config, ":")
	switch name {
	case "go":
		return nil
	case "xla":
		if !xlaCompiled {
			return fmt.Errorf("backend %q: this binary was built without XLA support; rebuild with `go build -tags xla` (needs cgo and gcc) or use --backend go", config)
		}
		return nil
	}
	return fmt.Errorf("unknown backend %q; use go, xla:cpu, xla:cuda or the path of a PJRT plugin (.so)", config)
}

// New starts the backend named by [Resolve](flagValue). Failures come back as errors that say
// why and how to fall back, never as panics.
func New(flagValue string) (b compute.Backend, err error) {
	config := Resolve(flagValue)
	name, opts, _ := strings.Cut(config, ":")
	switch name {
	case "go":
		return gobackend.New(opts)
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
	return nil, fmt.Errorf("unknown backend %q; use go, xla:cpu, xla:cuda or the path of a PJRT plugin (.so)", config)
}

func xlaError(config string, err error) error {
	return fmt.Errorf("backend %q failed to start: %v\n"+
		"XLA needs a PJRT plugin: with internet, go-xla installs it on first use; offline, pass the plugin's path "+
		"(e.g. --backend $(python3 -m pip show -f jax-cuda13-pjrt | …)/xla_cuda_plugin.so) or set PJRT_PLUGIN_LIBRARY_PATH; "+
		"or fall back to the pure-Go backend with --backend go", config, err)
}

// Sequential returns the configuration of [Resolve](flagValue) with the pure-Go backend set to
// execute one operation at a time ("ops_sequential"; each matrix product still uses every CPU).
// The Go backend of compute v0.1.2 deadlocks when two large matrix products are ready at the
// same time and its parallel executor starts both (each waits for worker slots the other
// holds); graphs with many independent products, like experiment.MatMulFloor's, need this.
// Other backends are returned unchanged.
func Sequential(flagValue string) string {
	config := Resolve(flagValue)
	name, opts, _ := strings.Cut(config, ":")
	if name != "go" {
		return config
	}
	if opts == "" {
		return "go:ops_sequential"
	}
	return config + ",ops_sequential"
}
