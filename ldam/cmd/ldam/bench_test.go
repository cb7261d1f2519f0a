package main

import (
	"slices"
	"testing"
)

func TestTorchEnv(t *testing.T) {
	base := []string{"PATH=/usr/bin", "HOME=/root"}
	for _, tc := range []struct {
		name string
		env  []string
		keep bool
		want []string
	}{
		{"defaults kept", base, false, base},
		{"memory kept", base, true, append(slices.Clone(base), torchMallocEnv...)},
		{"a user's own setting wins", append(slices.Clone(base), "MALLOC_TOP_PAD_=1"), true,
			append(slices.Clone(base), "MALLOC_TOP_PAD_=1", torchMallocEnv[0], torchMallocEnv[1])},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := torchEnv(tc.env, tc.keep)
			if !slices.Equal(got, tc.want) {
				t.Errorf("torchEnv = %q, want %q", got, tc.want)
			}
		})
	}
	// The caller's slice is not modified.
	env := make([]string, 2, 10)
	copy(env, base)
	torchEnv(env, true)
	if got := env[:cap(env)][2]; got != "" {
		t.Errorf("torchEnv wrote into its argument's spare capacity: %q", got)
	}
}
