// Command kernel installs and runs LDAM Lab's Jupyter environment: a pinned GoNB kernel named
// "ldamlab" whose notebooks import this repository's packages with no setup cell, headless
// notebook runs that fail on every kind of cell failure (including the panics, log.Fatal and
// os.Exit that GoNB reports as success), a local Jupyter server, and a doctor.
//
//	go run ./kernel install [--user | --prefix DIR] [--onnx]
//	go run ./kernel run [--preset quick] [--timeout 60m] [notebooks/00-start-here.ipynb ...]
//	go run ./kernel lab [--port 8888]
//	go run ./kernel doctor
//
// With no verb, install runs, then run.
package main

import (
	"fmt"
	"io"
	"os"
)

// Toolchain is the Go toolchain the module needs (go.mod's go line): GoMLX v0.28.16 and
// compute's SIMD kernels build only with Go 1.27. Every shell, script and the kernelspec export
// GOTOOLCHAIN=Toolchain, so a machine whose go defaults to GOTOOLCHAIN=local fetches it from the
// module proxy.
const Toolchain = "go1.27.3"

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: go run ./kernel <verb> [flags]

verbs:
  install   build GoNB v0.11.5, goimports and gopls (pinned in kernel/tools/go.mod) and
            register the "ldamlab" Jupyter kernel (--user, default, or --prefix DIR;
            --onnx also installs ONNX Runtime's library, an optional engine)
  run       execute notebooks headlessly with the ldamlab kernel (default: notebooks/*.ipynb)
  lab       start Jupyter on 127.0.0.1 with a token, opening notebooks/
  doctor    print Go, GoNB, Jupyter, backends, data directory and datasets found
  all       install, then run (the README's main job; also what no verb does)
`

func dispatch(args []string, stdout, stderr io.Writer) int {
	verb := "all"
	if len(args) > 0 {
		verb, args = args[0], args[1:]
	}
	var err error
	switch verb {
	case "install":
		err = installCmd(args, stdout)
	case "run":
		err = runCmd(args, stdout)
	case "lab", "notebook":
		err = labCmd(args, stdout)
	case "doctor":
		err = doctorCmd(args, stdout)
	case "all":
		if err = installCmd(nil, stdout); err == nil {
			err = runCmd(args, stdout)
		}
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "kernel: unknown verb %q\n%s", verb, usage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "kernel %s: %v\n", verb, err)
		return 1
	}
	return 0
}
