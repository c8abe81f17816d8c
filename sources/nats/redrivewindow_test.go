package nats_test

import (
	"errors"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
	mqnats "github.com/mqscope/mqscope/sources/nats"
)

// windowTarget creates a limits stream "<name>.>" whose duplicate window
// is 2 seconds.
func windowTarget(t *testing.T, js jetstream.JetStream, prefix string, retention jetstream.RetentionPolicy) (jetstream.Stream, string) {
	t.Helper()
	name := uniq(prefix)
	return newStream(t, js, jetstream.StreamConfig{Name: name, Subjects: []string{name + ".>"}, Duplicates: 2 * time.Second, Retention: retention}), name
}

// waitWindowPassed waits until a Nats-Msg-Id published to stream's
// subject now is no longer deduplicated: every id the stream took before
// is out of its window too.
func waitWindowPassed(t *testing.T, js jetstream.JetStream, subject string) {
	t.Helper()
	ctx := ctxT(t)
	probe := "probe-" + uniq("w")
	if _, err := js.Publish(ctx, subject, []byte("probe"), jetstream.WithMsgID(probe)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the duplicate window to pass", func() bool {
		time.Sleep(100 * time.Millisecond)
		ack, err := js.Publish(ctx, subject, []byte("probe"), jetstream.WithMsgID(probe))
		if err != nil {
			t.Fatal(err)
		}
		return !ack.Duplicate
	})
}

