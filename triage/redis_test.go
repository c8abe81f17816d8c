package triage_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
	"github.com/mqscope/mqscope/triage"
)

// TestRedisPendingGroupByTheirErrorFields: a group's dead letters whose
// entries carry error fields are grouped by what those say, whatever the
// delivery count; an entry without one keeps the broker's reason; no
// reason ends with a colon.
func TestRedisPendingGroupByTheirErrorFields(t *testing.T) {
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	s := prefix + "orders"
	entries := [][]any{
		{"value", "1", "error", "timeout after 300ms talking to 10.0.0.7:5432"},
		{"value", "2", "error", "timeout after 2000ms talking to 10.0.0.9:5432"},
		{"value", "3", "last_error", "ValueError: bad sku 'X-1'"},
		{"value", "4", "exception", "ValueError: bad sku 'Y-22'"},
		{"value", "5", "reason", "failed:"},
		{"value", "6", "error", ""},
		{"value", "7", "exception_class", "InventoryError"},
		{"value", "8"}, // no error field, another delivery count than entry 6: one group with it
	}
	testbroker.RedisAdd(t, raw, s, entries...)
	if err := raw.XGroupCreate(ctx, s, "g", "0").Err(); err != nil {
		t.Fatal(err)
	}
	got, err := raw.XReadGroup(ctx, &goredis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{s, ">"}}).Result()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range got[0].Messages { // delivered 4, 5, 6... times: the count is no reason
		raw.Do(ctx, "XCLAIM", s, "g", "c", 0, m.ID, "RETRYCOUNT", 4+i, "JUSTID")
	}
	conn, err := redis.Dial(ctx, redis.Options{URL: testbroker.RedisURL(), Match: prefix + "*"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	sub, err := conn.Read(rctx, redis.PendingName(s, "g"), sources.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b := triage.NewBuilder(redis.PendingName(s, "g"))
	if err := b.Read(rctx, sub, nil); err != nil {
		t.Fatal(err)
	}
	r := b.Report(triage.ByFailure, 4)
	var reasons []string
	counts := map[string]int64{}
	for _, g := range r.Groups {
		reasons = append(reasons, g.Reason())
		counts[g.Reason()] = g.Count
		if strings.HasSuffix(strings.TrimSpace(g.Reason()), ":") {
			t.Errorf("a dangling colon: %q", g.Reason())
		}
	}
	slices.Sort(reasons)
	want := []string{"InventoryError", "ValueError: bad sku \"…\"", "delivered more than 3 times", "error: timeout after <n>ms talking to <ip>", "reason: failed"}
	if !slices.Equal(reasons, want) {
		t.Fatalf("reasons %q, want %q", reasons, want)
	}
	if counts["error: timeout after <n>ms talking to <ip>"] != 2 || counts["delivered more than 3 times"] != 2 || counts[`ValueError: bad sku "…"`] != 2 {
		t.Fatalf("counts %v", counts)
	}
}
