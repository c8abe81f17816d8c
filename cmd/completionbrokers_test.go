package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/config"
	"github.com/mqscope/mqscope/internal/testbroker"
)

// TestCompletionOnNATSAndRedis: a stream argument completes with the
// streams of a NATS and of a Redis connection, and --connection with
// the example config's NATS and Redis connections.
func TestCompletionOnNATSAndRedis(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(cfg, []byte(config.Example(drivers())), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runIn(t, "", "--config", cfg, "__complete", "-c", ""); code != 0 || !strings.Contains(out, "events\n") || !strings.Contains(out, "cache\n") {
		t.Fatalf("connection names:\n%s", out)
	}

	names, _ := natsDemo(t)
	prefix := strings.TrimSuffix(names.Orders, "orders")
	code, out, _ := runIn(t, "", "--nats", testNATSURL(), "__complete", "tail", prefix)
	if code != 0 || !strings.Contains(out, names.Orders+"\n") || !strings.Contains(out, names.DeadLetters+"\n") {
		t.Fatalf("NATS stream names for %q:\n%s", prefix, out)
	}

	raw, keys := testbroker.RedisKeys(t)
	for _, k := range []string{"orders", "orders:dlq"} {
		if err := raw.XAdd(context.Background(), &goredis.XAddArgs{Stream: keys + k, Values: []any{"value", "{}"}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := raw.Set(context.Background(), keys+"not-a-stream", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runIn(t, "", "--redis", testbroker.RedisURL(), "__complete", "tail", keys)
	if code != 0 || !strings.Contains(out, keys+"orders\n") || !strings.Contains(out, keys+"orders:dlq\n") || strings.Contains(out, "not-a-stream") {
		t.Fatalf("Redis stream names for %q:\n%s", keys, out)
	}
}
