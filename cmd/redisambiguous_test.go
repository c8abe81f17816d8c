package cmd

import (
	"context"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources/redis"
)

// TestRedriveNameOfAKeyAndAView: a redrive of "S#pending:G" while a stream
// key of that name exists and stream S has group G is refused naming both
// and how to address each, nothing written; the view's own name redrives
// the group's dead letters.
func TestRedriveNameOfAKeyAndAView(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	s, back := prefix+"orders", prefix+"back"
	view := redis.PendingName(s, "g")
	for _, k := range []string{s, view} {
		if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: k, Values: []any{"value", "v"}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := raw.XGroupCreate(ctx, s, "g", "0").Err(); err != nil {
		t.Fatal(err)
	}
	got, err := raw.XReadGroup(ctx, &goredis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{s, ">"}}).Result()
	if err != nil {
		t.Fatal(err)
	}
	raw.Do(ctx, "XCLAIM", s, "g", "c", 0, got[0].Messages[0].ID, "RETRYCOUNT", 9, "JUSTID")
	url := testbroker.RedisURL()
	code, out, errOut := run(t, "--redis", url, "redrive", view, "--to", back, "--yes")
	if code == 0 || !strings.Contains(errOut, redis.KeyName(view)) || !strings.Contains(errOut, redis.ViewName(s, "g")) {
		t.Fatalf("the plain name: exit %d: %s\n%s", code, errOut, out)
	}
	if raw.Exists(ctx, back).Val() != 0 || raw.XLen(ctx, view).Val() != 1 {
		t.Fatal("a refused run wrote")
	}
	code, out, errOut = run(t, "--redis", url, "redrive", redis.ViewName(s, "g"), "--to", back, "--yes")
	if code != 0 || !strings.Contains(out, "1 redriven") || raw.XLen(ctx, back).Val() != 1 || raw.XPending(ctx, s, "g").Val().Count != 0 {
		t.Fatalf("the view's name: exit %d: %s\n%s", code, errOut, out)
	}
}
