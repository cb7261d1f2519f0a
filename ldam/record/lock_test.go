package record

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLockOfDeadProcessIsTaken: the lock of a process that died is released by the kernel, so a
// later run takes the directory (util-linux's flock(1) holds the same flock(2) lock here).
func TestLockOfDeadProcessIsTaken(t *testing.T) {
	bin, err := exec.LookPath("flock")
	if err != nil {
		t.Fatal("flock(1) is missing: it is in util-linux, an essential Debian package")
	}
	dir := t.TempDir()
	child := exec.Command(bin, "--close", filepath.Join(dir, LockFile), "sleep", "60") // the lock stays with flock, not sleep
	child.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}                            // killed with its sleep below
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	kill := func() { syscall.Kill(-child.Process.Pid, syscall.SIGKILL) }
	held := false
	for range 100 {
		if l, err := LockRun(dir); err != nil {
			held = true
			break
		} else {
			l.Unlock()
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !held {
		kill()
		t.Fatal("the child never held the lock")
	}
	kill()
	child.Wait()
	l, err := LockRun(dir)
	if err != nil {
		t.Fatalf("after the holder died: %v", err)
	}
	l.Unlock()
}

// TestTrainingReportsTheHolder: Training sees a directory's trainer (and names it) while the lock
// is held, and no trainer before and after; probing does not take the lock from a trainer that
// starts at the same moment.
func TestTrainingReportsTheHolder(t *testing.T) {
	dir := t.TempDir()
	if who, ok := Training(dir); ok {
		t.Fatalf("an empty directory is trained by %q", who)
	}
	l, err := LockRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	who, ok := Training(dir)
	if !ok || !strings.Contains(who, fmt.Sprintf("PID %d", os.Getpid())) {
		t.Errorf("while locked: Training = %q, %v", who, ok)
	}
	l.Unlock()
	if who, ok := Training(dir); ok {
		t.Errorf("after unlock: trained by %q", who)
	}
	// Probes racing with lockRun never make it fail.
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				Training(dir)
			}
		}
	}()
	for range 50 {
		l, err := LockRun(dir)
		if err != nil {
			close(stop)
			t.Fatalf("lockRun while probed: %v", err)
		}
		l.Unlock()
	}
	close(stop)
}
