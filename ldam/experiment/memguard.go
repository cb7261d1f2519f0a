package experiment

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// Memory guard: a run whose training step needs more memory than the machine has would
// otherwise be killed by the kernel's out-of-memory killer, with no message and, in a notebook,
// a dead kernel. The guard gives Go's collector a soft limit below the memory available when
// the run starts (so freed buffers are returned first), watches the resident set while the
// run trains, and if it still passes the budget, stops the run with an error that says how
// much memory was needed and what to change (Config.OnOutOfMemory hears it at once: ldam train
// exits there). The epochs finished so far stay saved.

// memInfo returns MemAvailable from /proc/meminfo, in bytes (0 where unknown).
func memAvailable() uint64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemAvailable:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// residentBytes returns the process's resident set from /proc/self/statm (0 where unknown).
func residentBytes() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

// memoryBudget is the resident memory a run may use: limitGB when positive, else 90 % of what
// is available now plus what the process already holds.
func memoryBudget(limitGB float64) uint64 {
	if limitGB > 0 {
		return uint64(limitGB * 1e9)
	}
	avail := memAvailable()
	if avail == 0 {
		return 0
	}
	return (avail + residentBytes()) / 10 * 9
}

// guardMemory starts the guard for a run and returns its stop function. exceeded is called
// (from the guard's goroutine) with the resident set when it passes the budget even after a
// forced collection.
func guardMemory(budget uint64, exceeded func(rss, budget uint64)) (stop func()) {
	if budget == 0 {
		return func() {}
	}
	previous := debug.SetMemoryLimit(-1)
	debug.SetMemoryLimit(min(previous, int64(budget/10*9)))
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			if residentBytes() > budget {
				debug.FreeOSMemory()
				if rss := residentBytes(); rss > budget {
					exceeded(rss, budget)
					return
				}
			}
		}
	}()
	return func() {
		close(done)
		debug.SetMemoryLimit(previous)
	}
}

// outOfMemoryError is the message of a run stopped by the guard.
func outOfMemoryError(rss, budget uint64, batch, micro int, out string) string {
	saved := "nothing is saved yet"
	if out != "" {
		saved = fmt.Sprintf("the epochs finished so far are saved in %s (continue with --resume)", out)
	}
	return fmt.Sprintf("ldam: out of memory: the run reached %.2f GB resident, over its budget of %.2f GB (90%% of the memory available when it started, or --memory_limit). "+
		"Raise --micro_batches (now %d: the same update from smaller micro-batches, accumulated), lower --batch-size (now %d), add --checkpoint_blocks (ResNets: recompute blocks in the backward pass), or use a machine with more memory; %s.",
		float64(rss)/1e9, float64(budget)/1e9, micro, batch, saved)
}
