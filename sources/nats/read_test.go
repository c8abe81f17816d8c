package nats_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
)

// A read by sequence starts where it says and ends at the end the stream
// had; each message keeps its subject (Key and property), headers,
// Nats-Msg-Id and stream sequence.
func TestReadBySequence(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	_, name := plainStream(t, js, "READ")
	publish(t, js, name+".orders", 20, "o")

	all := read(t, c, name, sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}})
	if !slices.Equal(offsets(all), seqRange(1, 20)) {
		t.Fatalf("oldest: offsets %v", offsets(all))
	}
	m := all[6]
	if m.Stream != name || m.Partition != sources.NoPartition || string(m.Key) != name+".orders" || m.ID != "o-6" ||
		string(m.Value) != `{"tag":"o","n":6}` || m.ValueSize != len(m.Value) || m.Timestamp.IsZero() || m.Conn != c.Name() {
		t.Fatalf("message %+v", m)
	}
	if v, ok := m.Header("x-n"); !ok || string(v) != "6" {
		t.Fatalf("headers %+v", m.Headers)
	}
	if !slices.Contains(m.Properties, sources.Property{Name: "subject", Value: name + ".orders"}) {
		t.Fatalf("properties %+v", m.Properties)
	}

	from := read(t, c, name, sources.ReadOptions{Start: sources.Start{Kind: sources.StartOffset, Offset: 11}})
	if !slices.Equal(offsets(from), seqRange(11, 20)) {
		t.Fatalf("offset:11: %v", offsets(from))
	}
	last := read(t, c, name, sources.ReadOptions{Start: sources.Start{Kind: sources.StartLastN, N: 5}})
	if !slices.Equal(offsets(last), seqRange(16, 20)) {
		t.Fatalf("last:5: %v", offsets(last))
	}
	bounded := read(t, c, name, sources.ReadOptions{Start: sources.Start{Kind: sources.StartOffset, Offset: 4}, End: &sources.Start{Kind: sources.StartOffset, Offset: 9}})
	if !slices.Equal(offsets(bounded), seqRange(4, 9)) {
		t.Fatalf("offset:4 to offset:9: %v", offsets(bounded))
	}
	if got := read(t, c, name, sources.ReadOptions{Start: sources.Start{Kind: sources.StartOffset, Offset: 21}}); len(got) != 0 {
		t.Fatalf("past the end: %v", offsets(got))
	}
	if got := read(t, c, name, sources.ReadOptions{Start: sources.Start{Kind: sources.StartNewest}}); len(got) != 0 {
		t.Fatalf("newest, bounded: %v", offsets(got))
	}
}

// A bounded read of an empty stream, or of a range whose messages were all
// deleted, ends at once.
func TestBoundedReadEnds(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	s, name := plainStream(t, js, "EMPTY")
	if got := read(t, c, name, sources.ReadOptions{}); len(got) != 0 {
		t.Fatalf("empty stream: %v", offsets(got))
	}
	publish(t, js, name+".x", 6, "x")
	ctx := ctxT(t)
	for _, seq := range []uint64{4, 5} {
		if err := s.DeleteMsg(ctx, seq); err != nil {
			t.Fatal(err)
		}
	}
	if got := read(t, c, name, sources.ReadOptions{Start: sources.Start{Kind: sources.StartOffset, Offset: 3}}); !slices.Equal(offsets(got), []int64{3, 6}) {
		t.Fatalf("offset:3 with #4 and #5 deleted: %v", offsets(got))
	}
	if err := s.DeleteMsg(ctx, 6); err != nil {
		t.Fatal(err)
	}
	// #4..#6 are gone: the stream's last sequence is still 6.
	if got := read(t, c, name, sources.ReadOptions{Start: sources.Start{Kind: sources.StartOffset, Offset: 4}}); len(got) != 0 {
		t.Fatalf("offset:4 with #4..#6 deleted: %v", offsets(got))
	}
	if _, err := c.Read(ctx, uniq("NOSUCH"), sources.ReadOptions{}); !errors.Is(err, sources.ErrUnknownStream) {
		t.Fatalf("read of a stream that does not exist: %v", err)
	}
}

// A read by time starts at the first message stored at or after it.
func TestReadByTime(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	s, name := plainStream(t, js, "TIME")
	publish(t, js, name+".t", 10, "early")
	ctx := ctxT(t)
	tenth, err := s.GetMsg(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	for !time.Now().After(tenth.Time.Add(5 * time.Millisecond)) { // set-up: the next messages are stored later
		time.Sleep(time.Millisecond)
	}
	publish(t, js, name+".t", 10, "late")
	eleventh, err := s.GetMsg(ctx, 11)
	if err != nil {
		t.Fatal(err)
	}
	got := read(t, c, name, sources.ReadOptions{Start: sources.Start{Kind: sources.StartTime, Time: eleventh.Time}})
	if !slices.Equal(offsets(got), seqRange(11, 20)) {
		t.Fatalf("time of #11: %v", offsets(got))
	}
	mid := tenth.Time.Add(eleventh.Time.Sub(tenth.Time) / 2)
	got = read(t, c, name, sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}, End: &sources.Start{Kind: sources.StartTime, Time: mid}})
	if !slices.Equal(offsets(got), seqRange(1, 10)) {
		t.Fatalf("oldest to a time between #10 and #11: %v", offsets(got))
	}
	if got := read(t, c, name, sources.ReadOptions{Start: sources.Start{Kind: sources.StartTime, Time: time.Now().Add(time.Hour)}}); len(got) != 0 {
		t.Fatalf("a time after the last message: %v", offsets(got))
	}
}

