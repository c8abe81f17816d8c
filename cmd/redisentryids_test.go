package cmd

import (
	"context"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/internal/testbroker"
)

// TestRedisEntryIDsInRedriveAndDiff: a Redis dead letter is named by its
// entry id in the x-mqscope-redrive-position of its copy; diff finds
// entries by their ids (bare or id:), and a copy's dead letter by the id
// its provenance names, saying that id when the dead letter is gone.
func TestRedisEntryIDsInRedriveAndDiff(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	dlq, to, url := prefix+"held.dlq", prefix+"retry", testbroker.RedisURL()
	dead, err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: dlq, Values: []any{"value", "one"}}).Result()
	if err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := run(t, "--redis", url, "redrive", dlq, "--to", to, "--yes", "--id", "rd-e"); code != 0 {
		t.Fatalf("redrive: %d %s %s", code, out, errOut)
	}
	copies, err := raw.XRange(ctx, to, "-", "+").Result()
	if err != nil || len(copies) != 1 || copies[0].Values["x-mqscope-redrive-position"] != dead {
		t.Fatalf("copies %v (%v): want one naming %s", copies, err, dead)
	}
	code, out, errOut := run(t, "--redis", url, "diff", to, copies[0].ID)
	if code == 0 || !strings.Contains(errOut, dlq+" #"+dead+": no longer on the broker") {
		t.Fatalf("diff of the copy: %d %s %s", code, out, errOut)
	}
	second, err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: to, Values: []any{"value", "two"}}).Result()
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut = run(t, "--redis", url, "diff", to, "id:"+copies[0].ID, to, second)
	if code != 0 || !strings.Contains(out, "#"+copies[0].ID) || !strings.Contains(out, "#"+second) {
		t.Fatalf("diff by entry ids: %d %s %s", code, out, errOut)
	}
}
