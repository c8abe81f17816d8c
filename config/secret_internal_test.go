package config

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSecretCommandTimeoutKillsTheGroup: a command whose children hold the
// pipe open times out on time, and nothing it started survives.
func TestSecretCommandTimeoutKillsTheGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	const timeout = time.Second
	start := time.Now()
	_, err := runSecretCommand(context.Background(), "password_cmd", "echo $$ > "+pidFile+"; sh -c 'sleep 100 & sleep 100'", timeout)
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "password_cmd: did not finish within 1s") {
		t.Fatalf("err %v", err)
	}
	if took > timeout+time.Second {
		t.Fatalf("took %s, want under %s", took, timeout+time.Second)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pgid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	assertGroupGone(t, pgid)
}

// TestSecretCommandBackgroundChild: a command that prints its secret and
// leaves a child holding stdout returns the secret at once, and the child
// is gone.
func TestSecretCommandBackgroundChild(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	start := time.Now()
	got, err := runSecretCommand(context.Background(), "password_cmd", "echo $$ > "+pidFile+"; echo s3cret; sleep 100 &", 10*time.Second)
	if err != nil || got != "s3cret" {
		t.Fatalf("%q %v", got, err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("took %s", took)
	}
	b, _ := os.ReadFile(pidFile)
	pgid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	assertGroupGone(t, pgid)
}

// TestSecretCommandCancelled: a cancelled caller stops the command and
// says so; a caller whose deadline comes first gets the timeout it had.
func TestSecretCommandCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	_, err := runSecretCommand(ctx, "token_cmd", "sleep 100", 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "token_cmd: stopped") || time.Since(start) > 2*time.Second {
		t.Fatalf("err %v after %s", err, time.Since(start))
	}
	ctx, cancel = context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err = runSecretCommand(ctx, "password_cmd", "sh -c 'sleep 100 & sleep 100'", 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "password_cmd: did not finish within 1.5s") || time.Since(start) > 2500*time.Millisecond {
		t.Fatalf("err %v after %s", err, time.Since(start))
	}
}

func assertGroupGone(t *testing.T, pgid int) {
	t.Helper()
	if pgid <= 1 {
		t.Fatalf("pgid %d", pgid)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		err := syscall.Kill(-pgid, 0)
		if errors.Is(err, syscall.ESRCH) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process group %d still has processes (%v)", pgid, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
