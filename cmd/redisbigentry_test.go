package cmd

import (
	"context"
	"fmt"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources/redis"
)

// TestRedriveEntryOfManyFields: a pending entry of 5,000 field/value
// pairs (more than one Lua unpack takes) passes the dry run and the run
// copies it whole and acknowledges it: nothing lost.
func TestRedriveEntryOfManyFields(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	s, back := prefix+"orders", prefix+"back"
	const fields = 5000
	values := make([]any, 0, 2*fields)
	for i := 0; i < fields; i++ {
		values = append(values, fmt.Sprintf("f%d", i), fmt.Sprintf("v%d", i))
	}
	if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: s, Values: values}).Err(); err != nil {
		t.Fatal(err)
	}
	if err := raw.XGroupCreate(ctx, s, "g", "0").Err(); err != nil {
		t.Fatal(err)
	}
	got, err := raw.XReadGroup(ctx, &goredis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{s, ">"}}).Result()
	if err != nil {
		t.Fatal(err)
	}
	raw.Do(ctx, "XCLAIM", s, "g", "c", 0, got[0].Messages[0].ID, "RETRYCOUNT", 9, "JUSTID")
	view, url := redis.PendingName(s, "g"), testbroker.RedisURL()
	code, out, errOut := run(t, "--redis", url, "redrive", view, "--to", back, "--dry-run")
	if code != 0 || strings.Contains(out+errOut, "fields") {
		t.Fatalf("dry run: exit %d: %s\n%s", code, errOut, out)
	}
	code, out, errOut = run(t, "--redis", url, "redrive", view, "--to", back, "--yes")
	if code != 0 || !strings.Contains(out, "1 redriven") {
		t.Fatalf("run: exit %d: %s\n%s", code, errOut, out)
	}
	if n := raw.XLen(ctx, back).Val(); n != 1 {
		t.Fatalf("%d copies, want 1", n)
	}
	if p := raw.XPending(ctx, s, "g").Val(); p.Count != 0 {
		t.Fatalf("%d still pending", p.Count)
	}
	copies := raw.XRange(ctx, back, "-", "+").Val()
	for i := 0; i < fields; i++ {
		if v := copies[0].Values[fmt.Sprintf("f%d", i)]; v != fmt.Sprintf("v%d", i) {
			t.Fatalf("field f%d of the copy: %v", i, v)
		}
	}
}
