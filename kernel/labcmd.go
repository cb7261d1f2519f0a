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

	"github.com/ldamlab/ldamlab/lab"
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
	root, err := lab.Root()
	if err != nil {
		return err
	}
	kdir, _ := loc.kernelDir()
	if _, err := readKernelSpec(kdir); err != nil {
		return err
	}
	if err := exec.Command("jupyter", "notebook", "--version").Run(); err != nil {
		return fmt.Errorf("the Jupyter Notebook server is not installed: %s", aptJupyter)
	}
	tok := make([]byte, 24)
	if _, err := rand.Read(tok); err != nil {
		return err
	}
	token := hex.EncodeToString(tok)
	jdata, _ := loc.jupyterData()
	fmt.Fprintf(out, "serving %s/notebooks at http://127.0.0.1:%d/?token=%s\n", root, *port, token)
	cmd := exec.Command("jupyter", "notebook", "--no-browser", "--ip=127.0.0.1", fmt.Sprintf("--port=%d", *port),
		"--NotebookApp.token="+token, "--NotebookApp.notebook_dir="+filepath.Join(root, "notebooks"))
	cmd.Env = append(os.Environ(), "JUPYTER_PATH="+jdata+string(os.PathListSeparator)+os.Getenv("JUPYTER_PATH"))
	cmd.Stdout, cmd.Stderr = out, os.Stderr
	return cmd.Run()
}
