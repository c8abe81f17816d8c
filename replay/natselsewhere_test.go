package replay

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	mqnats "github.com/mqscope/mqscope/sources/nats"
)

// A NATS redrive whose id another run still holds (its journal locked)
// writes nothing and says so plainly, with what to do; once that run has
// ended, the same id runs.
func TestNATSRedriveOfAnIDAnotherRunHolds(t *testing.T) {
	url := os.Getenv("MQSCOPE_TEST_NATS")
	if url == "" {
		url = "nats://127.0.0.1:4222"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := mqnats.Dial(ctx, mqnats.Options{URL: url, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("the NATS server with JetStream is not up at %s: %v", url, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	js := c.JetStream()
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	name := "ELSEWHERE_" + strings.ToUpper(hex.EncodeToString(b))
	s, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{name + ".>"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), name) })
	if _, err := js.Publish(ctx, name+".in", []byte("v")); err != nil {
		t.Fatal(err)
	}
	// The dead-letter stream: the advisory of the message's death, as the
	// server writes it, captured by a stream of its own.
	testbroker.NATSAdvisories(t)
	dlq := name + "_DLQ"
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: dlq, Subjects: []string{mqnats.AdvisoryMaxDeliveries + "." + name + ".*"}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), dlq) })
	advisory := fmt.Sprintf(`{"type":"io.nats.jetstream.advisory.v1.max_deliver","id":"adv-%s","timestamp":%q,"stream":%q,"consumer":"worker","stream_seq":1,"deliveries":2}`,
		hex.EncodeToString(b), time.Now().UTC().Format(time.RFC3339Nano), name)
	if _, err := js.Publish(ctx, mqnats.AdvisoryMaxDeliveries+"."+name+".worker", []byte(advisory)); err != nil {
		t.Fatal(err)
	}
	sub, err := c.Read(ctx, dlq, sources.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := sources.Drain(ctx, sub, 0)
	if err != nil || len(msgs) != 1 || msgs[0].DeadLetter == nil {
		t.Fatalf("read %d: %v", len(msgs), err)
	}
	dir := t.TempDir()
	id := "run-" + hex.EncodeToString(b)
	running, err := OpenJournal(dir, id) // the other run, still going
	if err != nil {
		t.Fatal(err)
	}
	plan, err := NewPlan(dlq, msgs, Options{ID: id, To: name + ".copy"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := OpenJournal(dir, id)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Execute(ctx, c, plan, RunOptions{Journal: second})
	second.Close()
	var elsewhere *RunningElsewhereError
	if !errors.As(err, &elsewhere) || !strings.Contains(err.Error(), "another run of redrive "+id) || !strings.Contains(err.Error(), "nothing written") ||
		!strings.Contains(err.Error(), "run the same redrive again with the same id") || res.Done != 0 {
		t.Fatalf("a run of an id another run holds: %+v, %v", res, err)
	}
	if si, err := s.Info(ctx); err != nil || si.State.Msgs != 1 { // the copy goes to name.copy, which s stores
		t.Fatalf("the stream holds %+v (%v): a refused run wrote", si, err)
	}
	running.Close()
	third, err := OpenJournal(dir, id)
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	res, err = Execute(ctx, c, plan, RunOptions{Journal: third})
	if err != nil || res.Done != 1 {
		t.Fatalf("once the other run ended: %+v, %v", res, err)
	}
}
