package ui

import (
	"testing"
	"time"

	"github.com/mqscope/mqscope/sources"
)

// TestGoldenStreamSpan: a NATS JetStream listing shows each stream's
// bytes and its first and last sequence and time (as `nats stream ls`
// does), "-" for an empty stream's ends.
func TestGoldenStreamSpan(t *testing.T) {
	at := func(d time.Duration) time.Time { return testNow.Add(-d) }
	span := func(bytes, first, last int64, from, to time.Time) sources.Span {
		return sources.Span{Bytes: sources.KnownCount(bytes), First: sources.Edge{Seq: first, Time: from, Known: true}, Last: sources.Edge{Seq: last, Time: to, Known: true}}
	}
	l := streamsListed{page: 1, at: testNow, streams: []sources.StreamInfo{
		{Name: "ORDERS", Kind: "jetstream", Messages: 1_000_000, High: 1_000_001, Span: span(231_000_000, 1, 1_000_000, at(26*time.Hour), at(3*time.Second))},
		{Name: "EMPTY", Kind: "jetstream", Messages: 0, High: 41, Span: sources.Span{Bytes: sources.KnownCount(0)}},
		{Name: "MQSCOPE_DEAD_LETTERS", Kind: "jetstream", Messages: 12, High: 13, DeadLetter: true, DeadLetterFor: "ORDERS", Span: span(5_120, 1, 12, at(time.Hour), at(time.Minute))},
	}}
	runGoldenAt(t, 140, 12, l, waitFor("DLQ → ORDERS"))
}
