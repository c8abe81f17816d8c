package nats_test

import (
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
	mqnats "github.com/mqscope/mqscope/sources/nats"
)

// A dead letter's origin stream deleted and created again numbers another
// message with the dead letter's sequence: that message, stored after the
// death, is not taken for the original. The dead letter reads as lost
// (only the advisory is left), so no redrive publishes the other message
// and removes the advisory.
func TestDeadLetterOfARecreatedStreamIsLost(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	ctx := ctxT(t)
	s, name := plainStream(t, js, "RECR")
	capture, dlqName := captureFor(t, js, name)
	kill(t, js, s, name, capture, 0, 1)
	if err := js.DeleteStream(ctx, name); err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{name + ".>"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, name+".term", []byte("another message")); err != nil {
		t.Fatal(err)
	}
	dead := read(t, c, dlqName, sources.ReadOptions{})
	if len(dead) != 1 {
		t.Fatalf("%d dead letters, want 1", len(dead))
	}
	m := dead[0]
	if string(m.Value) == "another message" || !mqnats.GoneOriginal(&m) || m.Flaw == nil || !m.Flaw.Lost {
		t.Fatalf("the dead letter reads as %q (flaw %+v): want it lost, not the recreated stream's message", m.Value, m.Flaw)
	}
	if !strings.Contains(m.Flaw.Reason, "created again") {
		t.Fatalf("the reason: %q", m.Flaw.Reason)
	}
}
