package cmd

import (
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

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/internal/testbroker"
	mqnats "github.com/mqscope/mqscope/sources/nats"
)

// TestNATSRedriveKilledThenResumedIsExactlyOnce dead-letters messages
// through a consumer's MaxDeliver, SIGKILLs a redrive of their advisories
// in the middle, runs it again with the same id, and checks every dead
// letter came back to its stream exactly once.
func TestNATSRedriveKilledThenResumedIsExactlyOnce(t *testing.T) {
	url, js := natsJS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	testbroker.NATSAdvisories(t)
	name, dlq := testName("KILLED"), testName("KILLEDDLQ")
	subject := strings.ToLower(name) + ".orders"
	origin, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{strings.ToLower(name) + ".*"}, Storage: jetstream.MemoryStorage})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), name) })
	capt, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: dlq, Storage: jetstream.MemoryStorage,
		Subjects: []string{mqnats.AdvisoryMaxDeliveries + "." + name + ".*"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), dlq) })
	const n = 300
	for i := range n {
		if _, err := js.Publish(ctx, subject, fmt.Appendf(nil, `{"n":%d}`, i)); err != nil {
			t.Fatal(err)
		}
	}
	cons, err := origin.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "worker", AckPolicy: jetstream.AckExplicitPolicy, AckWait: time.Minute, MaxDeliver: 2})
	if err != nil {
		t.Fatal(err)
	}
	for {
		batch, err := cons.Fetch(500, jetstream.FetchMaxWait(100*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			if err := m.Nak(); err != nil {
				t.Fatal(err)
			}
		}
		si, err := capt.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if si.State.Msgs >= n {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("%d of %d advisories", si.State.Msgs, n)
		}
	}
	if err := origin.DeleteConsumer(ctx, "worker"); err != nil { // the copies are not dead-lettered again
		t.Fatal(err)
	}

	state := t.TempDir()
	const id = "rd-nats-killed"
	args := []string{"--nats", url, "--log-file", filepath.Join(state, "log"), "redrive", dlq, "--yes", "--id", id, "--rate", "150"}
	child := exec.Command(os.Args[0], args...)
	child.Env = append(os.Environ(), "MQSCOPE_AS_CLI=1", "XDG_STATE_HOME="+state)
	var out bytes.Buffer
	child.Stdout, child.Stderr = &out, &out
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(state, "mqscope", "redrive", id+".journal")
	deadline := time.Now().Add(60 * time.Second)
	for lines(journal) < 40 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	killedAt := lines(journal)
	if killedAt < 40 || killedAt >= n {
		t.Fatalf("the child journalled %d of %d before the kill:\n%s", killedAt, n, out.String())
	}
	resume := exec.Command(os.Args[0], args[:len(args)-2]...) // the same id, no rate limit
	resume.Env = child.Env
	if res, err := resume.CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, res)
	}

	code, exported, errOut := run(t, "--nats", url, "export", name)
	if code != 0 {
		t.Fatalf("export %s: %s", name, errOut)
	}
	seen := redrivenCopies(exported, id)
	if len(seen) != n {
		t.Fatalf("%d of %d dead letters came back (killed after %d journalled)", len(seen), n, killedAt)
	}
	for pos, k := range seen {
		if k != 1 {
			t.Fatalf("dead letter %s came back %d times", pos, k)
		}
	}
	t.Logf("killed after %d journalled, resumed: %d came back exactly once", killedAt, len(seen))
}
