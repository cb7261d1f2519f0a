package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ldamlab/ldamlab/ldam/ckpt"
	"github.com/ldamlab/ldamlab/ldam/record"
)

// slimCmd drops the optimizer state from the final checkpoints of finished runs (ckpt.Slim), so
// that a finished run commits only what is reopened: its weights and statistics.
func slimCmd(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("ldam slim", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		fmt.Fprintf(stderr, "usage: ldam slim DIR...\n\nDrops the optimizer state (momentum buffers, Adam's moments) from %s and %s of every\nfinished run under each DIR (a run directory or a tree of them, e.g. results/paper), about half of a\nResNet's checkpoint. Unfinished runs and first stages (%s, which branches continue) are left whole.\n", record.CheckpointFile, record.TrainedFile, record.Stage1File)
	}
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() == 0 {
		fl.Usage()
		return 2
	}
	var saved int64
	for _, root := range fl.Args() {
		found := false
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || d.Name() != record.ResultsFile {
				return err
			}
			found = true
			n, err := slimRun(filepath.Dir(path), stdout)
			saved += n
			return err
		})
		if err == nil && !found {
			err = fmt.Errorf("no run (no %s) under it", record.ResultsFile)
		}
		if err != nil {
			fmt.Fprintf(stderr, "ldam slim: %s: %v\n", root, err)
			return 1
		}
	}
	fmt.Fprintf(stdout, "%.1f MB freed\n", float64(saved)/1e6)
	return 0
}

// slimRun slims the final checkpoints of the run in dir when it is finished and returns the
// bytes freed.
func slimRun(dir string, stdout io.Writer) (int64, error) {
	r, err := record.ReadResult(filepath.Join(dir, record.ResultsFile))
	if err != nil {
		return 0, err
	}
	if !r.Done {
		fmt.Fprintf(stdout, "%s: unfinished, left whole\n", dir)
		return 0, nil
	}
	var saved int64
	for _, name := range []string{record.CheckpointFile, record.TrainedFile} {
		file := filepath.Join(dir, name)
		before, after, err := ckpt.Slim(file)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return saved, err
		}
		if after < before {
			fmt.Fprintf(stdout, "%s: %.1f → %.1f MB\n", file, float64(before)/1e6, float64(after)/1e6)
		}
		saved += before - after
	}
	return saved, nil
}
