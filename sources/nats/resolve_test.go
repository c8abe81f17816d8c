package nats_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
	mqnats "github.com/mqscope/mqscope/sources/nats"
)

// A redrive target names a subject a stream stores, or a stream with one
// subject (that subject, as replay takes it); a stream with several
// subjects is refused, naming them.
func TestResolveTargetTakesAStreamOfOneSubject(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	ctx := ctxT(t)
	one, multi := uniq("nrd-ONE"), uniq("nrd-MULTI")
	newStream(t, js, jetstream.StreamConfig{Name: one, Subjects: []string{one + ".in"}})
	newStream(t, js, jetstream.StreamConfig{Name: multi, Subjects: []string{multi + ".a", multi + ".b"}})
	for name, want := range map[string]string{one: one + ".in", one + ".in": one + ".in"} {
		if got, err := c.ResolveTarget(ctx, name); err != nil || got != want {
			t.Fatalf("ResolveTarget(%s) = %q, %v; want %q", name, got, err, want)
		}
	}
	_, err := c.ResolveTarget(ctx, multi)
	if !errors.Is(err, sources.ErrBadTarget) || !strings.Contains(err.Error(), fmt.Sprintf("%q, %q", multi+".a", multi+".b")) {
		t.Fatalf("a stream of two subjects: %v", err)
	}
}

// A publish stops at a message whose header name the client cannot
// encode with a *sources.RejectedError naming it; the messages before it
// are placed, and the connection publishes the next.
func TestPublishRejectsAnUnpublishableHeaderName(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	ctx := ctxT(t)
	s, name := plainStream(t, js, "nrd-PUB")
	ms := []sources.Message{{Value: []byte("a")}, {Value: []byte("b"), Headers: []sources.Header{{Key: "x-\x1b[1mhn", Value: []byte("v")}}}, {Value: []byte("c")}}
	placed, err := c.Publish(ctx, sources.PublishRequest{Target: sources.Target{Stream: name, RoutingKey: name + ".x"}, Partition: sources.NoPartition, Messages: ms})
	rej, ok := sources.Rejected(err)
	if !ok || rej.Index != 1 || len(placed) != 1 || !errors.Is(err, mqnats.ErrUnpublishableHeader) || strings.Contains(err.Error(), "\x1b") {
		t.Fatalf("publish: %d placed, %v", len(placed), err)
	}
	if _, err := c.Publish(ctx, sources.PublishRequest{Target: sources.Target{Stream: name, RoutingKey: name + ".x"}, Partition: sources.NoPartition, Messages: ms[2:]}); err != nil {
		t.Fatalf("the next publish: %v", err)
	}
	if n := streamMsgs(t, s); n != 2 {
		t.Fatalf("%d messages written, want 2", n)
	}
}
