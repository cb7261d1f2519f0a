package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestBadFlagsGiveClearMessages(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "usage"},
		{[]string{"fly"}, 2, `unknown command "fly"`},
		{[]string{"train", "--no_such_flag"}, 2, "flag provided but not defined"},
		{[]string{"train", "--loss_type", "Hinge2"}, 1, `unknown loss type "Hinge2"`},
		{[]string{"train", "--train_rule", "Magic"}, 1, `unknown train rule "Magic"`},
		{[]string{"train", "--imb_factor", "2"}, 1, "--imb_factor 2 is outside (0, 1]"},
		{[]string{"train", "--imb_factor", "-0.5"}, 1, "outside (0, 1]"},
		{[]string{"train", "--imb_type", "zigzag"}, 1, `unknown imbalance type "zigzag"`},
		{[]string{"train", "--dataset", "svhn"}, 1, `unknown dataset "svhn"`},
		{[]string{"train", "--preset", "slow"}, 1, `unknown preset "slow"`},
		{[]string{"train", "--backend", "tpu"}, 1, `unknown backend "tpu"`},
		{[]string{"train", "--epochs", "-3"}, 1, "must not be negative"},
		{[]string{"train", "extra"}, 2, "unexpected arguments"},
		{[]string{"bench", "--steps", "0"}, 2, "must be ≥ 1"},
		{[]string{"bench", "--conv_form", "fft"}, 2, `unknown --conv_form "fft"`},
	}
	for _, tc := range cases {
		var out, errb bytes.Buffer
		code := run(tc.args, &out, &errb)
		if code != tc.code || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("ldam %q: exit %d, stderr %q; want exit %d and %q", tc.args, code, errb.String(), tc.code, tc.want)
		}
	}
}
