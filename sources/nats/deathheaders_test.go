package nats_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources"
	mqnats "github.com/mqscope/mqscope/sources/nats"
)

// A dead letter read from a capture stream carries its death as the
// advisory tells it, in its provenance (reason, consumer, deliveries,
// time, one Death as RabbitMQ's x-death gives them) and in its headers,
// so that its export line holds them: a message that reached MaxDeliver
// 3 on the consumer "payer" and one the consumer terminated (AckTerm); a
// redriven copy carries none of them.
func TestDeadLetterCarriesItsDeath(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	ctx := ctxT(t)
	s, name := plainStream(t, js, "DEATH")
	capt, dlqName := captureFor(t, js, name)
	mdSeq := publish(t, js, name+".md", 1, "md")[0]
	termSeq := publish(t, js, name+".term", 1, "term")[0]
	cons, err := s.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "payer", AckPolicy: jetstream.AckExplicitPolicy, AckWait: time.Minute, MaxDeliver: 3})
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now().Add(-time.Second)
	waitFor(t, "two dead-letter advisories", func() bool {
		batch, err := cons.Fetch(10, jetstream.FetchMaxWait(100*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			switch {
			case strings.HasSuffix(m.Subject(), ".md"):
				err = m.Nak()
			default:
				err = m.Term()
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		return streamMsgs(t, capt) == 2
	})
	after := time.Now().Add(time.Second)

	got := read(t, c, dlqName, sources.ReadOptions{})
	if len(got) != 2 {
		t.Fatalf("%d dead letters, want 2", len(got))
	}
	want := map[uint64]struct {
		reason, deliveries, message string
	}{
		mdSeq:   {mqnats.ReasonMaxDeliveries, "3", ""},
		termSeq: {mqnats.ReasonTerminated, "1", ""},
	}
	for _, m := range got {
		d := m.DeadLetter
		w, ok := want[uint64(d.OriginOffset)]
		if !ok {
			t.Fatalf("a dead letter of %s#%d", d.OriginStream, d.OriginOffset)
		}
		header := func(k string) string { v, _ := m.Header(k); return string(v) }
		at, err := time.Parse(time.RFC3339Nano, header(mqnats.HeaderDeathTime))
		if err != nil || at.Before(before) || at.After(after) || !at.Equal(d.LastDeath) {
			t.Fatalf("#%d: death time %q (%v), provenance %v", d.OriginOffset, header(mqnats.HeaderDeathTime), err, d.LastDeath)
		}
		if header(mqnats.HeaderDeathReason) != w.reason || header(mqnats.HeaderDeathConsumer) != "payer" ||
			header(mqnats.HeaderDeathDeliveries) != w.deliveries || header(mqnats.HeaderDeathMessage) != w.message {
			t.Fatalf("#%d: headers %+v", d.OriginOffset, m.Headers)
		}
		if _, dup := m.Header("x-tag"); !dup || m.Headers[len(m.Headers)-1].Key == "x-tag" {
			t.Fatalf("#%d: the original's headers first, then the death's: %+v", d.OriginOffset, m.Headers)
		}
		if d.Reason != w.reason || d.ConsumerGroup != name+"/payer" || w.deliveries != strconv.FormatInt(d.Count, 10) || d.ExceptionMessage != w.message ||
			len(d.Deaths) != 1 || d.Deaths[0].Queue != name+"/payer" || d.Deaths[0].Reason != w.reason || d.Deaths[0].Count != d.Count ||
			!d.Deaths[0].Time.Equal(at) || !slices.Equal(d.Deaths[0].RoutingKeys, []string{string(m.Key)}) {
			t.Fatalf("#%d: provenance %+v", d.OriginOffset, d)
		}
		line := string(capture.AppendRecord(nil, &m))
		for _, part := range []string{`{"key":"x-mqscope-dead-letter-reason","value":"` + w.reason + `"}`, `{"key":"x-mqscope-dead-letter-consumer","value":"payer"}`,
			`{"key":"x-mqscope-dead-letter-deliveries","value":"` + w.deliveries + `"}`, `{"key":"x-mqscope-dead-letter-time","value":"` + header(mqnats.HeaderDeathTime) + `"}`} {
			if !strings.Contains(line, part) {
				t.Fatalf("the export line lacks %s:\n%s", part, line)
			}
		}
	}

	// A copy redriven to the stream has the original's headers, not the death's.
	target := name + ".back"
	id := uniq("death")
	if err := c.Redrive(ctx, sources.RedriveRequest{ID: id, Source: dlqName, Items: items(id, dlqName, got, target, false)}, func(o sources.RedriveOutcome) {
		if o.Result != sources.RedriveWritten {
			t.Errorf("item %d: %+v", o.Item, o)
		}
	}); err != nil {
		t.Fatal(err)
	}
	copies := read(t, c, name, sources.ReadOptions{Start: sources.Start{Kind: sources.StartOffset, Offset: int64(termSeq) + 1}})
	if len(copies) != 2 {
		t.Fatalf("%d copies", len(copies))
	}
	for _, m := range copies {
		for _, h := range m.Headers {
			if strings.HasPrefix(h.Key, mqnats.HeaderDeathPrefix) {
				t.Fatalf("a copy carries %s: %+v", h.Key, m.Headers)
			}
		}
		if v, _ := m.Header("x-tag"); len(v) == 0 {
			t.Fatalf("a copy lost the original's headers: %+v", m.Headers)
		}
	}
}