// A live tail from newest sees a message written after it started, and
// none of those before.
func TestLiveTailSeesNewMessage(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	_, name := plainStream(t, js, "TAIL")
	publish(t, js, name+".old", 3, "old")
	ctx := ctxT(t)
	sub, err := c.Read(ctx, name, sources.ReadOptions{Start: sources.Start{Kind: sources.StartNewest}, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	publish(t, js, name+".new", 1, "new")
	got, err := sub.Next(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Offset != 4 || string(got[0].Key) != name+".new" || got[0].ID != "new-0" {
		t.Fatalf("tail got %+v", got)
	}
	// From oldest, a tail delivers what is there, then what comes.
	sub2, err := c.Read(ctx, name, sources.ReadOptions{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sub2.Close()
	publish(t, js, name+".new", 1, "newer")
	var seen []int64
	for len(seen) < 5 {
		b, err := sub2.Next(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, offsets(b)...)
	}
	if !slices.Equal(seen, seqRange(1, 5)) {
		t.Fatalf("tail from oldest: %v", seen)
	}
	if err := sub2.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := sub2.Next(ctx, 1); err == nil {
		t.Fatal("a closed read delivered")
	}
}

// consumerState is what a read must not change about a consumer.
type consumerState struct {
	Delivered, AckFloor                     string // consumer and stream sequences, last activity
	NumPending, NumAckPending, NumRedeliver uint64
	NumWaiting                              int
}

// snapshot is the stream and consumer state a read must leave as it was.
type snapshot struct {
	consumers []string
	state     jetstream.StreamState
	durable   consumerState
}

func takeSnapshot(t *testing.T, s jetstream.Stream, durable string) snapshot {
	t.Helper()
	ctx := ctxT(t)
	var names []string
	l := s.ConsumerNames(ctx)
	for n := range l.Name() {
		names = append(names, n)
	}
	if l.Err() != nil {
		t.Fatal(l.Err())
	}
	slices.Sort(names)
	si, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := s.Consumer(ctx, durable)
	if err != nil {
		t.Fatal(err)
	}
	ci := cons.CachedInfo()
	st := si.State
	return snapshot{consumers: names, state: st, durable: consumerState{
		Delivered: seqInfo(ci.Delivered), AckFloor: seqInfo(ci.AckFloor), NumPending: ci.NumPending,
		NumAckPending: uint64(ci.NumAckPending), NumRedeliver: uint64(ci.NumRedelivered), NumWaiting: ci.NumWaiting,
	}}
}

func seqInfo(s jetstream.SequenceInfo) string {
	last := "-"
	if s.Last != nil {
		last = s.Last.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%d/%d %s", s.Consumer, s.Stream, last)
}

func (a snapshot) diff(b snapshot) string {
	switch {
	case !slices.Equal(a.consumers, b.consumers):
		return fmt.Sprintf("consumers %v, then %v", a.consumers, b.consumers)
	case a.state.Msgs != b.state.Msgs || a.state.Bytes != b.state.Bytes || a.state.FirstSeq != b.state.FirstSeq || a.state.LastSeq != b.state.LastSeq || a.state.Consumers != b.state.Consumers:
		return fmt.Sprintf("stream state %+v, then %+v", a.state, b.state)
	case a.durable != b.durable:
		return fmt.Sprintf("durable consumer %+v, then %+v", a.durable, b.durable)
	}
	return ""
}

// Reads (bounded, and a live tail closed part way) leave the stream, its
// consumer list and a durable consumer's state exactly as they were: no
// consumer outlives the read, nothing is acknowledged.
func TestReadHasNoSideEffects(t *testing.T) {
	c := open(t)
	js := c.JetStream()
	ctx := ctxT(t)
	s, name := plainStream(t, js, "NOSIDE")
	publish(t, js, name+".x", 50, "x")
	cons, err := s.CreateConsumer(ctx, jetstream.ConsumerConfig{Durable: "app", AckPolicy: jetstream.AckExplicitPolicy, AckWait: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(10, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for m := range batch.Messages() {
		if n%2 == 0 {
			if err := m.DoubleAck(ctx); err != nil {
				t.Fatal(err)
			}
		}
		n++
	}
	before := takeSnapshot(t, s, "app")

	if got := read(t, c, name, sources.ReadOptions{}); len(got) != 50 {
		t.Fatalf("read %d of 50", len(got))
	}
	_ = read(t, c, name, sources.ReadOptions{Start: sources.Start{Kind: sources.StartLastN, N: 7}})
	sub, err := c.Read(ctx, name, sources.ReadOptions{Follow: true, Start: sources.Start{Kind: sources.StartOffset, Offset: 30}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Next(ctx, 5); err != nil {
		t.Fatal(err)
	}
	if err := sub.Close(); err != nil {
		t.Fatal(err)
	}
	// A read abandoned by its context is closed the same way.
	rctx, cancel := context.WithCancel(ctx)
	sub, err = c.Read(rctx, name, sources.ReadOptions{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := sub.Next(ctx, 5); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, sources.ErrEndOfStream) {
		t.Fatal(err)
	}
	if err := sub.Close(); err != nil {
		t.Fatal(err)
	}

	after := takeSnapshot(t, s, "app")
	if d := before.diff(after); d != "" {
		t.Fatalf("the reads changed the stream: %s", d)
	}
}
