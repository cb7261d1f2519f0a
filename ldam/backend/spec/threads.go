package spec

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// IntraOpThreadsEnv is the environment variable with the number of threads of every ONNX
// Runtime session. backend.New passes it to compute-onnx as its intra_op_num_threads option (one per
// CPU Go may use when unset) unless the configuration sets that option itself.
const IntraOpThreadsEnv = "GOMLX_ONNX_INTRA_OP_THREADS"

// intraOpOption is compute-onnx's option for the intra-op threads of its sessions.
const intraOpOption = "intra_op_num_threads"

// IntraOpThreads is the number of ONNX Runtime intra-op threads backend.New gives a session:
// $GOMLX_ONNX_INTRA_OP_THREADS, else runtime.GOMAXPROCS(0).
func IntraOpThreads() string {
	if v := os.Getenv(IntraOpThreadsEnv); v != "" {
		return v
	}
	return strconv.Itoa(runtime.GOMAXPROCS(0))
}

// WithIntraOpThreads adds intra_op_num_threads=IntraOpThreads() to an ONNX Runtime
// configuration ("onnx:cpu,<library>") that does not set it; other configurations are returned
// unchanged.
func WithIntraOpThreads(config string) string {
	name, opts, _ := strings.Cut(config, ":")
	if name != "onnx" && name != "onnxruntime" {
		return config
	}
	parts := strings.Split(opts, ",")
	if slices.ContainsFunc(parts, func(o string) bool { return strings.HasPrefix(o, intraOpOption+"=") }) {
		return config
	}
	if opts == "" {
		return name + ":cpu," + intraOpOption + "=" + IntraOpThreads()
	}
	return config + "," + intraOpOption + "=" + IntraOpThreads()
}

// ShareThreads returns environ for one of n processes that run at once on this machine (ldam
// sweep --parallel n): unless environ sets $GOMLX_ONNX_INTRA_OP_THREADS, each process's ONNX
// Runtime sessions get GOMAXPROCS/n threads (at least one) instead of one per CPU each, which
// would run n times as many threads as cores; and unless environ sets GOMAXPROCS, each process's
// Go scheduler (the pure-Go backend's kernels) gets as many. n ≤ 1 returns environ unchanged.
func ShareThreads(environ []string, n int) []string {
	if n <= 1 {
		return environ
	}
	threads := strconv.Itoa(max(1, runtime.GOMAXPROCS(0)/n))
	out := append([]string(nil), environ...)
	for _, key := range []string{IntraOpThreadsEnv, "GOMAXPROCS"} {
		if !slices.ContainsFunc(environ, func(kv string) bool {
			v, ok := strings.CutPrefix(kv, key+"=")
			return ok && v != ""
		}) {
			out = append(out, key+"="+threads)
		}
	}
	return out
}

// IntraOpThreadsNote describes the intra-op threads ONNX Runtime's sessions get (kernel doctor).
func IntraOpThreadsNote() string {
	if v := os.Getenv(IntraOpThreadsEnv); v != "" {
		return fmt.Sprintf("%s (from $%s)", v, IntraOpThreadsEnv)
	}
	return fmt.Sprintf("%s, one per CPU ($%s unset)", IntraOpThreads(), IntraOpThreadsEnv)
}
