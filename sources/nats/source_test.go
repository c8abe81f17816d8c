package nats_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/sources"
	mqnats "github.com/mqscope/mqscope/sources/nats"
)

// TestCheckSourceRefusesAPlainStream: a stream that captures no
// dead-letter advisories is no redrive source (a redrive would delete its
// messages): CheckSource says so, and a Redrive that removes from it is
// refused whole: nothing published, nothing reported, the stream as it
// was. A capture stream is a source; a stream that does not exist is an
// unknown stream, not a plain one.
func TestCheckSourceRefusesAPlainStream(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	plain, name := plainStream(t, js, "PLAIN")
	target, targetName := plainStream(t, js, "PLAINOUT")
	publish(t, js, name+".a", 8, "plain")
	ms := read(t, c, name, sources.ReadOptions{})
	if len(ms) != 8 {
		t.Fatalf("read %d messages of 8", len(ms))
	}
	ctx := ctxT(t)
	err := c.CheckSource(ctx, name)
	if !errors.Is(err, sources.ErrNotDeadLetters) || !strings.Contains(err.Error(), mqnats.AdvisoryMaxDeliveries) {
		t.Fatalf("CheckSource of a plain stream: %v", err)
	}
	id := uniq("plain")
	reported := 0
	err = c.Redrive(ctx, sources.RedriveRequest{ID: id, Source: name, Items: items(id, name, ms, targetName+".x", true)}, func(sources.RedriveOutcome) { reported++ })
	if !errors.Is(err, sources.ErrNotDeadLetters) || !strings.Contains(err.Error(), "nothing written") || reported != 0 {
		t.Fatalf("Redrive of a plain stream: %d reported, %v", reported, err)
	}
	if n, m := streamMsgs(t, plain), streamMsgs(t, target); n != 8 || m != 0 {
		t.Fatalf("a refused redrive: the source holds %d of 8, the target %d", n, m)
	}

	_, dlqName := captureFor(t, js, name)
	if err := c.CheckSource(ctx, dlqName); err != nil {
		t.Fatalf("CheckSource of a capture stream: %v", err)
	}
	if err := c.CheckSource(ctx, uniq("MISSING")); err == nil || errors.Is(err, sources.ErrNotDeadLetters) || !errors.Is(err, sources.ErrUnknownStream) {
		t.Fatalf("CheckSource of a stream that does not exist: %v", err)
	}
}
