package main

import (
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/ldamlab/ldamlab/lab/env"
)

// labCmd starts the classic Jupyter Notebook server (Debian's jupyter-notebook) on 127.0.0.1
// only, with a random token, opening notebooks/ with the ldamlab kernel available.
func labCmd(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("kernel lab", flag.ContinueOnError)
	loc := locationFlags(fs)
	port := fs.Int("port", 8888, "port on 127.0.0.1")
	if err := fs.Parse(args); err != nil {
		return err
	}
	root, err := env.RootDir()
	if err != nil {
		return err
	}
	cmd, url, err := notebookServer(*loc, filepath.Join(root, "notebooks"), *port, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "serving the notebooks at %s\n", url)
	if err := cmd.Start(); err != nil {
		return err
	}
	return cmd.Wait()
}

// notebookServer prepares (does not start) the Jupyter server command serving dir and returns
// the URL with its token.
func notebookServer(loc location, dir string, port int, out io.Writer) (*exec.Cmd, string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, "", err
	}
	kdir, _ := loc.kernelDir()
	if _, err := readKernelSpec(kdir); err != nil {
		return nil, "", err
	}
	if err := exec.Command("jupyter", "notebook", "--version").Run(); err != nil {
		return nil, "", fmt.Errorf("the Jupyter Notebook server is not installed: %s", aptJupyter)
	}
	tok := make([]byte, 24)
	if _, err := rand.Read(tok); err != nil {
		return nil, "", err
	}
	token := hex.EncodeToString(tok)
	jdata, _ := loc.jupyterData()
	cmd := exec.Command("jupyter", "notebook", "--no-browser", "--ip=127.0.0.1", fmt.Sprintf("--port=%d", port), "--port-retries=0",
		"--NotebookApp.token="+token, "--NotebookApp.notebook_dir="+dir)
	if os.Geteuid() == 0 {
		// Jupyter refuses to run as root without this (CI machines and containers run as root).
		cmd.Args = append(cmd.Args, "--allow-root")
	}
	cmd.Env = append(os.Environ(), "JUPYTER_PATH="+jdata+string(os.PathListSeparator)+os.Getenv("JUPYTER_PATH"))
	cmd.Stdout, cmd.Stderr = out, out
	return cmd, fmt.Sprintf("http://127.0.0.1:%d/?token=%s", port, token), nil
}
