package cmd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	goredis "github.com/redis/go-redis/v9"
)

// redisStream makes a stream of entries (each one value field) on the
// Redis of MQSCOPE_TEST_REDIS and a config naming a connection "r" that
// lists only it; both go when the test ends.
func redisStream(t *testing.T, values ...string) (cfgPath, stream string) {
	t.Helper()
	url := os.Getenv("MQSCOPE_TEST_REDIS")
	if url == "" {
		url = "redis://127.0.0.1:6379"
	}
	opts, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	raw := goredis.NewClient(opts)
	t.Cleanup(func() { _ = raw.Close() })
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "mqscope-test:" + t.Name() + ":" + hex.EncodeToString(b) + ":"
	stream = prefix + "events"
	ctx := context.Background()
	t.Cleanup(func() { raw.Del(context.Background(), stream) })
	for i, v := range values { // a second apart: entry IDs far from dense
		id := fmt.Sprintf("%d-0", 1_764_000_000_000+int64(i)*1000)
		if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: stream, ID: id, Values: []string{"value", v}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	cfg := fmt.Sprintf("connections:\n  r:\n    kind: redis\n    url: %s\n    match: %q\n", url, prefix+"*")
	cfgPath = filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfgPath, stream
}

// TestCheckRedisStreamIsOneEntity: a Redis stream's entries have no key:
// the stream as a whole is the entity, checked for order and gaps; a copy
// right after its first is a retry, adjacency counted in entries (entry
// IDs are no count of messages).
func TestCheckRedisStreamIsOneEntity(t *testing.T) {
	cfg, stream := redisStream(t, `{"seq":1}`, `{"seq":1}`, `{"seq":2}`, `{"seq":4}`, `{"seq":3}`, `{"seq":6}`)
	code, r, errOut := checkJSON(t, "--config", cfg, "-c", "r", "check", stream)
	if code != exitFindings || r.Scanned != 6 || r.NoEntity != 0 || r.ByFallback != 0 || r.Identity != "a hash of key and value" {
		t.Fatalf("exit %d, scanned %d, no entity %d, fallback %d (%s): %s", code, r.Scanned, r.NoEntity, r.ByFallback, r.Identity, errOut)
	}
	if d := r.Duplicates; d.Count != 1 || d.Retry != 1 {
		t.Fatalf("duplicates %+v", d)
	}
	if o := r.Ordering; o.Count != 1 || o.Examples[0].Detail != "seq 3 after 4" {
		t.Fatalf("ordering %+v", o)
	}
	if g := r.Gaps; g.Count != 1 || g.Examples[0].Ranges[0].From != 5 {
		t.Fatalf("gaps %+v", g)
	}
}
