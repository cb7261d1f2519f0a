package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ldamlab/ldamlab/ldam/backend/spec"
	"github.com/ldamlab/ldamlab/ldam/experiment"
	"github.com/ldamlab/ldamlab/ldam/record"
)

// restageCmd re-runs the second stage of finished run directories (experiment.Run.Restage) and
// appends what it did to each run's train.log.
func restageCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ldam restage", flag.ContinueOnError)
	fs.SetOutput(stderr)
	be := fs.String("backend", "", "the backend (and $"+spec.IntraOpThreadsEnv+") the runs were trained on: the trained network must score here what it scored there")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: ldam restage [--backend B] RUN_DIR...\n\nRe-runs the second stage (--stage2 MiSLAS or WB) of each finished run from the network it kept\nbefore the stage (%s), as this build runs the stage; replaces its results.json and\n%s and appends the change to its train.log.\n\n", record.TrainedFile, record.CheckpointFile)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	for _, dir := range fs.Args() {
		if err := restage(dir, *be, stdout); err != nil {
			fmt.Fprintf(stderr, "ldam restage: %s: %v\n", dir, err)
			return 1
		}
	}
	return 0
}

func restage(dir, be string, stdout io.Writer) error {
	run, _, err := experiment.Open(dir, func(c *experiment.Config) { c.Backend, c.Progress = be, false })
	if err != nil {
		return err
	}
	cfg := run.Result.Config
	// The log is opened first: a stage that changes the results is always written down.
	log, err := os.OpenFile(filepath.Join(dir, "train.log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	before, err := run.Restage()
	if err != nil {
		return err
	}
	w := io.MultiWriter(stdout, log)
	r := run.Result
	fmt.Fprintf(w, "(second stage %s re-run on %s by ldam restage from %s, as the stage runs now; backend %s)\n",
		cfg.Stage2, time.Now().UTC().Format("2006-01-02 15:04 UTC"), record.TrainedFile, r.Backend)
	fmt.Fprintf(w, "second stage %s: test balanced top-1 err %.4f  top-5 %.4f (before: %.4f  top-5 %.4f)%s\n",
		cfg.Stage2, r.Final.Top1Error, r.Final.Top5Error, before.Top1Error, before.Top5Error, noteOf(run))
	printFinal(w, r)
	fmt.Fprintf(w, "wrote %s/%s and %s/%s\n", dir, record.ResultsFile, dir, record.CheckpointFile)
	return log.Close()
}

// noteOf is what the stage reported beside its evaluation, in parentheses ("" for none).
func noteOf(run *experiment.Run) string {
	if n := run.Stage2Note(); n != "" {
		return " (" + n + ")"
	}
	return ""
}
