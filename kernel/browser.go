package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// chromiumNames are the executables tried for the browser check (Debian's is chromium).
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome"}

const aptChromium = "install Debian's chromium (sudo apt-get install chromium)"

// findChromium returns the path of a Chromium executable.
func findChromium() (string, error) {
	for _, n := range chromiumNames {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Chromium found (%s): %s", strings.Join(chromiumNames, ", "), aptChromium)
}

var (
	reImg        = regexp.MustCompile(`<img [^>]*src="data:image/(png|jpeg|svg\+xml)`)
	reErrorClass = regexp.MustCompile(`class="[^"]*\boutput_error\b`)
)

// pageProblems checks one notebook page as Chromium rendered it: the notebook is shown as
// untrusted (so the check sees what a clone shows), every image output of the notebook file is
// an image element, no output is an error, and no machine path appears.
func pageProblems(dom string, wantImages int, machinePaths []string) []string {
	var problems []string
	if !strings.Contains(dom, "notification_trusted") {
		return []string{"the page did not render the notebook (no trust indicator in the DOM)"}
	}
	if !strings.Contains(dom, "Not Trusted") {
		problems = append(problems, "the notebook was rendered as trusted; the check must see what a fresh clone shows")
	}
	if got := len(reImg.FindAllString(dom, -1)); got != wantImages {
		problems = append(problems, fmt.Sprintf("%d image elements on the page for %d image outputs in the notebook", got, wantImages))
	}
	if reErrorClass.MatchString(dom) || rePanic.MatchString(dom) {
		problems = append(problems, "a cell shows an error")
	}
	for _, p := range machinePaths {
		if p != "" && strings.Contains(dom, p) {
			problems = append(problems, "the page holds the machine path "+p)
		}
	}
	return problems
}

// freePort returns a free TCP port of 127.0.0.1.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// browserCheck serves dir with `kernel lab`'s server on a free port, with an empty Jupyter
// data directory (no notebook signatures: every notebook is untrusted, as after git clone),
// loads each notebook in headless Chromium and checks the rendered DOM. It returns the
// problems of each notebook (by base name); an error means the check itself could not run.
func browserCheck(loc location, dir string, nbs []string, machinePaths []string, log io.Writer) (map[string][]string, error) {
	chromium, err := findChromium()
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "ldamlab-browser")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var serverLog bytes.Buffer
	cmd, url, err := notebookServer(loc, dir, port, &serverLog)
	if err != nil {
		return nil, err
	}
	cmd.Env = append(cmd.Env, "JUPYTER_DATA_DIR="+filepath.Join(tmp, "data"), "JUPYTER_RUNTIME_DIR="+filepath.Join(tmp, "runtime"))
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		time.AfterFunc(10*time.Second, func() { cmd.Process.Kill() })
		cmd.Wait()
	}()
	token := url[strings.Index(url, "token=")+len("token="):]
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := waitServer(base+"/api/status?token="+token, 60*time.Second); err != nil {
		return nil, fmt.Errorf("the notebook server did not start: %v\n%s", err, serverLog.String())
	}
	out := map[string][]string{}
	for _, nb := range nbs {
		name := filepath.Base(nb)
		b, err := os.ReadFile(nb)
		if err != nil {
			return nil, err
		}
		want, err := imageOutputs(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		dom, err := dumpDOM(chromium, filepath.Join(tmp, "chromium"), fmt.Sprintf("%s/notebooks/%s?token=%s", base, name, token))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = pageProblems(dom, want, machinePaths)
		fmt.Fprintf(log, "%s: %d image outputs, %d problems\n", name, want, len(out[name]))
	}
	return out, nil
}

// waitServer polls url until it answers 200.
func waitServer(url string, limit time.Duration) error {
	var last error
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		resp, err := http.Get(url)
		if err != nil {
			last = err
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
		last = fmt.Errorf("status %s", resp.Status)
	}
	return last
}

// dumpDOM loads a page in headless Chromium, lets its scripts run for 20 s of virtual time
// (the notebook renders its cells after the page loads), and returns the DOM.
func dumpDOM(chromium, profile, url string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := []string{"--headless=new", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
		"--user-data-dir=" + profile, "--virtual-time-budget=20000", "--dump-dom", url}
	if os.Geteuid() == 0 {
		args = append([]string{"--no-sandbox"}, args...) // Chromium refuses to run as root otherwise
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, chromium, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("chromium: %v: %s", err, lastLine(stderr.String()))
	}
	return stdout.String(), nil
}
