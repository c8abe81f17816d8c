package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHungPasswordCommand: a password_cmd whose children keep its pipe
// open fails its connection on time, by name, and leaves nothing running;
// the other connection opens meanwhile.
func TestHungPasswordCommand(t *testing.T) {
	addr := demoBroker(t, -1)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	pidFile := filepath.Join(t.TempDir(), "pid")
	cfg := fmt.Sprintf(`connections:
  good:
    kind: kafka
    brokers: [%s]
  hung:
    kind: rabbitmq
    url: amqp://127.0.0.1:5672/
    username: guest
    password_cmd: "echo $$ > %s; sh -c 'sleep 100 & sleep 100'"
`, addr, pidFile)
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	e := &env{stdout: &strings.Builder{}, stderr: &strings.Builder{}}
	e.root = newRoot(e)
	e.flags.config = path
	e.flags.logFile = filepath.Join(t.TempDir(), "log")
	defer e.closeLog()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	conns, failed, err := e.open(ctx, true)
	took := time.Since(start)
	defer closeAll(conns)
	if err != nil || len(conns) != 1 || conns[0].Name() != "good" || len(failed) != 1 {
		t.Fatalf("conns %d failed %v err %v", len(conns), failed, err)
	}
	if msg := failed[0].Error(); !strings.HasPrefix(msg, "connection hung: password_cmd: did not finish within 2s") {
		t.Fatalf("failure %q", msg)
	}
	if took > 3*time.Second {
		t.Fatalf("took %s", took)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pgid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if err := syscall.Kill(-pgid, 0); errors.Is(err, syscall.ESRCH) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the password command's processes (group %d) are still running", pgid)
		}
	}
}
