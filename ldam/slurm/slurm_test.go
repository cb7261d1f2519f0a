package slurm

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestRanges(t *testing.T) {
	for _, c := range []struct {
		in   []int
		want string
	}{
		{[]int{0}, "0"},
		{[]int{0, 1, 2, 3}, "0-3"},
		{[]int{9, 0, 2, 1, 5, 7, 8}, "0-2,5,7-9"},
		{[]int{4, 4, 6}, "4,6"},
	} {
		if got := Ranges(c.in); got != c.want {
			t.Errorf("Ranges(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestScript(t *testing.T) {
	a := Array{
		Name: "ldam-table2-lite", Indices: []int{3, 0, 1}, Output: "/r/slurm/%A_%a.out",
		Command:   []string{"/opt/ldam", "sweep", "--columns", "C10 LT 100", "--task", TaskIndex, "--", "--note", "it's"},
		Env:       []string{"LDAMLAB_DATASETS=/data sets"},
		Resources: Resources{GRES: "gpu:1", Time: "12:00:00", Partition: "gpu", Account: "lab"},
	}
	s, err := a.Script()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"#!/bin/bash\n",
		"#SBATCH --job-name=ldam-table2-lite\n",
		"#SBATCH --array=0-1,3\n",
		"#SBATCH --cpus-per-task=2\n", // the default
		"#SBATCH --gres=gpu:1\n",
		"#SBATCH --time=12:00:00\n",
		"#SBATCH --partition=gpu\n",
		"#SBATCH --account=lab\n",
		"#SBATCH --output=/r/slurm/%A_%a.out\n",
		`export GOMAXPROCS="${SLURM_CPUS_PER_TASK:-2}"`,
		"export LDAMLAB_DATASETS='/data sets'\n",
		`exec /opt/ldam sweep --columns 'C10 LT 100' --task "$SLURM_ARRAY_TASK_ID" -- --note 'it'\''s'` + "\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "--mem") {
		t.Errorf("an empty Mem became an option:\n%s", s)
	}
	// The script is valid bash, and the task's index reaches the command as one argument.
	dir := t.TempDir()
	path := filepath.Join(dir, "job.sh")
	a.Command = []string{"printf", "%s|", "task-" + TaskIndex + "-x", "C10 LT 100"}
	s, err = a.Script()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", path)
	cmd.Env = append(os.Environ(), "SLURM_ARRAY_TASK_ID=7")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bash: %v", err)
	}
	if got := string(out); got != "task-7-x|C10 LT 100|" {
		t.Errorf("the script ran %q", got)
	}
}

func TestScriptRefusesBadArrays(t *testing.T) {
	for name, a := range map[string]Array{
		"no task":      {Command: []string{"ldam", TaskIndex}},
		"no command":   {Indices: []int{0}},
		"no index":     {Indices: []int{0}, Command: []string{"ldam", "sweep"}},
		"bad variable": {Indices: []int{0}, Command: []string{"ldam", TaskIndex}, Env: []string{"1X=2"}},
	} {
		if _, err := a.Script(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseQueue(t *testing.T) {
	q := parseQueue("12_0|RUNNING\n12_3|PENDING\n13|PENDING\n\n")
	want := map[string]string{"12_0": "RUNNING", "12_3": "PENDING", "13": "PENDING"}
	if len(q) != len(want) {
		t.Fatalf("parseQueue = %v", q)
	}
	for k, v := range want {
		if q[k] != v {
			t.Errorf("%s: %q, want %q", k, q[k], v)
		}
	}
}
