package testbroker

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// RedisURL is the Redis server the tests use (MQSCOPE_TEST_REDIS, else
// redis://127.0.0.1:6379; scripts/test starts it).
func RedisURL() string {
	if u := os.Getenv("MQSCOPE_TEST_REDIS"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379"
}

// RedisKeys is a Redis client and a key prefix of the test's own: every
// key under the prefix is deleted when the test ends. It fails the test
// saying how to start Redis when it is not up.
func RedisKeys(t testing.TB) (*goredis.Client, string) {
	t.Helper()
	o, err := goredis.ParseURL(RedisURL())
	if err != nil {
		t.Fatalf("MQSCOPE_TEST_REDIS: %v", err)
	}
	raw := goredis.NewClient(o)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := raw.Ping(ctx).Err(); err != nil {
		_ = raw.Close()
		t.Fatalf("no Redis at %s (%v): scripts/test starts one, or: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save \"\" --appendonly no", RedisURL(), err)
	}
	prefix := fmt.Sprintf("mqscope-test:%s:%d:", strings.ReplaceAll(t.Name(), "/", "."), rand.IntN(1e9))
	t.Cleanup(func() {
		DeleteRedisKeys(raw, prefix+"*")
		DeleteRedisKeys(raw, "mqscope:redrive:"+prefix+"*")
		_ = raw.Close()
	})
	return raw, prefix
}

// DeleteRedisKeys deletes every key matching pattern.
func DeleteRedisKeys(raw *goredis.Client, pattern string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var cursor uint64
	for {
		keys, next, err := raw.Scan(ctx, cursor, pattern, 1000).Result()
		if err != nil {
			return
		}
		if len(keys) > 0 {
			raw.Del(ctx, keys...)
		}
		if cursor = next; cursor == 0 {
			return
		}
	}
}

// RedisAdd appends entries (each its field/value pairs) to stream in
// order and returns their ids; it fails the test when one is refused.
func RedisAdd(t testing.TB, raw *goredis.Client, stream string, entries ...[]any) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ids := make([]string, len(entries))
	for i, e := range entries {
		id, err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: stream, Values: e}).Result()
		if err != nil {
			t.Fatalf("XADD %s: %v", stream, err)
		}
		ids[i] = id
	}
	return ids
}
