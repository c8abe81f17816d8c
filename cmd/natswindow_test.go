package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	mqnats "github.com/mqscope/mqscope/sources/nats"
)

// natsDeadLetters creates the stream name (subjects "<name>.*", the
// duplicate window duplicates, 0: the server's) with n messages on
// "<name>.orders", and the stream dlq that captures their dead-letter
// advisories, and dead-letters the n through a consumer's MaxDeliver (the
// consumer is deleted after, so copies are not dead-lettered again).
func natsDeadLetters(t *testing.T, ctx context.Context, js jetstream.JetStream, name, dlq string, n int, duplicates time.Duration) {
	t.Helper()
	testbroker.NATSAdvisories(t)
	subject := strings.ToLower(name) + ".orders"
	origin, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{strings.ToLower(name) + ".*"}, Storage: jetstream.MemoryStorage,
		Duplicates: duplicates})
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
		if si.State.Msgs >= uint64(n) {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("%d of %d advisories", si.State.Msgs, n)
		}
	}
	if err := origin.DeleteConsumer(ctx, "worker"); err != nil {
		t.Fatal(err)
	}
}

// TestNATSRedriveKilledResumedPastDuplicateWindowIsExactlyOnce SIGKILLs
// a redrive midway, writes (as a kill between a copy's PubAck and the
// removal of its advisory record leaves it) the copy of a dead letter
// whose record is still there, waits past the stream's 2 s duplicate
// window, and resumes with the same id: the resume finds that copy (and
// any the kill left so) in the stream, says so, and every dead letter
// came back exactly once.
func TestNATSRedriveKilledResumedPastDuplicateWindowIsExactlyOnce(t *testing.T) {
	url, js := natsJS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	name, dlq := testName("LATE"), testName("LATEDLQ")
	const n = 200
	natsDeadLetters(t, ctx, js, name, dlq, n, 2*time.Second)

	state := t.TempDir()
	const id = "rd-nats-late"
	args := []string{"--nats", url, "--log-file", filepath.Join(state, "log"), "redrive", dlq, "--yes", "--id", id, "--rate", "150"}
	env, k, out := killedRedrive(t, state, id, args, 30, 60*time.Second)
	if k < 30 || k >= n {
		t.Fatalf("the child journalled %d of %d before the kill:\n%s", k, n, out.String())
	}

	// The copy of the first dead letter left, written as the run writes it.
	c, err := mqnats.Dial(ctx, mqnats.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sub, err := c.Read(ctx, dlq, sources.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	left, err := sources.Drain(ctx, sub, 0)
	if err != nil || len(left) == 0 {
		t.Fatalf("%d dead letters left after the kill: %v", len(left), err)
	}
	dead := left[0]
	copied := natsgo.NewMsg(string(dead.Key))
	copied.Data = dead.Value
	for k, v := range map[string]string{replay.HeaderID: id, replay.HeaderHops: "1", replay.HeaderSource: dlq, replay.HeaderPosition: replay.Position(dead)} {
		copied.Header.Set(k, v)
	}
	if _, err := js.PublishMsg(ctx, copied, jetstream.WithMsgID(mqnats.RedriveMsgID(dlq, mqnats.AdvisoryID(&dead)))); err != nil {
		t.Fatal(err)
	}

	// Past the window: a Nats-Msg-Id published after the copy is no
	// longer deduplicated.
	probe := strings.ToLower(name) + ".probe"
	if _, err := js.Publish(ctx, probe, nil, jetstream.WithMsgID("probe")); err != nil {
		t.Fatal(err)
	}
	for dup := true; dup; {
		time.Sleep(100 * time.Millisecond)
		ack, err := js.Publish(ctx, probe, nil, jetstream.WithMsgID("probe"))
		if err != nil {
			t.Fatal(err)
		}
		dup = ack.Duplicate && ctx.Err() == nil
	}

	resume := exec.Command(os.Args[0], args[:len(args)-2]...) // the same id, no rate limit
	resume.Env = env
	res, err := resume.CombinedOutput()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, res)
	}
	if !strings.Contains(string(res), " found written in the target past its duplicate window") {
		t.Fatalf("the resume did not say it found copies in the target:\n%s", res)
	}

	code, exported, errOut := run(t, "--nats", url, "export", name)
	if code != 0 {
		t.Fatalf("export %s: %s", name, errOut)
	}
	exactlyOnce(t, exported, id, n, "the resume said:\n"+string(res))
	capt, err := js.Stream(ctx, dlq)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := capt.Info(ctx); err != nil || info.State.Msgs != 0 {
		t.Fatalf("advisory records left after the resume: %v", err)
	}
	// The audit's summary of the resume counts them as duplicates, found.
	audit, err := os.ReadFile(filepath.Join(state, "mqscope", "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var last replay.AuditRecord
	for _, line := range strings.Split(strings.TrimSpace(string(audit)), "\n") {
		var a replay.AuditRecord
		if json.Unmarshal([]byte(line), &a) == nil && a.Action == "redrive-run" {
			last = a
		}
	}
	if last.Counts["found_written"] < 1 || last.Counts["duplicates"] < last.Counts["found_written"] {
		t.Fatalf("the resume's audit summary counts %v", last.Counts)
	}
	t.Logf("resume: %s", res)
}
