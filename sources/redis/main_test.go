package redis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// serverAddr is the Redis every test needs.
const serverAddr = "127.0.0.1:6379"

// startHint is how to start it.
const startHint = `redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(redriveChild())
	}
	goleak.VerifyTestMain(m)
}

// env is one test's server, keys and connection: every key it makes
// starts with prefix and is deleted when the test ends.
type env struct {
	t      testing.TB
	ctx    context.Context
	raw    *goredis.Client
	conn   *redis.Conn
	prefix string
	name   string
}

// newEnv checks the server is up (else the test fails saying how to start
// it) and opens a connection listing only the test's keys.
func newEnv(t testing.TB, o redis.Options) *env {
	t.Helper()
	raw := goredis.NewClient(&goredis.Options{Addr: serverAddr, Protocol: 2, DisableIdentity: true, MaxRetries: -1, DialTimeout: 2 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := raw.Ping(ctx).Err(); err != nil {
		_ = raw.Close()
		t.Fatalf("no Redis at %s (%v): start one with\n  %s", serverAddr, err, startHint)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "mqscope-test-" + hex.EncodeToString(b)
	e := &env{t: t, ctx: context.Background(), raw: raw, prefix: "mqscope-test:" + strings.ReplaceAll(t.Name(), "/", ".") + ":" + hex.EncodeToString(b) + ":", name: name}
	o.URL = "redis://" + serverAddr
	o.Match = e.prefix + "*"
	o.ClientName = name
	conn, err := redis.Dial(ctx, o)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	e.conn = conn
	t.Cleanup(func() {
		_ = conn.Close()
		e.deleteMatching(e.prefix + "*")
		e.deleteMatching("mqscope:redrive:" + e.prefix + "*")
		_ = raw.Close()
	})
	return e
}

// deleteMatching deletes every key matching pattern.
func (e *env) deleteMatching(pattern string) {
	var cursor uint64
	for {
		keys, next, err := e.raw.Scan(e.ctx, cursor, pattern, 1000).Result()
		if err != nil {
			e.t.Errorf("clean up %s: %v", pattern, err)
			return
		}
		if len(keys) > 0 {
			e.raw.Del(e.ctx, keys...)
		}
		if cursor = next; cursor == 0 {
			return
		}
	}
}

// key is a key of the test.
func (e *env) key(s string) string { return e.prefix + s }

// add XADDs an entry of pairs with an id ("*" for the server's).
func (e *env) add(stream, id string, pairs ...string) string {
	e.t.Helper()
	args := []any{"XADD", stream, id}
	for _, p := range pairs {
		args = append(args, p)
	}
	got, err := e.raw.Do(e.ctx, args...).Text()
	if err != nil {
		e.t.Fatalf("xadd %s: %v", stream, err)
	}
	return got
}

// fill adds n entries {value: "<i>"} pipelined and returns their ids.
func (e *env) fill(stream string, n int) []string {
	e.t.Helper()
	ids := make([]string, 0, n)
	for done := 0; done < n; {
		pipe := e.raw.Pipeline()
		cmds := make([]*goredis.StringCmd, 0, 1000)
		for i := done; i < min(n, done+1000); i++ {
			cmds = append(cmds, pipe.XAdd(e.ctx, &goredis.XAddArgs{Stream: stream, Values: []any{"value", fmt.Sprint(i), "seq", fmt.Sprint(i)}}))
		}
		if _, err := pipe.Exec(e.ctx); err != nil {
			e.t.Fatalf("fill %s: %v", stream, err)
		}
		for _, c := range cmds {
			ids = append(ids, c.Val())
		}
		done += len(cmds)
	}
	return ids
}

// deliver makes a group and delivers every entry of stream to consumer
// (XREADGROUP): all of them pending.
func (e *env) deliver(stream, group, consumer string) {
	e.t.Helper()
	if err := e.raw.XGroupCreateMkStream(e.ctx, stream, group, "0").Err(); err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		e.t.Fatalf("group: %v", err)
	}
	for {
		got, err := e.raw.XReadGroup(e.ctx, &goredis.XReadGroupArgs{Group: group, Consumer: consumer, Streams: []string{stream, ">"}, Count: 10000, Block: -1}).Result()
		if err == goredis.Nil || err == nil && len(got[0].Messages) == 0 {
			return
		}
		if err != nil {
			e.t.Fatalf("xreadgroup: %v", err)
		}
	}
}

// claim sets an entry's delivery count and idle time (XCLAIM RETRYCOUNT
// IDLE), as a consumer that failed it that often that long ago leaves it.
func (e *env) claim(stream, group, consumer, id string, deliveries int64, idle time.Duration) {
	e.t.Helper()
	if err := e.raw.Do(e.ctx, "XCLAIM", stream, group, consumer, 0, id, "IDLE", idle.Milliseconds(), "RETRYCOUNT", deliveries, "JUSTID").Err(); err != nil {
		e.t.Fatalf("xclaim: %v", err)
	}
}

// length is XLEN (0 for a key not there).
func (e *env) length(stream string) int64 {
	e.t.Helper()
	n, err := e.raw.XLen(e.ctx, stream).Result()
	if err != nil {
		e.t.Fatalf("xlen %s: %v", stream, err)
	}
	return n
}

// pendingCount is how many entries group holds pending.
func (e *env) pendingCount(stream, group string) int64 {
	e.t.Helper()
	p, err := e.raw.XPending(e.ctx, stream, group).Result()
	if err != nil {
		e.t.Fatalf("xpending: %v", err)
	}
	return p.Count
}

// read drains a read of name.
func (e *env) read(name string, opts sources.ReadOptions) []sources.Message {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	sub, err := e.conn.Read(ctx, name, opts)
	if err != nil {
		e.t.Fatalf("read %s: %v", name, err)
	}
	ms, err := sources.Drain(ctx, sub, 0)
	if err != nil {
		e.t.Fatalf("read %s: %v", name, err)
	}
	return ms
}

// values are the messages' values as strings.
func values(ms []sources.Message) []string {
	out := make([]string, len(ms))
	for i := range ms {
		out[i] = string(ms[i].Value)
	}
	return out
}
