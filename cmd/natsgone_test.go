package cmd

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/internal/testbroker"
)

// terminateAll makes dead letters of every message of stream: a consumer
// terminates each until capture holds n more advisories.
func terminateAll(t *testing.T, ctx context.Context, s jetstream.Stream, capture jetstream.Stream, n uint64) {
	t.Helper()
	cons, err := s.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "worker", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	for want := msgs(t, ctx, capture) + n; msgs(t, ctx, capture) < want; {
		batch, err := cons.Fetch(10, jetstream.FetchMaxWait(100*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			if err := m.Term(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// A NATS redrive of dead letters whose original stream was deleted says
// once of each that its original is gone (the plan lists it as left in
// place), not a second time as it is read: with and without --dry-run,
// with and without --to. The dry run exits as the run does: 0, nothing
// to redrive, every one left in place.
func TestRedriveNATSGoneOriginalToldOnce(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	testbroker.NATSAdvisories(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	u, js := natsJS(t)
	name, dlq, to := testName("ngo-ORD"), testName("ngo-DLQ"), testName("ngo-COPY")
	orders, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{name + ".in"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // the test deletes it; this, when it stopped before
		if err := js.DeleteStream(context.Background(), name); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			t.Errorf("delete stream %s: %v", name, err)
		}
	})
	capture := natsStreamOf(t, ctx, js, dlq, "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED."+name+".*")
	copies := natsStreamOf(t, ctx, js, to, to+".in")
	for _, v := range []string{"one", "two"} {
		if _, err := js.Publish(ctx, name+".in", []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	terminateAll(t, ctx, orders, capture, 2)
	if err := js.DeleteStream(ctx, name); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--dry-run"}, {"--dry-run", "--to", to}, {"--yes"}, {"--yes", "--to", to}} {
		code, out, errOut := run(t, append([]string{"--nats", u, "redrive", dlq}, args...)...)
		for _, seq := range []string{"#1 is gone", "#2 is gone"} {
			if n := strings.Count(out+errOut, name+seq); n != 1 || code != 0 {
				t.Fatalf("redrive %v: exit %d, %q told %d times:\n%s\n%s", args, code, name+seq, n, out, errOut)
			}
		}
	}
	if n := msgs(t, ctx, capture); n != 2 {
		t.Fatalf("the dead-letter stream holds %d, want its 2 left in place", n)
	}
	if n := msgs(t, ctx, copies); n != 0 {
		t.Fatalf("%s holds %d messages, want none", to, n)
	}
}

// A NATS dry run whose every dead letter the run would fail (a header
// name the client cannot publish) exits 1 as the run does, naming each,
// and writes nothing; the run exits 1 too, and the dead letters stay.
func TestRedriveNATSDryRunExitsAsTheRun(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	testbroker.NATSAdvisories(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	u, js := natsJS(t)
	name, dlq, to := testName("ndr-ORD"), testName("ndr-DLQ"), testName("ndr-COPY")
	orders := natsStreamOf(t, ctx, js, name, name+".in")
	capture := natsStreamOf(t, ctx, js, dlq, "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED."+name+".*")
	copies := natsStreamOf(t, ctx, js, to, to+".in")
	rawPublish(t, u, name+".in", poisonHeader, "poison")
	rawPublish(t, u, name+".in", poisonHeader, "poison too")
	terminateAll(t, ctx, orders, capture, 2)

	code, out, errOut := run(t, "--nats", u, "redrive", dlq, "--to", to, "--dry-run")
	if code != 1 || strings.Count(out, "would fail "+"1: ")+strings.Count(out, "would fail 2: ") != 2 || !strings.Contains(out, `header name "x-\x1b[1mhn"`) ||
		!strings.Contains(out, "dry run: nothing written") || !strings.Contains(errOut, "2 messages could not be redriven and would stay in "+dlq) {
		t.Fatalf("dry run: exit %d:\n%s\n%s", code, out, errOut)
	}
	dry := code
	code, out, errOut = run(t, "--nats", u, "redrive", dlq, "--to", to, "--yes")
	if code != dry || !strings.Contains(out, "0 redriven, 0 parked, 0 skipped, 2 failed") {
		t.Fatalf("the run: exit %d (the dry run's %d):\n%s\n%s", code, dry, out, errOut)
	}
	if n, m := msgs(t, ctx, capture), msgs(t, ctx, copies); n != 2 || m != 0 {
		t.Fatalf("the dead-letter stream holds %d (want 2), %s %d (want none)", n, to, m)
	}
}
