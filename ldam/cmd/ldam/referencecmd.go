package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/ldamlab/ldamlab/ldam/reference"
	"github.com/ldamlab/ldamlab/ldam/schedule"
)

// referenceCmd trains the PyTorch reference of the official recipe over seeds:
// ldam reference --preset lite --seeds 0,1,2,3,4 [--methods ERM,LDAM-DRW] [--column "C10 LT 100"].
func referenceCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ldam reference", flag.ContinueOnError)
	fs.SetOutput(stderr)
	preset := fs.String("preset", "lite", "preset whose schedule and data scale the reference runs (quick, lite, paper)")
	seedList := fs.String("seeds", "0", "comma-separated seeds")
	methodList := fs.String("methods", "", fmt.Sprintf("comma-separated methods; default ERM,ERM-DRW,LDAM,LDAM-DRW (the reference has %v)", reference.Methods))
	column := fs.String("column", "C10 LT 100", "the column of Table 2 (CIFAR-10 only)")
	threads := fs.Int("threads", 2, "PyTorch's threads")
	root := fs.String("root", ".", "repository root: runs go to <root>/results/<preset>/reference/<run>/seed-<n>")
	dry := fs.Bool("dry_run", false, "print the runs and their commands, run nothing")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	p, err := schedule.Lookup(*preset)
	if err != nil {
		fmt.Fprintf(stderr, "ldam reference: %v\n", err)
		return 2
	}
	seeds, err := parseSeeds(*seedList)
	if err != nil {
		fmt.Fprintf(stderr, "ldam reference: %v\n", err)
		return 2
	}
	jobs, err := reference.Plan(*root, p.Name, seeds, split(*methodList), *column)
	if err != nil {
		fmt.Fprintf(stderr, "ldam reference: %v\n", err)
		return 2
	}
	for _, j := range jobs {
		state := "to run"
		if j.Done() {
			state = "done"
		} else if j.BranchFrom != "" {
			state = "to run, branching from " + j.BranchFrom
		}
		fmt.Fprintf(stdout, "%s seed %d: %s\n", j.Run.Name, j.Seed, state)
		if *dry {
			a, err := j.Args(*root, p, *threads)
			if err != nil {
				fmt.Fprintf(stderr, "ldam reference: %v\n", err)
				return 1
			}
			fmt.Fprintf(stdout, "  %s %s\n", reference.Python(), joinQuoted(a))
		}
	}
	if *dry {
		return 0
	}
	if err := reference.Run(*root, p, jobs, *threads, stdout); err != nil {
		fmt.Fprintf(stderr, "ldam reference: %v\n", err)
		return 1
	}
	return 0
}

func joinQuoted(args []string) string {
	out := ""
	for i, a := range quote(args) {
		if i > 0 {
			out += " "
		}
		out += a
	}
	return out
}
