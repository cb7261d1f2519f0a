// Command pjrt-install installs the XLA PJRT plugins that the -tags xla build of the ldam
// command uses (go-xla's installer; needs internet): the CPU plugin from
// github.com/gomlx/pjrt-cpu-binaries and, with --cuda, the CUDA plugin and NVIDIA libraries from
// the JAX wheels on PyPI. The Docker image runs it at build time.
//
//	go run ./ldam/cmd/pjrt-install [--lib ~/.local/lib] [--cuda]
//
// On a GPU machine without network whose Python environment has jax-cuda13-pjrt, skip this and
// point the backend at its plugin instead (see the README).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gomlx/go-xla/installer"
)

func main() {
	lib := flag.String("lib", "", "library directory; plugins go to <lib>/go-xla (default ~/.local/lib)")
	cuda := flag.Bool("cuda", false, "also install the CUDA plugin (only where an NVIDIA GPU is present)")
	flag.Parse()
	dir := *lib
	if dir == "" {
		var err error
		if dir, err = installer.DefaultHomeLibPath(); err != nil {
			fail(err)
		}
	}
	target := filepath.Join(dir, "go-xla")
	if err := installer.CPUAutoInstall(target, true, installer.Normal); err != nil {
		fail(fmt.Errorf("CPU plugin: %w", err))
	}
	if *cuda {
		if err := installer.CudaAutoInstall(target, true, installer.Normal); err != nil {
			fail(fmt.Errorf("CUDA plugin: %w", err))
		}
	}
	fmt.Println("PJRT plugins installed in", target)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "pjrt-install: %v\n", err)
	os.Exit(1)
}
