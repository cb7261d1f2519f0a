// Package env is the notebooks' environment, without GoMLX: where the repository is, which
// preset the notebooks run in, the environment variables the kernel sets for them, and the
// pinned plotly.js that `go run ./kernel install` places for the live 3-d views. The kernel
// (installer, runner, doctor) reads it without compiling the lab; package lab builds on it.
package env

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ldamlab/ldamlab/datasets/fetch"
	"github.com/ldamlab/ldamlab/ldam/schedule"
)

// Preset selects the preset of every notebook (quick by default); Root overrides where the
// repository is; Out, when set, receives results/ and figures/ instead of the repository (tests
// run the notebooks that way); Headless, when set, makes widgets render their defaults as
// static output (a headless run has no browser to talk to).
const (
	Preset   = "LDAMLAB_PRESET"
	Root     = "LDAMLAB_ROOT"
	Out      = "LDAMLAB_OUT"
	Headless = "LDAMLAB_HEADLESS"
)

// PresetName returns the notebook preset: $LDAMLAB_PRESET, "quick" by default.
func PresetName() (string, error) {
	name := os.Getenv(Preset)
	if name == "" {
		name = "quick"
	}
	p, err := schedule.Lookup(name)
	if err != nil {
		return "", fmt.Errorf("%s: %w", Preset, err)
	}
	return p.Name, nil
}

// RootDir returns the repository root: $LDAMLAB_ROOT, or the nearest parent of the working
// directory whose go.mod declares module github.com/ldamlab/ldamlab.
func RootDir() (string, error) {
	if r := os.Getenv(Root); r != "" {
		return r, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(b, []byte("module github.com/ldamlab/ldamlab\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("lab: not inside the LDAM Lab repository; set %s", Root)
		}
		dir = parent
	}
}

// OutDir is where results/ and figures/ live: $LDAMLAB_OUT or the repository root.
func OutDir() (string, error) {
	if o := os.Getenv(Out); o != "" {
		return o, nil
	}
	return RootDir()
}

// PlotlyJS is plotly.js for the interactive 3-d views, from the pinned npm package
// plotly.js-dist-min (the npm registry is reachable where the CDN may not be). `kernel install`
// places it at PlotlyPath under the Jupyter data directory, which the notebook server serves, so
// the views work in a browser without internet.
var PlotlyJS = fetch.Member{
	Package: fetch.File{
		Name:   "plotly.js-dist-min-2.34.0.tgz",
		URL:    "https://registry.npmjs.org/plotly.js-dist-min/-/plotly.js-dist-min-2.34.0.tgz",
		SHA256: "7a4e5fc87a0a5c08382f1da449853319038230efd62db8a021e286cdcdc6330d",
		Size:   1101918,
	},
	Path:   "package/plotly.min.js",
	SHA256: "bf9124cff25d3a1afb1924d16a9d1dadc49b4e9410fd1f63c682958b8720ba9b",
}

// PlotlyPath is the installed plotly.js, relative to a Jupyter data directory and to the
// notebook server's base URL (the classic Notebook serves nbextensions/ from its data paths).
const PlotlyPath = "nbextensions/ldamlab/plotly-2.34.0.min.js"

// PlotlyCDN is the fallback when the installed copy is not served (JupyterLab, VS Code): the
// same version from its CDN (the browser needs the internet then, the kernel does not).
const PlotlyCDN = "https://cdn.plot.ly/plotly-2.34.0.min.js"

// Cell is one cell of a notebook file: its type ("code", "markdown" or "raw"), its source, and
// the text its stream outputs printed.
type Cell struct {
	Type, Source, Text string
}

// ReadNotebook reads the cells of a notebook file (nbformat 4; sources and texts given as one
// string or as a list of lines).
func ReadNotebook(file string) ([]Cell, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var nb struct {
		Cells []struct {
			Type    string          `json:"cell_type"`
			Source  json.RawMessage `json:"source"`
			Outputs []struct {
				Text json.RawMessage `json:"text"`
			} `json:"outputs"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(b, &nb); err != nil {
		return nil, fmt.Errorf("%s is not a notebook: %w", file, err)
	}
	text := func(m json.RawMessage) string {
		var lines []string
		if json.Unmarshal(m, &lines) == nil {
			return strings.Join(lines, "")
		}
		var s string
		json.Unmarshal(m, &s)
		return s
	}
	var out []Cell
	for _, c := range nb.Cells {
		cell := Cell{Type: c.Type, Source: text(c.Source)}
		for _, o := range c.Outputs {
			cell.Text += text(o.Text)
		}
		out = append(out, cell)
	}
	return out, nil
}
