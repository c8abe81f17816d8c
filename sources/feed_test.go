package sources_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/mqscope/mqscope/sources"
)

// TestFeedHandsOnALargeBatchInChunksWithinItsBudget: one batch ten times
// the feed's budget goes through in order, in chunks, and the feed never
// holds more than its budget.
func TestFeedHandsOnALargeBatchInChunksWithinItsBudget(t *testing.T) {
	const budget = 256 << 10
	f := sources.NewFeed(context.Background(), budget, nil)
	defer f.Close()
	value := bytes.Repeat([]byte("v"), 1000)
	var batch []sources.Message
	var total int64
	for i := 0; total < 10*budget; i++ {
		batch = append(batch, sources.Message{Offset: int64(i), Value: value, Headers: []sources.Header{{Key: "h", Value: value[:10]}}})
		total += sources.InFlightBytes(&batch[i])
	}
	n := len(batch)
	f.Go(func(context.Context) { f.SendBatch(batch) })
	f.EndWhenDone()
	got := 0
	for {
		ms, err := f.Next(context.Background(), n)
		var size int64
		for i := range ms {
			if ms[i].Offset != int64(got) {
				t.Fatalf("message %d has offset %d", got, ms[i].Offset)
			}
			size += sources.InFlightBytes(&ms[i])
			got++
		}
		if size > budget {
			t.Fatalf("one Next handed on %d bytes, more than the feed may hold (%d)", size, budget)
		}
		if errors.Is(err, sources.ErrEndOfStream) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if got != n {
		t.Fatalf("read %d messages, want %d", got, n)
	}
	if high := f.HighWater(); high > budget || high < f.ChunkBytes() {
		t.Fatalf("the feed held at most %d bytes: want between a chunk (%d) and the budget (%d)", high, f.ChunkBytes(), budget)
	}
}

// TestFeedPassesAMessageLargerThanItsBudget: a message larger than the
// whole budget still goes through (alone), and the producer after it is
// not stuck.
func TestFeedPassesAMessageLargerThanItsBudget(t *testing.T) {
	const budget = 64 << 10
	f := sources.NewFeed(context.Background(), budget, nil)
	defer f.Close()
	big := sources.Message{Offset: 0, Value: make([]byte, 4*budget)}
	f.Go(func(context.Context) {
		f.Send(big)
		f.Send(sources.Message{Offset: 1, Value: []byte("small")})
	})
	f.EndWhenDone()
	ms, err := sources.Drain(context.Background(), f, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Offset != 0 || len(ms[0].Value) != 4*budget || ms[1].Offset != 1 {
		t.Fatalf("read %d messages, want the large one and the small one after it", len(ms))
	}
	if high, want := f.HighWater(), sources.InFlightBytes(&big); high != want {
		t.Fatalf("the feed held at most %d bytes, want the large message alone (%d)", high, want)
	}
}

// TestFeedClosedUnblocksASenderWaitingForRoom: a producer waiting for room
// returns false once the feed is closed.
func TestFeedClosedUnblocksASenderWaitingForRoom(t *testing.T) {
	f := sources.NewFeed(context.Background(), 64<<10, nil)
	sent := make(chan bool, 1)
	f.Go(func(context.Context) {
		ms := make([]sources.Message, 1000)
		for i := range ms {
			ms[i].Value = make([]byte, 1000)
		}
		sent <- f.SendBatch(ms)
	})
	f.EndWhenDone()
	if _, err := f.Next(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if <-sent {
		t.Fatal("SendBatch of 1 MB into a 64 KiB feed nobody reads reported it delivered")
	}
}

// TestFeedHandsOnPartOfAChunkThatTheReaderMayAppendTo: a Next that takes
// only the start of a chunk gets it without a copy, yet what the reader
// appends to its batch never overwrites the messages still queued.
func TestFeedHandsOnPartOfAChunkThatTheReaderMayAppendTo(t *testing.T) {
	f := sources.NewFeed(context.Background(), 1<<20, nil)
	defer f.Close()
	batch := make([]sources.Message, 10)
	for i := range batch {
		batch[i] = sources.Message{Offset: int64(i), Value: []byte("v")}
	}
	if !f.SendBatch(batch) {
		t.Fatal("the feed refused the batch")
	}
	f.EndWhenDone()
	first, err := f.Next(context.Background(), 4)
	if err != nil || len(first) != 4 || first[3].Offset != 3 {
		t.Fatalf("first Next: %d messages, %v", len(first), err)
	}
	first = append(first, sources.Message{Offset: 99})
	if first[4].Offset != 99 {
		t.Fatalf("the appended message reads as offset %d", first[4].Offset)
	}
	rest, err := sources.Drain(context.Background(), f, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != 6 {
		t.Fatalf("the rest is %d messages, want 6", len(rest))
	}
	for i, m := range rest {
		if m.Offset != int64(4+i) {
			t.Fatalf("message %d of the rest has offset %d, want %d: the reader's append overwrote the queue", i, m.Offset, 4+i)
		}
	}
}
