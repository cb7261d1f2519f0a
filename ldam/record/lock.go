package record

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// LockFile is the file in a run directory that the process training the run holds locked.
const LockFile = ".lock"

// Lock is a held lock on a run directory.
type Lock struct{ f *os.File }

// LockRun locks the run directory dir for this process, so that no second process trains into
// it: an advisory flock(2) on dir/.lock (Linux emulates it with POSIX record locks on NFS, so it
// holds across the nodes of a shared file system), released by the kernel when the process
// ends, however it ends — a lock left by a dead process is simply taken. The file names the
// holder (host, PID, start time) for the message another process gets.
func LockRun(dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := flockRetry(f, syscall.LOCK_EX); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			who := strings.TrimSpace(string(holder))
			if who == "" {
				who = "another process"
			}
			return nil, fmt.Errorf("%s is being trained by %s: two processes must not write one run directory; wait for it to finish (or stop it), or train into another --out", dir, who)
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	host, _ := os.Hostname()
	if err := f.Truncate(0); err == nil {
		fmt.Fprintf(f, "PID %d on host %s (since %s)\n", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	}
	return &Lock{f: f}, nil
}

// Unlock releases the lock (closing the file releases it too; so does the end of the process).
func (l *Lock) Unlock() {
	if l == nil || l.f == nil {
		return
	}
	l.f.Truncate(0)
	syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
	l.f = nil
}

// flockRetry takes the lock how (LOCK_EX or LOCK_SH) without waiting for a holder, but retries
// for a moment first: [Training] holds a shared lock for an instant while it probes, and a run
// starting in that instant must not take it for a trainer.
func flockRetry(f *os.File, how int) error {
	var err error
	for range 10 {
		if err = syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); !errors.Is(err, syscall.EWOULDBLOCK) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

// Training reports whether a process is training into the run directory dir now (it holds the
// directory's lock), and who it is (host, PID, start) as that process wrote it. It takes a shared
// lock for an instant to find out, on the same file system semantics as the trainer's lock.
func Training(dir string) (holder string, training bool) {
	path := filepath.Join(dir, LockFile)
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	if err := flockRetry(f, syscall.LOCK_SH); err != nil {
		b, _ := os.ReadFile(path)
		holder = strings.TrimSpace(string(b))
		if holder == "" {
			holder = "another process"
		}
		return holder, errors.Is(err, syscall.EWOULDBLOCK)
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return "", false
}
