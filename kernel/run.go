package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ldamlab/ldamlab/lab/env"
)

// Failure kinds of a notebook.
const (
	KindBuild   = "build error"
	KindPanic   = "panic"
	KindExit    = "exit status" // log.Fatal, os.Exit(n)
	KindError   = "error"       // any other error output
	KindTimeout = "time-out"
	KindRunner  = "runner"
)

// Failure is the first failed cell of a notebook.
type Failure struct {
	Kind    string
	Cell    int // 0-based index among all cells, −1 if unknown
	Message string
}

func (f *Failure) String() string {
	if f.Cell >= 0 {
		return fmt.Sprintf("%s in cell %d: %s", f.Kind, f.Cell, f.Message)
	}
	return fmt.Sprintf("%s: %s", f.Kind, f.Message)
}

// notebook is the part of nbformat v4 the scanner reads.
type notebook struct {
	Cells []struct {
		CellType string `json:"cell_type"`
		Outputs  []struct {
			OutputType string          `json:"output_type"`
			Name       string          `json:"name"`
			Text       json.RawMessage `json:"text"`
			EName      string          `json:"ename"`
			EValue     string          `json:"evalue"`
			Traceback  []string        `json:"traceback"`
		} `json:"outputs"`
	} `json:"cells"`
}

var (
	rePanic = regexp.MustCompile(`(?m)^(panic: .*|fatal error: .*)$`)
	reExit  = regexp.MustCompile(`(?m)^exit status [1-9][0-9]*$`)
	reAnsi  = regexp.MustCompile(`\x1b\[[0-9;]*m`)
)

// text decodes nbformat's multiline text (a string or a list of strings).
func text(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []string
	json.Unmarshal(raw, &parts)
	return strings.Join(parts, "")
}

// Scan returns the first failed cell of an executed notebook, or nil. GoNB reports only build
// errors as Jupyter errors; a panic, log.Fatal or os.Exit(n ≠ 0) in a cell only prints
// "exit status N" on its stderr stream, so the streams are scanned too.
func Scan(b []byte) (*Failure, error) {
	var nb notebook
	if err := json.Unmarshal(b, &nb); err != nil {
		return nil, fmt.Errorf("not a notebook: %w", err)
	}
	for i, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		for _, o := range c.Outputs {
			switch o.OutputType {
			case "error":
				msg := reAnsi.ReplaceAllString(o.EName+": "+o.EValue+" "+strings.Join(o.Traceback, "\n"), "")
				kind := KindError
				if strings.Contains(msg, "go build") || strings.Contains(msg, "failed to run") || strings.Contains(strings.ToLower(o.EName), "compil") {
					kind = KindBuild
				}
				return &Failure{Kind: kind, Cell: i, Message: firstLine(msg)}, nil
			case "stream":
				t := reAnsi.ReplaceAllString(text(o.Text), "")
				if m := rePanic.FindString(t); m != "" {
					return &Failure{Kind: KindPanic, Cell: i, Message: m}, nil
				}
				if m := reExit.FindStringIndex(t); m != nil {
					before := strings.TrimSpace(t[:m[0]])
					return &Failure{Kind: KindExit, Cell: i, Message: lastLine(before) + " (" + t[m[0]:m[1]] + ")"}, nil
				}
			}
		}
	}
	return nil, nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return firstLine(lines[len(lines)-1])
}

// runOptions configure a headless run.
type runOptions struct {
	loc        location
	preset     string
	timeout    time.Duration
	outputDir  string // "" writes the executed notebooks in place
	kernelName string
	// env is added to the notebooks' environment (e.g. LDAMLAB_OUT).
	env []string
}

// Outcome is one notebook's result.
type Outcome struct {
	Notebook string
	Duration time.Duration
	Failure  *Failure
}

