package datasets

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"testing"
)

// TestNumpyRandomStateKnownAnswers: MT19937's published first outputs (init_genrand(5489) and
// numpy.random.RandomState(0)), and shuffles numpy 1.24 printed for
// np.random.seed(0); np.random.shuffle(np.arange(10)) and for seed 7, arange(5000) then
// arange(300) from the same stream (the official code shuffles class after class).
func TestNumpyRandomStateKnownAnswers(t *testing.T) {
	if got := NewNumpyRandomState(5489).Uint32(); got != 3499211612 {
		t.Errorf("init_genrand(5489): first output %d, want 3499211612", got)
	}
	if got := NewNumpyRandomState(0).Uint32(); got != 0x8c7f0aac {
		t.Errorf("RandomState(0): first output %#x, want 0x8c7f0aac", got)
	}
	shuffled := func(r *NumpyRandomState, n int) []int {
		a := make([]int, n)
		for i := range a {
			a[i] = i
		}
		r.Shuffle(n, func(i, j int) { a[i], a[j] = a[j], a[i] })
		return a
	}
	if got := shuffled(NewNumpyRandomState(0), 10); !slices.Equal(got, []int{2, 8, 4, 9, 1, 6, 7, 3, 0, 5}) {
		t.Errorf("seed 0, arange(10): %v", got)
	}
	r := NewNumpyRandomState(7)
	if got := shuffled(r, 5000)[:8]; !slices.Equal(got, []int{3406, 757, 3624, 4544, 3235, 1868, 2916, 3335}) {
		t.Errorf("seed 7, arange(5000): %v…", got)
	}
	if got := shuffled(r, 300)[:8]; !slices.Equal(got, []int{94, 217, 292, 49, 276, 255, 286, 110}) {
		t.Errorf("seed 7, then arange(300): %v…", got)
	}
}

// TestSelectPerClassIsTheOfficialSelection compares SelectPerClass with the official code's
// gen_imbalanced_data run by numpy itself (Debian's python3-numpy; required when
// $LDAMLAB_REQUIRE_TORCH is set, as in CI).
func TestSelectPerClassIsTheOfficialSelection(t *testing.T) {
	py := "/usr/bin/python3"
	if os.Getenv("LDAMLAB_PYTHON") != "" {
		py = os.Getenv("LDAMLAB_PYTHON")
	}
	if err := exec.Command(py, "-c", "import numpy").Run(); err != nil {
		if os.Getenv("LDAMLAB_REQUIRE_TORCH") != "" {
			t.Fatalf("%s has no numpy: %v", py, err)
		}
		t.Skipf("%s has no numpy", py)
	}
	// Labels in an interleaved order, as an archive's; class c has 600 − 50c examples.
	var labels []int
	for i := 0; len(labels) < 4000; i++ {
		c := i % 10
		if n := 600 - 50*c; countOf(labels, c) < n {
			labels = append(labels, c)
		}
		if i > 100000 {
			break
		}
	}
	counts := []int{500, 300, 200, 120, 80, 50, 30, 20, 10, 5}
	for _, seed := range []uint64{0, 3} {
		got, err := SelectPerClass(labels, counts, seed)
		if err != nil {
			t.Fatal(err)
		}
		in, _ := json.Marshal(map[string]any{"labels": labels, "counts": counts, "seed": seed})
		script := `
import json, sys
import numpy as np
d = json.load(sys.stdin)
y = np.array(d["labels"])
np.random.seed(d["seed"])
keep = []
for c, n in enumerate(d["counts"]):
    idx = np.where(y == c)[0]
    np.random.shuffle(idx)
    keep.extend(idx[:n].tolist())
print(json.dumps(keep))
`
		cmd := exec.Command(py, "-c", script)
		cmd.Stdin = bytes.NewReader(in)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("numpy: %v", err)
		}
		var want []int
		if err := json.Unmarshal(out, &want); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("seed %d: SelectPerClass differs from the official selection (first %v, numpy's %v)", seed, got[:5], want[:5])
		}
	}
}

func countOf(labels []int, c int) int {
	n := 0
	for _, y := range labels {
		if y == c {
			n++
		}
	}
	return n
}
