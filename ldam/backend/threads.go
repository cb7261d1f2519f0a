package backend

import (
	"runtime"
	"strconv"
	"strings"
)

// IntraOpThreadsEnv is the environment variable with the number of threads of every ONNX
// Runtime session (our patch of compute-onnx v0.1.5, third_party/compute-onnx). New sets it to
// runtime.GOMAXPROCS(0) when it is unset: ONNX Runtime's own default ran ResNet-32's training
// step at the speed of one thread on a 2-core VM (README, Performance).
const IntraOpThreadsEnv = "GOMLX_ONNX_INTRA_OP_THREADS"

// ShareThreads returns environ for one of n processes that run at once on this machine (ldam
// sweep --parallel n): unless environ sets $GOMLX_ONNX_INTRA_OP_THREADS, each process's ONNX
// Runtime sessions get GOMAXPROCS/n threads (at least one) instead of one per CPU each, which
// would run n times as many threads as cores. On the 2-core VM two one-thread ResNet-32 runs
// trained 1.2× faster together than one two-thread run (README, Performance). n ≤ 1 returns
// environ unchanged.
func ShareThreads(environ []string, n int) []string {
	if n <= 1 {
		return environ
	}
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, IntraOpThreadsEnv+"="); ok && v != "" {
			return environ
		}
	}
	threads := max(1, runtime.GOMAXPROCS(0)/n)
	out := append([]string(nil), environ...)
	return append(out, IntraOpThreadsEnv+"="+strconv.Itoa(threads))
}
