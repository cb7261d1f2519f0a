package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/ldamlab/ldamlab/datasets/catalog"
	"github.com/ldamlab/ldamlab/lab/env"
	"github.com/ldamlab/ldamlab/ldam/backend/spec"
)

func doctorCmd(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("kernel doctor", flag.ContinueOnError)
	loc := locationFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	line := func(k, v string) { fmt.Fprintf(out, "%-22s %s\n", k+":", v) }
	run := func(name string, args ...string) string {
		b, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			return "not found (" + strings.TrimSpace(firstLine(string(b)+" "+err.Error())) + ")"
		}
		return firstLine(string(b))
	}
	root, err := env.RootDir()
	if err != nil {
		root = err.Error()
	}
	line("repository", root)
	line("go", run("go", "version"))
	kdir, _ := loc.kernelDir()
	if spec, err := readKernelSpec(kdir); err != nil {
		line("kernel", err.Error())
	} else {
		line("kernel", fmt.Sprintf("%q in %s (%s)", KernelName, kdir, spec.DisplayName))
		line("gonb", spec.Argv[0]+" (pinned v0.11.5)")
		line("kernel env", fmt.Sprintf("GOMLX_BACKEND=%s GOEXPERIMENT=%s", spec.Env["GOMLX_BACKEND"], spec.Env["GOEXPERIMENT"]))
	}
	line("jupyter nbconvert", run("jupyter", "nbconvert", "--version"))
	line("jupyter notebook", run("jupyter", "notebook", "--version"))
	line("backend (default)", spec.Resolve(""))
	ort := "not installed (go run ./kernel install puts it in the user cache; the default is then the pure-Go backend)"
	if p := spec.ORT.Installed(); p != "" {
		ort = p
	}
	line("ONNX Runtime "+spec.ORT.Version, ort)
	line("ONNX Runtime threads", spec.IntraOpThreadsNote())
	plotly := "not installed (go run ./kernel install; live 3-d views then load it from " + env.PlotlyCDN + ")"
	if p, err := loc.plotlyJS(); err == nil {
		if _, err := os.Stat(p); err == nil {
			plotly = p
		}
	}
	line("plotly.js", plotly)
	line("ONNX Runtime in cells", cgoNote(run("go", "env", "CGO_ENABLED")))
	line("XLA", "in an ldam binary built with -tags xla (needs cgo); notebook cells build without it")
	home, _ := os.UserHomeDir()
	plugins, _ := filepath.Glob(filepath.Join(home, ".local", "lib", "go-xla", "*.so"))
	if p := os.Getenv("PJRT_PLUGIN_LIBRARY_PATH"); p != "" {
		more, _ := filepath.Glob(filepath.Join(p, "*.so"))
		plugins = append(plugins, more...)
	}
	line("PJRT plugins found", fmt.Sprint(plugins))
	dir, err := catalog.DataDir("")
	if err != nil {
		dir = err.Error()
	}
	line("data directory", dir)
	off := os.Getenv(catalog.EnvOffline)
	line(catalog.EnvOffline, off)
	for _, f := range []string{"cifar10-jpeg-train.tar.gz", "cifar10-jpeg-test.tar.gz", catalog.TinyImageNetOffline.Meta, catalog.TinyImageNetOffline.Val,
		catalog.TinyImageNetOffline.Train[0], catalog.TinyImageNetOffline.Train[1], catalog.IMDBOffline} {
		line("  "+f, present(filepath.Join(off, f), off != ""))
	}
	for _, f := range []string{catalog.CIFAR10Binary.Name, catalog.CIFAR100Binary.Name, catalog.TinyImageNetZip.Name, catalog.IMDBArchive.Name} {
		line("  "+f, present(filepath.Join(dir, f), true))
	}
	line("  fashion-mnist", present(catalog.FashionMNISTDebianDir, true))
	line("  inat2018", present(filepath.Join(dir, "inat2018", "train2018.json"), true))
	return nil
}

// cgoNote says whether the notebooks' cells, which GoNB builds with the go command's defaults,
// can use ONNX Runtime: it needs cgo, which the go command enables when it finds a C compiler.
func cgoNote(cgoEnabled string) string {
	if cgoEnabled == "1" {
		return "yes (go env CGO_ENABLED=1)"
	}
	return "no (go env CGO_ENABLED=" + cgoEnabled + "): install gcc, or set CGO_ENABLED=1 in the kernel's environment"
}

func present(p string, check bool) string {
	if !check {
		return "–"
	}
	if _, err := os.Stat(p); err != nil {
		return "missing (" + p + ")"
	}
	return "present (" + p + ")"
}
