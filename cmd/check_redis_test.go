package cmd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/health"
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

// TestCheckRedisGapsAgree: seq 1,2,4,3,3,7,100000000 on a Redis stream
// misses 5-6 (2 numbers) and jumps once over 8-99999999: the summary, the
// detail, the entity table and --json all count the 2 missing numbers as
// gaps and the jump apart, never among the missing ranges.
func TestCheckRedisGapsAgree(t *testing.T) {
	cfg, stream := redisStream(t, `{"seq":1}`, `{"seq":2}`, `{"seq":4}`, `{"seq":3}`, `{"seq":3}`, `{"seq":7}`, `{"seq":100000000}`)
	code, out, errOut := run(t, "--config", cfg, "-c", "r", "check", stream)
	if code != exitFindings {
		t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
	}
	for _, re := range []string{
		`(?m)^gaps +2 +sequence numbers missing over 1 entities \(jumps not among them\)$`,
		`(?m)^suspicious jumps +1 +holes of more than 1,000,000 numbers`,
		`(?m)^  \(the whole stream\)  missing 2: 5-6; 1 suspicious jump: 8-99999999 \(seen 1 to 100000000`,
		`(?m)^  ENTITY +DUPLICATES +ORDERING +GAPS +JUMPS +SPLIT$`,
		`(?m)^  \(the whole stream\) +1 +1 +2 +1 *$`,
		`(?m)^5 findings \(exit status 3\)$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("no %s", re)
		}
	}
	if t.Failed() {
		t.Fatalf("\n%s", out)
	}
	_, r, _ := checkJSON(t, "--config", cfg, "-c", "r", "check", stream)
	g := r.Gaps
	if g.Count != 2 || g.Jumps != 1 || len(g.Examples) != 1 || g.Examples[0].Missing != 2 || g.Examples[0].RangesTotal != 1 ||
		len(g.Examples[0].Ranges) != 1 || g.Examples[0].Ranges[0] != (health.Range{From: 5, To: 6}) ||
		len(g.Examples[0].JumpRanges) != 1 || g.Examples[0].JumpRanges[0] != (health.Range{From: 8, To: 99999999}) {
		t.Fatalf("gaps %+v", g)
	}
	if len(r.Offenders) != 1 || r.Offenders[0].Gaps != 2 || r.Offenders[0].Jumps != 1 || r.Total != 5 {
		t.Fatalf("offenders %+v, total %d", r.Offenders, r.Total)
	}
}
