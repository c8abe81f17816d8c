package triage_test

import (
	"context"
	"testing"
	"time"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
	"github.com/mqscope/mqscope/triage"
)

// TestRedisDeadLetterStreamGroupsByOriginField: the entries of a Redis
// dead-letter stream that name their stream in an origin field
// (redis.OriginFields) are grouped by it; one without keeps the origin
// the stream's name gives.
func TestRedisDeadLetterStreamGroupsByOriginField(t *testing.T) {
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	s := prefix + "orders.dlq"
	entries := [][]any{
		{"value", "1", "origin", prefix + "payments"},
		{"value", "2", "Origin", prefix + "payments"},
		{"value", "3", "original_stream", prefix + "refunds"},
		{"value", "4", "origin", " "}, // no text: the name's origin
		{"value", "5"},
	}
	testbroker.RedisAdd(t, raw, s, entries...)
	conn, err := redis.Dial(ctx, redis.Options{URL: testbroker.RedisURL(), Match: prefix + "*"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	sub, err := conn.Read(rctx, s, sources.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b := triage.NewBuilder(s).ForStream(sources.StreamInfo{DeadLetter: true})
	if err := b.Read(rctx, sub, nil); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for _, g := range b.Report(triage.ByOrigin, 4).Groups {
		counts[g.Key] = g.Count
	}
	want := map[string]int64{prefix + "payments": 2, prefix + "refunds": 1, prefix + "orders": 2}
	if len(counts) != len(want) {
		t.Fatalf("origins %v, want %v", counts, want)
	}
	for k, n := range want {
		if counts[k] != n {
			t.Fatalf("origins %v, want %v", counts, want)
		}
	}
}
