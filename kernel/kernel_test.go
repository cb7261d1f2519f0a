package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ldamlab/ldamlab/datasets/fetch"
	"github.com/ldamlab/ldamlab/lab/env"
	"github.com/ldamlab/ldamlab/ldam/backend/spec"
)

func TestScan(t *testing.T) {
	cell := func(outputs string) string {
		return `{"cells":[{"cell_type":"markdown","source":"x"},{"cell_type":"code","outputs":[` + outputs + `]}]}`
	}
	cases := []struct {
		name, nb string
		kind     string
	}{
		{"good", cell(`{"output_type":"stream","name":"stdout","text":["all ", "fine\n"]}`), ""},
		{"panic", cell(`{"output_type":"stream","name":"stderr","text":"panic: boom\n\ngoroutine 1 [running]:\nexit status 2\n"}`), KindPanic},
		{"log.Fatal", cell(`{"output_type":"stream","name":"stderr","text":"2026/01/01 fatal!\nexit status 1\n"}`), KindExit},
		{"os.Exit", cell(`{"output_type":"stream","name":"stderr","text":"exit status 3"}`), KindExit},
		{"exit 0 is fine", cell(`{"output_type":"stream","name":"stderr","text":"exit status 0\n"}`), ""},
		{"build", cell(`{"output_type":"error","ename":"ERROR","evalue":"failed to run \"go build\"","traceback":["undefined: f"]}`), KindBuild},
		{"error", cell(`{"output_type":"error","ename":"ValueError","evalue":"bad","traceback":[]}`), KindError},
	}
	for _, tc := range cases {
		f, err := Scan([]byte(tc.nb))
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if f != nil {
			got = f.Kind
			if f.Cell != 1 {
				t.Errorf("%s: cell %d, want 1", tc.name, f.Cell)
			}
		}
		if got != tc.kind {
			t.Errorf("%s: kind %q, want %q", tc.name, got, tc.kind)
		}
	}
	if _, err := Scan([]byte("not json")); err == nil {
		t.Error("garbage accepted")
	}
}

// requireJupyter skips only when Jupyter is absent and CI did not ask for it
// (.ci/run sets LDAMLAB_REQUIRE_JUPYTER=1, so there the notebook tests always run).
func requireJupyter(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("jupyter"); err != nil {
		if os.Getenv("LDAMLAB_REQUIRE_JUPYTER") != "" {
			t.Fatalf("LDAMLAB_REQUIRE_JUPYTER is set but jupyter is missing: %s", aptJupyter)
		}
		t.Skip("jupyter is not installed")
	}
}

// installed installs the kernel once per test binary into a temporary prefix.
var installedPrefix string

func installed(t *testing.T) location {
	t.Helper()
	requireJupyter(t)
	if installedPrefix == "" {
		dir, err := os.MkdirTemp("", "ldamlab-kernel")
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := install(location{prefix: dir, noORT: true, backend: testKernelBackend}, &out); err != nil {
			t.Fatalf("install: %v\n%s", err, out.String())
		}
		installedPrefix = dir
	}
	return location{prefix: installedPrefix, noORT: true, backend: testKernelBackend}
}

// testKernelBackend is the engine of the tests' kernel: the main job's default (ONNX Runtime
// when .ci/run has installed it, else the Go backend), whatever GOMLX_BACKEND the tests run
// with, so TestRepositoryNotebooks executes the notebooks as `go run ./kernel` does.
var testKernelBackend = spec.Default

func TestMain(m *testing.M) {
	code := m.Run()
	if installedPrefix != "" {
		os.RemoveAll(installedPrefix)
	}
	os.Exit(code)
}

