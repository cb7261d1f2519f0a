package spec

import (
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestShareThreads(t *testing.T) {
	cpus := runtime.GOMAXPROCS(0)
	set := IntraOpThreadsEnv + "="
	cases := []struct {
		name    string
		environ []string
		n       int
		want    string // the variable's value in the result; "" when absent
	}{
		{"one process keeps the default", []string{"HOME=/root"}, 1, ""},
		{"two share the CPUs", []string{"HOME=/root"}, 2, strconv.Itoa(max(1, cpus/2))},
		{"more processes than CPUs get one each", nil, 4 * cpus, "1"},
		{"the user's value wins", []string{set + "3"}, 2, "3"},
		{"GOMAXPROCS set: kept", []string{"GOMAXPROCS=1"}, 2, strconv.Itoa(max(1, cpus/2))},
		{"an empty value does not count as set", []string{set}, 2, strconv.Itoa(max(1, cpus/2))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := slices.Clone(tc.environ)
			got := ShareThreads(tc.environ, tc.n)
			if !slices.Equal(tc.environ, before) {
				t.Errorf("environ changed: %q", tc.environ)
			}
			value := ""
			for _, kv := range got {
				if len(kv) > len(set) && kv[:len(set)] == set {
					value = kv[len(set):] // the last one counts, as in exec.Cmd
				}
			}
			if value != tc.want {
				t.Errorf("ShareThreads(%q, %d) sets %q, want %q (environ %q)", tc.environ, tc.n, value, tc.want, got)
			}
			// The Go backend's kernels split the CPUs the same way (GOMAXPROCS), unless set.
			procs := ""
			for _, kv := range got {
				if v, ok := strings.CutPrefix(kv, "GOMAXPROCS="); ok {
					procs = v
				}
			}
			wantProcs := strconv.Itoa(max(1, cpus/tc.n))
			if slices.Contains(tc.environ, "GOMAXPROCS=1") {
				wantProcs = "1" // the user's
			}
			if tc.n > 1 && procs != wantProcs || tc.n <= 1 && procs != "" {
				t.Errorf("ShareThreads(%q, %d): GOMAXPROCS=%q, want %q", tc.environ, tc.n, procs, wantProcs)
			}
		})
	}
}
