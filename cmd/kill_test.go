package cmd

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mqscope/mqscope/internal/testbroker"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources/demo"
)

// TestMain lets the test binary act as the mqscope command in a child
// process (MQSCOPE_AS_CLI=1), so a test can SIGKILL a real run.
func TestMain(m *testing.M) {
	if os.Getenv("MQSCOPE_AS_CLI") == "1" {
		os.Exit(Execute(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	goleak.VerifyTestMain(m, testbroker.ProcessWide()...)
}

// TestRedriveKilledThenResumedIsExactlyOnce kills a Kafka redrive with
// SIGKILL in the middle, runs it again with the same id, and checks every
// dead letter arrived exactly once.
func TestRedriveKilledThenResumedIsExactlyOnce(t *testing.T) {
	cl, err := demo.Start(context.Background(), demo.Options{Port: -1, History: 1500, TrickleEvery: -1, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	state := t.TempDir()
	const id = "rd-killed"
	args := []string{"--kafka", cl.Addr(), "--log-file", filepath.Join(state, "log"), "redrive", "orders.DLT", "--yes", "--id", id, "--batch", "10", "--rate", "150"}
	env, killedAt, out := killedRedrive(t, state, id, args, 30, 30*time.Second)
	if killedAt < 30 {
		t.Fatalf("the child wrote %d before the kill:\n%s", killedAt, out.String())
	}
	resume := exec.Command(os.Args[0], args[:len(args)-2]...) // the same id, no rate limit
	resume.Env = env
	res, err := resume.CombinedOutput()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, res)
	}
	if !strings.Contains(string(res), "skipped") {
		t.Fatalf("resume output:\n%s", res)
	}
	// Count what arrived in orders, by its DLT position.
	code, exported, errOut := run(t, "--kafka", cl.Addr(), "export", "orders")
	if code != 0 {
		t.Fatal(errOut)
	}
	code, dlt, _ := run(t, "--kafka", cl.Addr(), "export", "orders.DLT")
	if code != 0 {
		t.Fatal("export orders.DLT")
	}
	want := strings.Count(dlt, "\n")
	exactlyOnce(t, exported, id, want, fmt.Sprintf("killed after %d journalled", killedAt))
	t.Logf("killed after %d journalled, resumed: %d arrived exactly once", killedAt, want)
}

// exactlyOnce fails the test unless the export holds one copy by redrive
// id of each of want dead letters; context goes with the failure.
func exactlyOnce(t *testing.T, exported, id string, want int, context string) {
	t.Helper()
	seen := redrivenCopies(exported, id)
	if len(seen) != want {
		t.Fatalf("%d of %d dead letters came back (%s)", len(seen), want, context)
	}
	for pos, n := range seen {
		if n != 1 {
			t.Fatalf("dead letter %s came back %d times (%s)", pos, n, context)
		}
	}
}

func lines(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
	}
	return n
}

// redrivenCopies counts, in an export, the copies redrive id wrote, by
// the position of the dead letter each copies.
func redrivenCopies(exported, id string) map[string]int {
	seen := map[string]int{}
	dec := capture.NewDecoder(strings.NewReader(exported))
	for {
		m, err := dec.Next()
		if err != nil {
			return seen
		}
		if v, ok := m.Header(replay.HeaderID); ok && string(v) == id {
			pos, _ := m.Header(replay.HeaderPosition)
			seen[string(pos)]++
		}
	}
}

// killedRedrive runs mqscope with args (a redrive with --id id) as a child
// whose state directory is state, kills it with SIGKILL once its journal
// holds after entries (or wait has passed), and returns the child's
// environment (a resume runs in the same), how many entries the journal
// held at the kill, and what the child printed.
func killedRedrive(t *testing.T, state, id string, args []string, after int, wait time.Duration) (env []string, killedAt int, out *bytes.Buffer) {
	t.Helper()
	child := exec.Command(os.Args[0], args...)
	child.Env = append(os.Environ(), "MQSCOPE_AS_CLI=1", "XDG_STATE_HOME="+state)
	out = &bytes.Buffer{}
	child.Stdout, child.Stderr = out, out
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(state, "mqscope", "redrive", id+".journal")
	deadline := time.Now().Add(wait)
	for lines(journal) < after && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	return child.Env, lines(journal), out
}