func TestInstallIsIdempotent(t *testing.T) {
	loc := installed(t)
	dir, _ := loc.kernelDir()
	first, err := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := install(loc, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if !bytes.Equal(first, second) {
		t.Error("a second install changed kernel.json")
	}
	var spec kernelSpec
	if err := json.Unmarshal(second, &spec); err != nil {
		t.Fatalf("kernel.json is not valid JSON: %v", err)
	}
	if spec.DisplayName != "Go (LDAM Lab)" || spec.Language != "go" || spec.Env["GOMLX_BACKEND"] != testKernelBackend || spec.Env["GOEXPERIMENT"] != "simd" {
		t.Errorf("kernelspec %+v", spec)
	}
	if !strings.HasPrefix(spec.Argv[3], "--go_work=") || spec.Argv[2] != "{connection_file}" {
		t.Errorf("argv %q", spec.Argv)
	}
	if _, err := os.Stat(spec.Argv[0]); err != nil {
		t.Errorf("gonb binary: %v", err)
	}
	if p, err := loc.plotlyJS(); err != nil {
		t.Errorf("plotly.js location: %v", err)
	} else if _, err := os.Stat(p); err != nil {
		t.Errorf("install did not place plotly.js: %v", err)
	} else if fresh, err := env.PlotlyJS.Install(fetch.Client{}, p); err != nil || fresh {
		t.Errorf("the installed plotly.js does not verify: %v", err)
	}
	// Jupyter itself sees the kernel.
	cmd := exec.Command("jupyter", "kernelspec", "list", "--json")
	cmd.Env = append(os.Environ(), "JUPYTER_PATH="+filepath.Dir(filepath.Dir(dir)))
	b, err := cmd.Output()
	if err != nil || !strings.Contains(string(b), `"ldamlab"`) {
		t.Errorf("jupyter kernelspec list does not show ldamlab: %v\n%s", err, b)
	}
}

func TestRunnerMarksEveryFailureKind(t *testing.T) {
	loc := installed(t)
	out := t.TempDir()
	cases := []struct {
		nb   string
		kind string
	}{
		{"good", ""}, {"panic", KindPanic}, {"fatal", KindExit}, {"exit", KindExit}, {"build", KindBuild}, {"timeout", KindTimeout},
	}
	var nbs []string
	for _, tc := range cases {
		nbs = append(nbs, filepath.Join("testdata", tc.nb+".ipynb"))
	}
	var log bytes.Buffer
	outcomes, err := runNotebooks(nbs, runOptions{loc: loc, preset: "quick", timeout: 45 * time.Second, outputDir: out, kernelName: KernelName}, &log)
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range cases {
		got := ""
		if f := outcomes[i].Failure; f != nil {
			got = f.Kind
		}
		if got != tc.kind {
			t.Errorf("%s.ipynb: %v, want kind %q", tc.nb, outcomes[i].Failure, tc.kind)
		}
	}
	// The good notebook imported this repository's packages with no setup cell.
	b, err := os.ReadFile(filepath.Join(out, "good.ipynb"))
	if err != nil || !strings.Contains(string(b), "margins 0.1581 0.5000") {
		t.Errorf("good notebook output: %v\n%s", err, b)
	}
	// The kernel compiles cells with GOEXPERIMENT=simd: the Go backend runs its SIMD kernels.
	if !strings.Contains(string(b), "engine: Go Portable Compute Backend") || !strings.Contains(string(b), "SIMD") {
		t.Errorf("a cell's Go backend does not name its SIMD kernels (kernelspec GOEXPERIMENT/GOTOOLCHAIN?):\n%s", b)
	}
	// Later cells of a panicking notebook still run, which is why the scan is needed.
	b, _ = os.ReadFile(filepath.Join(out, "panic.ipynb"))
	if !strings.Contains(string(b), "after") {
		t.Error("panic notebook: later cell output missing")
	}
}

func TestKernelSmoke(t *testing.T) {
	loc := installed(t)
	if _, err := os.Stat("/usr/lib/python3/dist-packages/jupyter_kernel_test"); err != nil {
		if os.Getenv("LDAMLAB_REQUIRE_JUPYTER") != "" {
			t.Fatal("python3-jupyter-kernel-test is not installed (apt-get install python3-jupyter-kernel-test)")
		}
		t.Skip("python3-jupyter-kernel-test is not installed")
	}
	jdata, _ := loc.jupyterData()
	cmd := exec.Command("/usr/bin/python3", "testdata/kernel_smoke.py")
	cmd.Env = append(os.Environ(), "JUPYTER_PATH="+jdata)
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kernel smoke test failed: %v\n%s", err, b)
	}
	if !strings.Contains(string(b), "OK") {
		t.Errorf("unexpected output:\n%s", b)
	}
}

