package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/ldamlab/ldamlab/datasets/fetch"
	"github.com/ldamlab/ldamlab/lab/env"
	"github.com/ldamlab/ldamlab/ldam/backend/spec"
)

// KernelName is the Jupyter kernel LDAM Lab registers.
const KernelName = "ldamlab"

// aptJupyter is the Debian command that installs what the runner and the server need.
const aptJupyter = "sudo apt-get install jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel"

// location says where the kernelspec and the kernel's tools go.
type location struct {
	prefix string // "" for --user
	// noORT skips installing ONNX Runtime's library, an optional engine (the default; install
	// --onnx installs it).
	noORT bool
	// backend, when set, is the kernel's GOMLX_BACKEND instead of spec.Resolve("") (the
	// tests' kernel runs the notebooks on the main job's default engine whatever the tests'
	// own GOMLX_BACKEND is).
	backend string
}

// backendConfig is the kernel's GOMLX_BACKEND.
func (loc location) backendConfig() string {
	if loc.backend != "" {
		return loc.backend
	}
	return spec.Resolve("")
}

// locationFlags registers --user and --prefix.
func locationFlags(fs *flag.FlagSet) *location {
	loc := &location{noORT: true}
	fs.BoolFunc("onnx", "also install ONNX Runtime's library (pinned npm package), for --backend onnx", func(string) error { loc.noORT = false; return nil })
	fs.StringVar(&loc.prefix, "prefix", "", "install under DIR/share/jupyter (like other Jupyter kernels) instead of the user's data directory")
	fs.Bool("user", true, "install for the current user (the default)")
	return loc
}

// jupyterData is the Jupyter data directory holding kernels/.
func (l location) jupyterData() (string, error) {
	if l.prefix != "" {
		return filepath.Abs(filepath.Join(l.prefix, "share", "jupyter"))
	}
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "share", "jupyter"), nil
}

// toolsBin is where gonb, goimports and gopls are installed.
func (l location) toolsBin() (string, error) {
	if l.prefix != "" {
		return filepath.Abs(filepath.Join(l.prefix, "share", "ldamlab", "bin"))
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "share", "ldamlab", "bin"), nil
}

// plotlyJS is where the installed plotly.js lives (env.PlotlyPath under the data directory).
func (l location) plotlyJS() (string, error) {
	d, err := l.jupyterData()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, filepath.FromSlash(env.PlotlyPath)), nil
}

func (l location) kernelDir() (string, error) {
	d, err := l.jupyterData()
	return filepath.Join(d, "kernels", KernelName), err
}

// kernelSpec is Jupyter's kernel.json.
type kernelSpec struct {
	Argv          []string          `json:"argv"`
	DisplayName   string            `json:"display_name"`
	Language      string            `json:"language"`
	InterruptMode string            `json:"interrupt_mode"`
	Env           map[string]string `json:"env"`
}

func installCmd(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("kernel install", flag.ContinueOnError)
	loc := locationFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	return install(*loc, out)
}

