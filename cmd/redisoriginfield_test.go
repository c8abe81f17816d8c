package cmd

import (
	"context"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/internal/testbroker"
)

// TestRedriveToTheOriginField: a Redis dead-letter stream's entry that
// names its stream in an origin field goes back there, not to the
// stream the dead-letter stream's name gives.
func TestRedriveToTheOriginField(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	dlq, payments := prefix+"orders.dlq", prefix+"payments"
	for _, s := range []string{payments, prefix + "orders"} {
		if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: s, Values: []any{"value", "live"}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: dlq, Values: []any{"value", "v", "origin", payments}}).Err(); err != nil {
		t.Fatal(err)
	}
	url := testbroker.RedisURL()
	code, out, errOut := run(t, "--redis", url, "redrive", dlq, "--dry-run")
	if code != 0 || !strings.Contains(out, payments) {
		t.Fatalf("dry run: exit %d: %s\n%s", code, errOut, out)
	}
	code, out, errOut = run(t, "--redis", url, "redrive", dlq, "--yes")
	if code != 0 || !strings.Contains(out, "1 redriven") {
		t.Fatalf("run: exit %d: %s\n%s", code, errOut, out)
	}
	if n, o := raw.XLen(ctx, payments).Val(), raw.XLen(ctx, prefix+"orders").Val(); n != 2 || o != 1 {
		t.Fatalf("payments %d entries, orders %d: the copy did not go to the origin field's stream", n, o)
	}
}
