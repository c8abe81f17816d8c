package ui

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	mqnats "github.com/mqscope/mqscope/sources/nats"
)

// TestRedriveDialogTakesANATSStreamName: a target typed as the name of a
// JetStream stream with one subject is planned as that subject, as
// `redrive --to` takes it; a stream of several subjects is refused,
// naming them.
func TestRedriveDialogTakesANATSStreamName(t *testing.T) {
	url := os.Getenv("MQSCOPE_TEST_NATS")
	if url == "" {
		url = "nats://127.0.0.1:4222"
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := mqnats.Dial(ctx, mqnats.Options{URL: url, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("the NATS server with JetStream is not up at %s (scripts/test starts it): %v", url, err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	one, two := "UITGT1_"+strings.ToUpper(hex.EncodeToString(b)), "UITGT2_"+strings.ToUpper(hex.EncodeToString(b))
	js := conn.JetStream()
	for name, subjects := range map[string][]string{one: {strings.ToLower(one) + ".retry"}, two: {strings.ToLower(two) + ".a", strings.ToLower(two) + ".b"}} {
		if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: subjects, Storage: jetstream.MemoryStorage}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = js.DeleteStream(context.Background(), name) })
	}
	// The source is a dead-letter stream: one that captures the advisories of UIORD_<id>.
	testbroker.NATSAdvisories(t)
	origin, dlq := "UIORD_"+strings.ToUpper(hex.EncodeToString(b)), "UIDLQ_"+strings.ToUpper(hex.EncodeToString(b))
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: dlq, Subjects: []string{mqnats.AdvisoryMaxDeliveries + "." + origin + ".*"}, Storage: jetstream.MemoryStorage}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), dlq) })
	dead := []sources.Message{{Stream: dlq, Partition: sources.NoPartition, Offset: 1, Value: []byte(`{}`),
		DeadLetter: &sources.DeadLetter{Scheme: mqnats.Scheme, OriginStream: origin, OriginPartition: sources.NoPartition, OriginOffset: 4, ReturnTo: "orders.created"}}}

	d := newRedriveDialog(testCommon(140, 40), conn, 1, dlq, dead, false)
	d.opts.To = one
	check := d.replan()
	d.targetsChecked(check().(redriveTargetsChecked))
	if d.targetErr != nil {
		t.Fatalf("a stream of one subject as the target: %v", d.targetErr)
	}
	if it := d.plan.Items[0]; it.Target.Stream != strings.ToLower(one)+".retry" {
		t.Fatalf("planned to %q, want the stream's subject", it.Target.Stream)
	}

	d.opts.To = two
	check = d.replan()
	d.targetsChecked(check().(redriveTargetsChecked))
	if d.targetErr == nil || !strings.Contains(d.targetErr.Error(), strings.ToLower(two)+".a") {
		t.Fatalf("a stream of two subjects as the target: %v", d.targetErr)
	}
}