// TestRepositoryNotebooks executes every notebook of notebooks/ in the quick preset, as the
// README's main job does, writing the executed copies to a temporary directory.
func TestRepositoryNotebooks(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the quick preset")
	}
	loc := installed(t)
	nbs, _ := filepath.Glob("../notebooks/*.ipynb")
	if len(nbs) == 0 {
		t.Fatal("no notebooks found")
	}
	var log bytes.Buffer
	// Results and figures go to a temporary directory, so the test trains from scratch and
	// leaves the repository's results/ and figures/ alone.
	out := t.TempDir()
	opts := runOptions{loc: loc, preset: "quick", timeout: 45 * time.Minute, outputDir: filepath.Join(out, "notebooks"), kernelName: KernelName,
		env: []string{"LDAMLAB_OUT=" + out}}
	outcomes, err := runNotebooks(nbs, opts, &log)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outcomes {
		if o.Failure != nil {
			t.Errorf("%s: %v", filepath.Base(o.Notebook), o.Failure)
		}
		t.Logf("%s: %s", filepath.Base(o.Notebook), o.Duration.Round(time.Second))
	}
	figs, _ := filepath.Glob(filepath.Join(out, "figures", "*.svg"))
	if len(figs) == 0 {
		t.Error("the notebooks wrote no figure")
	}
}

func TestLabServesWithToken(t *testing.T) {
	loc := installed(t)
	if exec.Command("jupyter", "notebook", "--version").Run() != nil {
		if os.Getenv("LDAMLAB_REQUIRE_JUPYTER") != "" {
			t.Fatal("jupyter-notebook is not installed")
		}
		t.Skip("jupyter-notebook is not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	var log bytes.Buffer
	cmd, url, err := notebookServer(loc, "../notebooks", port, &log)
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Process.Kill(); cmd.Wait() }()
	token := url[strings.Index(url, "token=")+6:]
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	var body string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		resp, err := http.Get(base + "/api/kernelspecs?token=" + token)
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 {
			body = string(b)
			break
		}
	}
	if !strings.Contains(body, `"ldamlab"`) {
		t.Fatalf("the server does not list the ldamlab kernel: %q\n%s", body, log.String())
	}
	resp, err := http.Get(base + "/api/kernelspecs")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("without the token the server answered %s", resp.Status)
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Errorf("not bound to localhost: %s", url)
	}
}

func TestDoctor(t *testing.T) {
	var out bytes.Buffer
	if err := doctorCmd(nil, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"go version go1.", "backend (default):", "data directory:", "cifar10-jpeg-train.tar.gz"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestKernelBackend(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "go")
	if got := (location{}).backendConfig(); got != "go" {
		t.Errorf("an installed kernel runs on %q; want what the installing shell resolves (go)", got)
	}
	if got := (location{backend: "onnx:cpu"}).backendConfig(); got != "onnx:cpu" {
		t.Errorf("the tests' kernel runs on %q, want its own setting", got)
	}
}

// TestReinstallKeepsOfflineData: a reinstall from a shell without LDAMLAB_DATASETS keeps the
// installed kernel's value while that directory exists, and drops it once it is gone.
func TestReinstallKeepsOfflineData(t *testing.T) {
	requireJupyter(t)
	loc := location{prefix: t.TempDir(), noORT: true, backend: testKernelBackend}
	dir, _ := loc.kernelDir()
	data := t.TempDir()
	read := func() string {
		spec, err := readKernelSpec(dir)
		if err != nil {
			t.Fatal(err)
		}
		return spec.Env["LDAMLAB_DATASETS"]
	}
	for _, step := range []struct {
		env, want string
		remove    bool
	}{
		{env: data, want: data},
		{env: "", want: data},
		{env: "", want: "", remove: true},
	} {
		if step.remove {
			if err := os.RemoveAll(data); err != nil {
				t.Fatal(err)
			}
		}
		t.Setenv("LDAMLAB_DATASETS", step.env)
		var out bytes.Buffer
		if err := install(loc, &out); err != nil {
			t.Fatalf("install: %v\n%s", err, out.String())
		}
		if got := read(); got != step.want {
			t.Errorf("LDAMLAB_DATASETS=%q (data dir removed: %v): kernel has %q, want %q", step.env, step.remove, got, step.want)
		}
	}
}
