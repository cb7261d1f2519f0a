package slurm_test

import (
	"fmt"

	"github.com/ldamlab/ldamlab/ldam/slurm"
)

// An array of three runs of a sweep on one GPU each; each task runs ldam sweep with its index.
func ExampleArray_Script() {
	a := slurm.Array{
		Name:      "ldam-table2-paper",
		Indices:   []int{0, 1, 2},
		Command:   []string{"ldam", "sweep", "--table", "table2", "--preset", "paper", "--task", slurm.TaskIndex},
		Output:    "results/paper/table2/slurm/%A_%a.out",
		Resources: slurm.Resources{CPUsPerTask: 4, GRES: "gpu:1", Time: "24:00:00"},
	}
	script, err := a.Script()
	if err != nil {
		panic(err)
	}
	fmt.Print(script)
	// Output:
	// #!/bin/bash
	// #SBATCH --job-name=ldam-table2-paper
	// #SBATCH --array=0-2
	// #SBATCH --cpus-per-task=4
	// #SBATCH --gres=gpu:1
	// #SBATCH --time=24:00:00
	// #SBATCH --output=results/paper/table2/slurm/%A_%a.out
	// set -eu
	// export GOMAXPROCS="${SLURM_CPUS_PER_TASK:-4}"
	// exec ldam sweep --table table2 --preset paper --task "$SLURM_ARRAY_TASK_ID"
}