func install(loc location, out io.Writer) error {
	root, err := env.RootDir()
	if err != nil {
		return err
	}
	bin, err := loc.toolsBin()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return err
	}
	// gonb, goimports and gopls are pinned as tool lines of kernel/tools/go.mod (`go install
	// gonb@version` is refused by this module proxy; a module build works).
	fmt.Fprintf(out, "building gonb v0.11.5, goimports and gopls v0.23.0 into %s\n", bin)
	cmd := exec.Command("go", "install", "tool")
	cmd.Dir = filepath.Join(root, "kernel", "tools")
	cmd.Env = append(os.Environ(), "GOBIN="+bin, "GOFLAGS=-buildvcs=false")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the kernel tools: %v\n%s", err, b)
	}
	// ONNX Runtime's library, an optional engine (--backend onnx), on request (install --onnx;
	// from the pinned npm package).
	if spec.ORT.Supported() && !loc.noORT {
		if _, err := spec.ORT.Install(out); err != nil {
			fmt.Fprintf(out, "warning: ONNX Runtime not installed, notebooks use the pure-Go backend: %v\n", err)
		}
	}
	// plotly.js for the live 3-d views, served by the notebook server from the Jupyter data
	// directory (pinned npm package; without it a browser loads it from the CDN).
	if p, err := loc.plotlyJS(); err == nil {
		if fresh, err := env.PlotlyJS.Install(fetch.Client{}, p); err != nil {
			fmt.Fprintf(out, "warning: plotly.js not installed, live 3-d views load it from %s: %v\n", env.PlotlyCDN, err)
		} else if fresh {
			fmt.Fprintf(out, "plotly.js: installed %s\n", p)
		} else {
			fmt.Fprintf(out, "plotly.js: %s (verified)\n", p)
		}
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("go is not on PATH: %w", err)
	}
	goBin, _ = filepath.Abs(goBin)
	spec := kernelSpec{
		Argv:          []string{filepath.Join(bin, "gonb"), "--kernel", "{connection_file}", "--go_work=" + root, "--logtostderr"},
		DisplayName:   "Go (LDAM Lab)",
		Language:      "go",
		InterruptMode: "message",
		Env: map[string]string{
			"PATH":          strings.Join([]string{bin, filepath.Dir(goBin), "/usr/local/bin", "/usr/bin", "/bin"}, string(os.PathListSeparator)),
			"GOMLX_BACKEND": loc.backendConfig(),
			"GOEXPERIMENT":  "simd",
			"GOTOOLCHAIN":   Toolchain,
			"GOFLAGS":       "-buildvcs=false",
			"LDAMLAB_ROOT":  root,
		},
	}
	dir, err := loc.kernelDir()
	if err != nil {
		return err
	}
	// Offline dataset copies and the data directory seen at install time reach the notebooks.
	// When unset now, a reinstall keeps the value the installed kernel has (a directory that
	// still exists), so running it from a shell without them does not cut the notebooks off
	// their offline data.
	old, _ := readKernelSpec(dir)
	for _, k := range []string{"LDAMLAB_DATASETS", "LDAMLAB_DATA"} {
		if v := os.Getenv(k); v != "" {
			if abs, err := filepath.Abs(v); err == nil {
				v = abs
			}
			spec.Env[k] = v
		} else if v := old.Env[k]; v != "" {
			if st, err := os.Stat(v); err == nil && st.IsDir() {
				spec.Env[k] = v
				fmt.Fprintf(out, "%s unset: keeping the installed kernel's %s=%s\n", k, k, v)
			}
		}
	}
	if err := writeKernelSpec(dir, spec); err != nil {
		return err
	}
	fmt.Fprintf(out, "kernel %q (%s) registered in %s\n", KernelName, spec.DisplayName, dir)
	return ensureJupyter(out)
}

// jupyterPackages are the Debian packages the runner and the server need.
var jupyterPackages = []string{"jupyter-notebook", "jupyter-nbconvert", "python3-nbclient", "python3-ipykernel", "jupyter-client"}

// ensureJupyter checks for jupyter nbconvert and, when it is missing, installs Debian's
// packages with apt-get (as root, or through passwordless sudo); otherwise it says which
// command to run.
func ensureJupyter(out io.Writer) error {
	have := func() bool { return exec.Command("jupyter", "nbconvert", "--version").Run() == nil }
	if have() {
		return nil
	}
	var prefix []string
	if os.Geteuid() != 0 {
		if exec.Command("sudo", "-n", "true").Run() != nil {
			return fmt.Errorf("jupyter nbconvert is not installed and this user cannot run apt-get: %s", aptJupyter)
		}
		prefix = []string{"sudo", "-n"}
	}
	fmt.Fprintf(out, "installing %s with apt-get\n", strings.Join(jupyterPackages, " "))
	for _, args := range [][]string{{"apt-get", "update", "-qq"}, append([]string{"apt-get", "install", "-y", "-qq"}, jupyterPackages...)} {
		full := append(append([]string{}, prefix...), args...)
		c := exec.Command(full[0], full[1:]...)
		c.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if b, err := c.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v\n%s\ninstall it by hand: %s", strings.Join(full, " "), err, b, aptJupyter)
		}
	}
	if !have() {
		return fmt.Errorf("jupyter nbconvert still missing after apt-get: %s", aptJupyter)
	}
	return nil
}

// writeKernelSpec writes kernel.json (atomically) and the logo; rewriting is idempotent.
func writeKernelSpec(dir string, spec kernelSpec) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	if err := fetch.WriteAtomic(filepath.Join(dir, "kernel.json"), func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	}); err != nil {
		return err
	}
	return fetch.WriteAtomic(filepath.Join(dir, "logo-svg.svg"), func(w io.Writer) error {
		_, err := io.WriteString(w, logoSVG)
		return err
	})
}

// readKernelSpec reads an installed kernel.json.
func readKernelSpec(dir string) (kernelSpec, error) {
	var spec kernelSpec
	b, err := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return spec, fmt.Errorf("the %q kernel is not installed in %s: run `go run ./kernel install`", KernelName, dir)
		}
		return spec, err
	}
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&spec); err != nil {
		return spec, fmt.Errorf("%s/kernel.json: %w", dir, err)
	}
	return spec, nil
}

const logoSVG = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
<rect width="64" height="64" rx="8" fill="#0072b2"/>
<text x="32" y="40" font-family="sans-serif" font-size="20" text-anchor="middle" fill="#fff">LDAM</text>
</svg>
`
