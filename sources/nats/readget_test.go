package nats_test

import (
	"slices"
	"testing"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
)

// A work-queue stream and an interest stream read twice still hold every
// message: a read gets them by sequence and creates no consumer.
func TestReadConsumesNothing(t *testing.T) {
	for _, tc := range []struct {
		name      string
		retention jetstream.RetentionPolicy
		direct    bool
	}{
		{"workqueue", jetstream.WorkQueuePolicy, false},
		{"workqueue-direct", jetstream.WorkQueuePolicy, true},
		{"interest", jetstream.InterestPolicy, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := open(t)
			js := c.JetStream()
			ctx := ctxT(t)
			name := uniq("WQ")
			s := newStream(t, js, jetstream.StreamConfig{Name: name, Subjects: []string{name + ".>"}, Retention: tc.retention, AllowDirect: tc.direct})
			if tc.retention == jetstream.InterestPolicy {
				// an interest stream keeps messages only while a consumer wants them
				if _, err := s.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "app", AckPolicy: jetstream.AckExplicitPolicy}); err != nil {
					t.Fatal(err)
				}
			}
			seqs := publish(t, js, name+".job", 5, "wq")
			for round := range 2 {
				got := read(t, c, name, sources.ReadOptions{})
				if !slices.Equal(offsets(got), []int64{int64(seqs[0]), int64(seqs[1]), int64(seqs[2]), int64(seqs[3]), int64(seqs[4])}) {
					t.Fatalf("read %d: offsets %v, want %v", round+1, offsets(got), seqs)
				}
				if string(got[2].Key) != name+".job" || string(got[2].Value) != `{"tag":"wq","n":2}` {
					t.Fatalf("read %d: message %+v", round+1, got[2])
				}
			}
			got := read(t, c, name, sources.ReadOptions{Start: sources.Start{Kind: sources.StartOffset, Offset: int64(seqs[3])}})
			if !slices.Equal(offsets(got), []int64{int64(seqs[3]), int64(seqs[4])}) {
				t.Fatalf("read from %d: %v", seqs[3], offsets(got))
			}
			si, err := s.Info(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			if tc.retention == jetstream.InterestPolicy {
				want = 1
			}
			if si.State.Msgs != 5 || si.State.Consumers != want {
				t.Fatalf("after the reads the stream holds %d messages and %d consumers", si.State.Msgs, si.State.Consumers)
			}
		})
	}
}

// A message read by direct get has the headers the server adds to the
// reply (Nats-Stream, Nats-Sequence, Nats-Subject, Nats-Time-Stamp)
// stripped; its own headers are kept byte for byte, one with a name the
// server also uses among them.
func TestDirectGetHeadersStripped(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	ctx := ctxT(t)
	name := uniq("DIRECT")
	newStream(t, js, jetstream.StreamConfig{Name: name, Subjects: []string{name + ".>"}, Retention: jetstream.WorkQueuePolicy, AllowDirect: true})
	m := natsgo.NewMsg(name + ".a")
	m.Data = []byte("v")
	m.Header["x-Mixed-Case"] = []string{"spaced  value: é", "second"}
	m.Header["Nats-Subject"] = []string{"the app's own"}
	m.Header["x-empty"] = []string{""}
	if _, err := js.PublishMsg(ctx, m); err != nil {
		t.Fatal(err)
	}
	got := read(t, c, name, sources.ReadOptions{})
	if len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	want := []sources.Header{
		{Key: "Nats-Subject", Value: []byte("the app's own")},
		{Key: "x-Mixed-Case", Value: []byte("spaced  value: é")},
		{Key: "x-Mixed-Case", Value: []byte("second")},
		{Key: "x-empty", Value: []byte("")},
	}
	if !slices.EqualFunc(got[0].Headers, want, func(a, b sources.Header) bool { return a.Key == b.Key && string(a.Value) == string(b.Value) }) {
		t.Fatalf("headers %q, want %q", got[0].Headers, want)
	}
	if got[0].Offset != 1 || string(got[0].Key) != name+".a" || got[0].Timestamp.IsZero() || got[0].Stream != name {
		t.Fatalf("the message's own fields: %+v", got[0])
	}
}

// A dead letter whose origin stream allows direct get is fetched by one:
// neither it nor its redriven copy carries the headers the server adds to
// the reply.
func TestDeadLetterByDirectGetHasNoReplyHeaders(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	ctx := ctxT(t)
	name := uniq("DLDIRECT")
	s := newStream(t, js, jetstream.StreamConfig{Name: name, Subjects: []string{name + ".>"}, AllowDirect: true})
	capture, dlqName := captureFor(t, js, name)
	kill(t, js, s, name, capture, 0, 1)
	_, targetName := plainStream(t, js, "DLDIRECTT")
	dead := read(t, c, dlqName, sources.ReadOptions{})
	if len(dead) != 1 {
		t.Fatalf("%d dead letters", len(dead))
	}
	server := []string{jetstream.StreamHeader, jetstream.SequenceHeader, jetstream.SubjectHeader, jetstream.TimeStampHeaer}
	for _, k := range server {
		if _, ok := dead[0].Header(k); ok {
			t.Fatalf("the dead letter carries %s: %q", k, dead[0].Headers)
		}
	}
	if v, _ := dead[0].Header("x-tag"); string(v) != "term" || string(dead[0].Key) != name+".term" {
		t.Fatalf("the dead letter: %+v", dead[0])
	}
	id := uniq("dld")
	if err := c.Redrive(ctx, sources.RedriveRequest{ID: id, Source: dlqName, Items: items(id, dlqName, dead, targetName+".x", false)}, func(o sources.RedriveOutcome) {
		if o.Result != sources.RedriveWritten {
			t.Errorf("redrive: %+v", o)
		}
	}); err != nil {
		t.Fatal(err)
	}
	copies := read(t, c, targetName, sources.ReadOptions{})
	if len(copies) != 1 {
		t.Fatalf("%d copies", len(copies))
	}
	for _, k := range server {
		if _, ok := copies[0].Header(k); ok {
			t.Fatalf("the redriven copy carries %s: %q", k, copies[0].Headers)
		}
	}
	if v, _ := copies[0].Header("x-n"); string(v) != "0" {
		t.Fatalf("the copy's headers %q", copies[0].Headers)
	}
}