func runCmd(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("kernel run", flag.ContinueOnError)
	opts := runOptions{kernelName: KernelName}
	loc := locationFlags(fs)
	fs.StringVar(&opts.preset, "preset", "", "LDAMLAB_PRESET for the notebooks (default $LDAMLAB_PRESET or quick)")
	fs.DurationVar(&opts.timeout, "timeout", 60*time.Minute, "time limit per notebook")
	fs.StringVar(&opts.outputDir, "output_dir", "", "write executed notebooks here instead of in place")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts.loc = *loc
	nbs := fs.Args()
	if len(nbs) == 0 {
		root, err := env.RootDir()
		if err != nil {
			return err
		}
		nbs, _ = filepath.Glob(filepath.Join(root, "notebooks", "*.ipynb"))
		sort.Strings(nbs)
		if len(nbs) == 0 {
			return fmt.Errorf("no notebooks in %s/notebooks", root)
		}
	}
	outcomes, err := runNotebooks(nbs, opts, out)
	if err != nil {
		return err
	}
	failed := 0
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nnotebook\tstatus\ttime\tdetail")
	for _, o := range outcomes {
		status, detail := "ok", ""
		if o.Failure != nil {
			status, detail = "FAILED", o.Failure.String()
			failed++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", filepath.Base(o.Notebook), status, o.Duration.Round(time.Second), detail)
	}
	tw.Flush()
	if failed > 0 {
		return fmt.Errorf("%d of %d notebooks failed", failed, len(outcomes))
	}
	return nil
}

// runNotebooks executes each notebook with nbconvert and scans the result.
func runNotebooks(nbs []string, opts runOptions, log io.Writer) ([]Outcome, error) {
	if _, err := exec.LookPath("jupyter"); err != nil {
		return nil, fmt.Errorf("jupyter is not installed: %s", aptJupyter)
	}
	preset := opts.preset
	if preset == "" {
		p, err := env.PresetName()
		if err != nil {
			return nil, err
		}
		preset = p
	}
	kdir, err := opts.loc.kernelDir()
	if err != nil {
		return nil, err
	}
	if _, err := readKernelSpec(kdir); err != nil {
		return nil, err
	}
	jdata, _ := opts.loc.jupyterData()
	var outcomes []Outcome
	for _, nb := range nbs {
		nb, _ = filepath.Abs(nb)
		fmt.Fprintf(log, "running %s (preset %s, limit %s)\n", nb, preset, opts.timeout)
		o := Outcome{Notebook: nb}
		t0 := time.Now()
		o.Failure = runOne(nb, preset, jdata, opts)
		o.Duration = time.Since(t0)
		outcomes = append(outcomes, o)
	}
	return outcomes, nil
}

func runOne(nb, preset, jdata string, opts runOptions) *Failure {
	outDir := opts.outputDir
	if outDir == "" {
		outDir = filepath.Dir(nb)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return &Failure{Kind: KindRunner, Cell: -1, Message: err.Error()}
	}
	// Execute into a temporary name, then rename: an interrupted run never truncates a notebook.
	tmpName := "." + strings.TrimSuffix(filepath.Base(nb), ".ipynb") + ".running"
	ctx, cancel := context.WithTimeout(context.Background(), opts.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "jupyter", "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
		"--output", tmpName, "--output-dir", outDir,
		"--ExecutePreprocessor.kernel_name="+opts.kernelName,
		fmt.Sprintf("--ExecutePreprocessor.timeout=%d", int(opts.timeout.Seconds())), nb)
	cmd.Dir = filepath.Dir(nb)
	cmd.Env = append(os.Environ(), env.Preset+"="+preset, env.Headless+"=1", "JUPYTER_PATH="+jdata+string(os.PathListSeparator)+os.Getenv("JUPYTER_PATH"))
	cmd.Env = append(cmd.Env, opts.env...)
	// On time-out, interrupt nbconvert first so nbclient shuts its kernel down; kill it only if
	// it has not exited 20 s later.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 20 * time.Second
	b, err := cmd.CombinedOutput()
	tmp := filepath.Join(outDir, tmpName+".ipynb")
	defer os.Remove(tmp)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &Failure{Kind: KindTimeout, Cell: -1, Message: fmt.Sprintf("not finished after %s", opts.timeout)}
	}
	if err != nil {
		return &Failure{Kind: KindRunner, Cell: -1, Message: fmt.Sprintf("nbconvert: %v: %s", err, lastLine(string(b)))}
	}
	executed, err := os.ReadFile(tmp)
	if err != nil {
		return &Failure{Kind: KindRunner, Cell: -1, Message: err.Error()}
	}
	if err := os.Rename(tmp, filepath.Join(outDir, filepath.Base(nb))); err != nil {
		return &Failure{Kind: KindRunner, Cell: -1, Message: err.Error()}
	}
	f, err := Scan(executed)
	if err != nil {
		return &Failure{Kind: KindRunner, Cell: -1, Message: err.Error()}
	}
	return f
}
