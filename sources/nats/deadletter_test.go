package nats_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	mqnats "github.com/mqscope/mqscope/sources/nats"
)

// failures is what a worker did to the messages of a stream: the
// sequences that died by MaxDeliver and those it terminated.
type failures struct {
	maxDelivered, terminated []uint64
}

// kill publishes md messages on "<stream>.md" and term on "<stream>.term"
// (and one on "<stream>.ok"), and runs a worker, the durable "worker"
// with MaxDeliver 2, that naks every .md message until it dies, terminates
// every .term message and acks the rest, until the capture stream holds
// an advisory for each dead one.
func kill(t testing.TB, js jetstream.JetStream, s jetstream.Stream, stream string, capture jetstream.Stream, md, term int) failures {
	t.Helper()
	ctx := ctxT(t)
	var f failures
	f.maxDelivered = publish(t, js, stream+".md", md, "md")
	f.terminated = publish(t, js, stream+".term", term, "term")
	publish(t, js, stream+".ok", 1, "ok")
	before, err := capture.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := s.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "worker", AckPolicy: jetstream.AckExplicitPolicy, AckWait: time.Minute, MaxDeliver: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := before.State.Msgs + uint64(md+term)
	waitFor(t, "the dead-letter advisories", func() bool {
		batch, err := cons.Fetch(500, jetstream.FetchMaxWait(100*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			switch {
			case strings.HasSuffix(m.Subject(), ".md"):
				err = m.Nak()
			case strings.HasSuffix(m.Subject(), ".term"):
				err = m.Term()
			default:
				err = m.Ack()
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		si, err := capture.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return si.State.Msgs >= want
	})
	return f
}

// Dead letters are found through the advisories a capture stream holds:
// each reads as its original message, fetched by sequence, with its
// provenance; an original the stream no longer holds is delivered flagged.
func TestDeadLettersFromAdvisories(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	ctx := ctxT(t)
	s, name := plainStream(t, js, "ORDERS")
	capture, dlqName := captureFor(t, js, name)
	f := kill(t, js, s, name, capture, 3, 2)
	gone := f.maxDelivered[2]
	if err := s.DeleteMsg(ctx, gone); err != nil {
		t.Fatal(err)
	}

	got := read(t, c, dlqName, sources.ReadOptions{})
	if len(got) != 5 {
		t.Fatalf("read %d dead letters, want 5: %+v", len(got), got)
	}
	byOrigin := map[int64]sources.Message{}
	for i, m := range got {
		if m.DeadLetter == nil || m.Stream != dlqName || m.Partition != sources.NoPartition || m.Offset != int64(i+1) {
			t.Fatalf("dead letter %d: %+v", i, m)
		}
		byOrigin[m.DeadLetter.OriginOffset] = m
	}
	for _, seq := range f.maxDelivered[:2] {
		m := byOrigin[int64(seq)]
		d := m.DeadLetter
		if d.Scheme != mqnats.Scheme || !d.BySubject || d.Reason != mqnats.ReasonMaxDeliveries || d.Count != 2 || d.OriginStream != name ||
			d.ConsumerGroup != name+"/worker" || d.OriginTime.IsZero() || d.LastDeath.Before(d.OriginTime) || !slices.Equal(d.RoutingKeys, []string{name + ".md"}) {
			t.Fatalf("max-deliveries provenance of #%d: %+v", seq, d)
		}
		if string(m.Key) != name+".md" || !strings.HasPrefix(m.ID, "md-") || !strings.Contains(string(m.Value), `"tag":"md"`) || mqnats.GoneOriginal(&m) || m.Flaw != nil {
			t.Fatalf("max-deliveries original #%d: %+v", seq, m)
		}
		if v, ok := m.Header("x-tag"); !ok || string(v) != "md" {
			t.Fatalf("original headers %+v", m.Headers)
		}
	}
	for _, seq := range f.terminated {
		m := byOrigin[int64(seq)]
		if d := m.DeadLetter; d == nil || d.Reason != mqnats.ReasonTerminated || d.Count != 1 || string(m.Key) != name+".term" || !strings.Contains(string(m.Value), `"tag":"term"`) {
			t.Fatalf("terminated #%d: %+v", seq, m)
		}
	}
	g := byOrigin[int64(gone)]
	if !mqnats.GoneOriginal(&g) || g.Flaw == nil || !g.Flaw.Lost || g.Value != nil || g.DeadLetter.Reason != mqnats.ReasonMaxDeliveries || g.DeadLetter.OriginStream != name {
		t.Fatalf("the dead letter whose original is gone: %+v", g)
	}

	infos, err := c.ListStreams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(infos, func(s sources.StreamInfo) bool { return s.Name == dlqName })
	if i < 0 || !infos[i].DeadLetter || infos[i].DeadLetterFor != name {
		t.Fatalf("the capture stream listed as %+v", infos[i])
	}
	caps, err := c.AdvisoryStreams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	j := slices.IndexFunc(caps, func(k mqnats.Capture) bool { return k.Stream == dlqName })
	if j < 0 || caps[j].All || !caps[j].MaxDeliveries || !caps[j].Terminated || !slices.Equal(caps[j].For, []string{name}) {
		t.Fatalf("captures %+v", caps)
	}
	// Capturing some advisories already, the account cannot have a stream
	// that captures them all: EnsureAdvisoryStream says so, writing nothing.
	if _, _, err := c.EnsureAdvisoryStream(ctx); err == nil || !strings.Contains(err.Error(), dlqName) {
		t.Fatalf("EnsureAdvisoryStream beside a partial capture: %v", err)
	}
	if _, err := js.Stream(ctx, mqnats.AdvisoryStreamName); err == nil && !slices.ContainsFunc(caps, func(k mqnats.Capture) bool { return k.Stream == mqnats.AdvisoryStreamName }) {
		t.Fatal("a read or a listing created the advisory stream")
	}
}

// EnsureAdvisoryStreamFor creates a capture of its own name for its own
// origin stream, which only it is asserted on (whatever other captures the
// server holds); run again, it finds that capture and creates nothing; the
// capture holds the origin's dead letters; a listing creates nothing.
func TestEnsureAdvisoryStream(t *testing.T) {
	testbroker.NATSAdvisories(t)
	c := open(t)
	js := c.JetStream()
	ctx := ctxT(t)
	s, name := plainStream(t, js, "ENSURE")
	captName := uniq("ENSUREDLQ")
	if _, err := c.ListStreams(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Stream(ctx, captName); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Fatalf("before any ensure, stream %s: %v", captName, err)
	}
	capt, created, err := c.EnsureAdvisoryStreamFor(ctx, captName, []string{name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := js.DeleteStream(ctx, captName); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			t.Errorf("delete stream %s: %v", captName, err)
		}
	})
	if !created || capt.Stream != captName || !capt.MaxDeliveries || !capt.Terminated {
		t.Fatalf("ensure: %+v created %v", capt, created)
	}
	again, createdAgain, err := c.EnsureAdvisoryStreamFor(ctx, captName, []string{name})
	if err != nil || createdAgain || again.Stream != captName {
		t.Fatalf("ensure again: %+v created %v: %v", again, createdAgain, err)
	}
	cs, err := js.Stream(ctx, captName)
	if err != nil {
		t.Fatal(err)
	}
	f := kill(t, js, s, name, cs, 1, 1)
	got := read(t, c, captName, sources.ReadOptions{})
	if len(got) != 2 {
		t.Fatalf("%s holds %d dead letters, want 2: %+v", captName, len(got), got)
	}
	i := slices.IndexFunc(got, func(m sources.Message) bool {
		return m.DeadLetter != nil && m.DeadLetter.OriginStream == name && m.DeadLetter.OriginOffset == int64(f.terminated[0])
	})
	if i < 0 || got[i].DeadLetter.Reason != mqnats.ReasonTerminated || string(got[i].Key) != name+".term" {
		t.Fatalf("the terminated message in %s: %+v", captName, got)
	}
	if _, _, err := c.EnsureAdvisoryStreamFor(ctx, uniq("ENSUREBAD"), []string{name + ".x"}); !errors.Is(err, sources.ErrBadTarget) {
		t.Fatalf("a capture for a stream name with a dot: %v", err)
	}
}

// A live tail of a capture stream delivers a message as a dead letter as
// soon as it dies.
func TestLiveTailOfDeadLetters(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	ctx := ctxT(t)
	s, name := plainStream(t, js, "TAILDL")
	capture, dlqName := captureFor(t, js, name)
	sub, err := c.Read(ctx, dlqName, sources.ReadOptions{Start: sources.Start{Kind: sources.StartNewest}, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	f := kill(t, js, s, name, capture, 0, 1)
	got, err := sub.Next(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].DeadLetter == nil || got[0].DeadLetter.OriginOffset != int64(f.terminated[0]) || got[0].DeadLetter.Reason != mqnats.ReasonTerminated {
		t.Fatalf("tail of %s: %+v", dlqName, got)
	}
}
