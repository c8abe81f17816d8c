package ui

import (
	"testing"
	"time"

	"github.com/mqscope/mqscope/sources"
)

// TestQueueRowsAlikeStayApart: dead letters without a message id or a
// timestamp, alike in everything else, show their place in the read and
// when the broker dead-lettered them, and sort by both.
func TestQueueRowsAlikeStayApart(t *testing.T) {
	at := time.Date(2026, 12, 2, 15, 30, 53, 0, time.UTC)
	msgs := []*sources.Message{
		{Stream: "s-dlq", Partition: sources.NoPartition, Offset: 4, Key: []byte("s-dlq"), Value: []byte("same"),
			DeadLetter: &sources.DeadLetter{OriginStream: "s-work", Reason: "expired", LastDeath: at.Add(time.Second)}},
		{Stream: "s-dlq", Partition: sources.NoPartition, Offset: 2, Key: []byte("s-dlq"), Value: []byte("same"),
			DeadLetter: &sources.DeadLetter{OriginStream: "s-work", Reason: "expired", LastDeath: at}},
		{Stream: "s-dlq", Partition: sources.NoPartition, Offset: 7, ID: "msg-7", Value: []byte("same"), Timestamp: at.Add(-time.Hour)},
	}
	if got := queueID(msgs[0]); got != "@4" {
		t.Fatalf("id of a message without one: %q", got)
	}
	if got := queueID(msgs[2]); got != "msg-7" {
		t.Fatalf("id: %q", got)
	}
	if got := shortTime(rowTime(msgs[1]), at); got != "15:30:53.000" {
		t.Fatalf("time of a dead letter without a timestamp: %q", got)
	}
	if got := rowTime(msgs[2]); !got.Equal(at.Add(-time.Hour)) {
		t.Fatalf("a timestamp is kept: %v", got)
	}
	if c := compareKeys(messageKey(msgs[1], "TIME"), messageKey(msgs[0], "TIME")); c >= 0 {
		t.Fatalf("earlier death sorts first: %d", c)
	}
	if c := compareKeys(messageKey(msgs[1], "ID"), messageKey(msgs[0], "ID")); c >= 0 {
		t.Fatalf("@2 sorts before @4: %d", c)
	}
}
