package redis_test

import (
	"context"
	"errors"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// TestTailSaysAStreamWasDeleted: a tail of a stream deleted under it says
// so, and when the stream comes back (with ids below the last one read)
// says that too and reads it from its start; deleted and created again
// at once (DEL and XADD in one MULTI), it says both.
func TestTailSaysAStreamWasDeleted(t *testing.T) {
	e := newEnv(t, redis.Options{})
	s := e.key("tailed")
	for _, id := range []string{"1000-1", "1000-2", "1000-3"} {
		e.add(s, id, "value", id)
	}
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	sub, err := e.conn.Read(ctx, s, sources.ReadOptions{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var ids []string
	var notices []*sources.StreamGoneNotice
	// until reads on until want says it has what it waits for.
	until := func(want func() bool) {
		t.Helper()
		for !want() {
			b, err := sub.Next(ctx, 100)
			for _, m := range b {
				ids = append(ids, m.ID)
			}
			var n *sources.StreamGoneNotice
			switch {
			case errors.As(err, &n):
				if !errors.Is(err, sources.ErrNotice) || n.Stream != s {
					t.Fatalf("notice %v", err)
				}
				notices = append(notices, n)
			case err != nil:
				t.Fatalf("tail: %v (read %v, notices %v)", err, ids, notices)
			}
		}
	}
	seen := func(messages, notes int) func() bool {
		return func() bool { return len(ids) >= messages && len(notices) >= notes }
	}
	until(seen(3, 0))

	if err := e.raw.Del(e.ctx, s).Err(); err != nil {
		t.Fatal(err)
	}
	until(seen(3, 1))
	if len(notices) != 1 || notices[0].Back || len(ids) != 3 {
		t.Fatalf("after DEL: notices %v, read %v", notices, ids)
	}
	e.add(s, "500-1", "value", "500-1")
	until(seen(4, 2))
	if len(notices) != 2 || !notices[1].Back || len(ids) != 4 || ids[3] != "500-1" {
		t.Fatalf("back: notices %v, read %v", notices, ids)
	}

	if _, err := e.raw.TxPipelined(e.ctx, func(p goredis.Pipeliner) error {
		p.Del(e.ctx, s)
		p.XAdd(e.ctx, &goredis.XAddArgs{Stream: s, ID: "400-1", Values: []any{"value", "400-1"}})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	until(seen(5, 4))
	if len(notices) != 4 || notices[2].Back || !notices[3].Back || len(ids) != 5 || ids[4] != "400-1" {
		t.Fatalf("DEL and XADD at once: notices %v, read %v", notices, ids)
	}
}