// A redrive stopped after writing copies whose advisory records it had
// not yet removed (a SIGKILL between the PubAck and the removal), resumed
// with the same id after the target's duplicate window has passed, finds
// those copies in the target and counts them already done (Found),
// removing their records, instead of writing them again: every dead
// letter is in the target exactly once and the capture stream is empty.
func TestRedriveResumedPastDuplicateWindowFindsCopies(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	ctx := ctxT(t)
	s, name := plainStream(t, js, "RW")
	capture, dlqName := captureFor(t, js, name)
	kill(t, js, s, name, capture, 20, 40)
	_, targetName := windowTarget(t, js, "RWT", jetstream.LimitsPolicy)
	_, probeName := windowTarget(t, js, "RWP", jetstream.LimitsPolicy)
	dead := read(t, c, dlqName, sources.ReadOptions{})
	if len(dead) != 60 {
		t.Fatalf("%d dead letters, want 60", len(dead))
	}
	id := uniq("rw")
	all := items(id, dlqName, dead, targetName+".retry", true)
	began := time.Now()

	// The first attempt: 20 redriven and their records removed, then 10
	// copies written whose records stay (the kill).
	first := 0
	if err := c.Redrive(ctx, sources.RedriveRequest{ID: id, Source: dlqName, Items: all[:20]}, func(o sources.RedriveOutcome) {
		if o.Result != sources.RedriveWritten {
			t.Errorf("first attempt, item %d: %v %v", o.Item, o.Result, o.Err)
		}
		first++
	}); err != nil || first != 20 {
		t.Fatalf("first attempt: %d reported, %v", first, err)
	}
	for _, it := range all[20:30] {
		m := natsgo.NewMsg(targetName + ".retry")
		m.Data = it.Message.Value
		for _, h := range it.Headers {
			m.Header.Add(h.Key, string(h.Value))
		}
		if _, err := js.PublishMsg(ctx, m, jetstream.WithMsgID(mqnats.RedriveMsgID(dlqName, mqnats.AdvisoryID(&it.Message)))); err != nil {
			t.Fatal(err)
		}
	}
	if n := streamMsgs(t, capture); n != 40 {
		t.Fatalf("%d advisory records after the first attempt, want 40", n)
	}
	waitWindowPassed(t, js, probeName+".x")

	// The resume, past the window: the 10 are found, the 30 others written.
	found, written := 0, 0
	rest := all[20:]
	if err := c.Redrive(ctx, sources.RedriveRequest{ID: id, Source: dlqName, Items: rest, Since: began}, func(o sources.RedriveOutcome) {
		switch {
		case o.Result == sources.RedriveAlreadyDone && o.Found:
			found++
			if o.Item >= 10 {
				t.Errorf("item %d (never written) reported found in the target", o.Item)
			}
		case o.Result == sources.RedriveWritten:
			written++
			if o.Item < 10 {
				t.Errorf("item %d, written by the first attempt, written again", o.Item)
			}
		default:
			t.Errorf("item %d: %v %v", o.Item, o.Result, o.Err)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if found != 10 || written != 30 {
		t.Fatalf("the resume found %d and wrote %d, want 10 and 30", found, written)
	}
	copies := read(t, c, targetName, sources.ReadOptions{})
	seen := map[string]int{}
	for _, m := range copies {
		seen[m.ID]++
	}
	for i := range dead {
		if k := seen[mqnats.RedriveMsgID(dlqName, mqnats.AdvisoryID(&dead[i]))]; k != 1 {
			t.Fatalf("dead letter %d is in the target %d times", dead[i].Offset, k)
		}
	}
	if len(copies) != 60 {
		t.Fatalf("the target holds %d copies of 60 dead letters", len(copies))
	}
	if n := streamMsgs(t, capture); n != 0 {
		t.Fatalf("%d advisory records left", n)
	}
}

// A resumed redrive past the duplicate window of a work-queue target
// (whose consumers take the copies away, so the target cannot say which
// were written) writes nothing and says why.
func TestRedriveResumedPastWindowRefusesWorkQueueTarget(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	ctx := ctxT(t)
	s, name := plainStream(t, js, "RQ")
	capture, dlqName := captureFor(t, js, name)
	kill(t, js, s, name, capture, 3, 0)
	target, targetName := windowTarget(t, js, "RQT", jetstream.WorkQueuePolicy)
	dead := read(t, c, dlqName, sources.ReadOptions{})
	id := uniq("rq")
	reported := 0
	err := c.Redrive(ctx, sources.RedriveRequest{ID: id, Source: dlqName, Items: items(id, dlqName, dead, targetName+".retry", true),
		Since: time.Now().Add(-time.Hour)}, func(sources.RedriveOutcome) { reported++ })
	if !errors.Is(err, mqnats.ErrCopiesUnknown) {
		t.Fatalf("the resume ended with %v, want ErrCopiesUnknown", err)
	}
	t.Log(err)
	if reported != 0 || streamMsgs(t, target) != 0 || streamMsgs(t, capture) != uint64(len(dead)) {
		t.Fatalf("a refused resume reported %d, wrote %d, left %d of %d records", reported, streamMsgs(t, target), streamMsgs(t, capture), len(dead))
	}
	// A first run (no Since) of the same items is not refused.
	if err := c.Redrive(ctx, sources.RedriveRequest{ID: id, Source: dlqName, Items: items(id, dlqName, dead, targetName+".retry", true)},
		func(sources.RedriveOutcome) { reported++ }); err != nil || reported != len(dead) {
		t.Fatalf("a first run: %d of %d reported, %v", reported, len(dead), err)
	}
}

// A resumed redrive within its target's duplicate window does not read
// the target: JetStream drops the copy an earlier attempt wrote
// (RedriveAlreadyDone, not Found) and the record goes.
func TestRedriveResumedWithinWindowLeavesItToJetStream(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	ctx := ctxT(t)
	s, name := plainStream(t, js, "RI")
	capture, dlqName := captureFor(t, js, name)
	kill(t, js, s, name, capture, 2, 0)
	target, targetName := plainStream(t, js, "RIT") // the server's window: 2 minutes
	dead := read(t, c, dlqName, sources.ReadOptions{})
	id := uniq("ri")
	all := items(id, dlqName, dead, targetName+".retry", true)
	began := time.Now()
	if _, err := js.Publish(ctx, targetName+".retry", all[0].Message.Value, jetstream.WithMsgID(mqnats.RedriveMsgID(dlqName, mqnats.AdvisoryID(&all[0].Message)))); err != nil {
		t.Fatal(err)
	}
	got := map[int]sources.RedriveOutcome{} // by item: the records go in any order
	if err := c.Redrive(ctx, sources.RedriveRequest{ID: id, Source: dlqName, Items: all, Since: began}, func(o sources.RedriveOutcome) { got[o.Item] = o }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Result != sources.RedriveAlreadyDone || got[0].Found || got[1].Result != sources.RedriveWritten {
		t.Fatalf("outcomes %+v", got)
	}
	if streamMsgs(t, target) != 2 || streamMsgs(t, capture) != 0 {
		t.Fatalf("the target holds %d of 2, the capture %d records", streamMsgs(t, target), streamMsgs(t, capture))
	}
}

// A resumed redrive past the duplicate window of a target whose limits
// dropped messages stored since the redrive began (a copy may be among
// them) writes nothing and says why.
func TestRedriveResumedPastWindowRefusesTrimmedTarget(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	ctx := ctxT(t)
	s, name := plainStream(t, js, "RT")
	capture, dlqName := captureFor(t, js, name)
	kill(t, js, s, name, capture, 2, 0)
	targetName := uniq("RTT")
	target := newStream(t, js, jetstream.StreamConfig{Name: targetName, Subjects: []string{targetName + ".>"}, Duplicates: 2 * time.Second, MaxMsgs: 1})
	publish(t, js, targetName+".other", 3, "other") // the first two dropped by MaxMsgs
	dead := read(t, c, dlqName, sources.ReadOptions{})
	id := uniq("rt")
	err := c.Redrive(ctx, sources.RedriveRequest{ID: id, Source: dlqName, Items: items(id, dlqName, dead, targetName+".retry", true),
		Since: time.Now().Add(-time.Hour)}, func(o sources.RedriveOutcome) { t.Errorf("reported %+v", o) })
	if !errors.Is(err, mqnats.ErrCopiesUnknown) {
		t.Fatalf("the resume ended with %v, want ErrCopiesUnknown", err)
	}
	t.Log(err)
	if streamMsgs(t, target) != 1 || streamMsgs(t, capture) != uint64(len(dead)) {
		t.Fatal("a refused resume wrote or removed something")
	}
}
