package cmd

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestNATSRedriveKilledThenResumedIsExactlyOnce dead-letters messages
// through a consumer's MaxDeliver, SIGKILLs a redrive of their advisories
// in the middle, runs it again with the same id, and checks every dead
// letter came back to its stream exactly once.
func TestNATSRedriveKilledThenResumedIsExactlyOnce(t *testing.T) {
	url, js := natsJS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	name, dlq := testName("KILLED"), testName("KILLEDDLQ")
	const n = 300
	natsDeadLetters(t, ctx, js, name, dlq, n, 0)

	state := t.TempDir()
	const id = "rd-nats-killed"
	args := []string{"--nats", url, "--log-file", filepath.Join(state, "log"), "redrive", dlq, "--yes", "--id", id, "--rate", "150"}
	env, killedAt, out := killedRedrive(t, state, id, args, 40, 60*time.Second)
	if killedAt < 40 || killedAt >= n {
		t.Fatalf("the child journalled %d of %d before the kill:\n%s", killedAt, n, out.String())
	}
	resume := exec.Command(os.Args[0], args[:len(args)-2]...) // the same id, no rate limit
	resume.Env = env
	if res, err := resume.CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, res)
	}

	code, exported, errOut := run(t, "--nats", url, "export", name)
	if code != 0 {
		t.Fatalf("export %s: %s", name, errOut)
	}
	exactlyOnce(t, exported, id, n, fmt.Sprintf("killed after %d journalled", killedAt))
	t.Logf("killed after %d journalled, resumed: %d came back exactly once", killedAt, n)
}
