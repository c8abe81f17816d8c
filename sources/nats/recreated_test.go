package nats_test

import (
	"errors"
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

// A lost dead letter given a value again by an edit is published, with the
// edited value, to the subject chosen for it, and its advisory removed; an
// unedited one is not (nothing to publish).
func TestRedriveOfALostDeadLetterEdited(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	ctx := ctxT(t)
	s, name := plainStream(t, js, "LOSTED")
	capture, dlqName := captureFor(t, js, name)
	kill(t, js, s, name, capture, 0, 2)
	if err := js.DeleteStream(ctx, name); err != nil {
		t.Fatal(err)
	}
	target, tname := plainStream(t, js, "LOSTEDT")
	dead := read(t, c, dlqName, sources.ReadOptions{})
	if len(dead) != 2 || !mqnats.GoneOriginal(&dead[0]) || !mqnats.GoneOriginal(&dead[1]) {
		t.Fatalf("want 2 lost dead letters, got %d", len(dead))
	}
	its := items("losted", dlqName, dead, tname+".rebuilt", true)
	its[0].Value = []byte("rebuilt")
	got := map[int]sources.RedriveOutcome{}
	if err := c.Redrive(ctx, sources.RedriveRequest{ID: uniq("losted"), Source: dlqName, Items: its}, func(o sources.RedriveOutcome) { got[o.Item] = o }); err != nil {
		t.Fatal(err)
	}
	if got[0].Result != sources.RedriveWritten || got[1].Result != sources.RedriveFailed || !errors.Is(got[1].Err, mqnats.ErrOriginalGone) {
		t.Fatalf("outcomes: %+v", got)
	}
	if n := streamMsgs(t, target); n != 1 {
		t.Fatalf("the target holds %d copies, want 1", n)
	}
	copyOf, err := target.GetMsg(ctx, 1)
	if err != nil || string(copyOf.Data) != "rebuilt" {
		t.Fatalf("the copy: %v %v", copyOf, err)
	}
	if n := streamMsgs(t, capture); n != 1 {
		t.Fatalf("the capture holds %d advisories, want the unedited one", n)
	}
}
