package redis_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// TestCheckSourceRefusesAPlainStream: a stream with no dead-letter name is
// no redrive source (a redrive would delete its entries): CheckSource
// says so, naming its groups' dead-letter views, and a Redrive that
// removes from it is refused whole: no copy written, the stream and its
// group's pending list untouched. A group's pending view and the streams
// named as DLQs are sources.
func TestCheckSourceRefusesAPlainStream(t *testing.T) {
	e := newEnv(t, redis.Options{})
	live, target := e.key("live"), e.key("liveout")
	e.fill(live, 5)
	e.deliver(live, "app", "c1")
	ms := e.read(live, sources.ReadOptions{})
	if len(ms) != 5 {
		t.Fatalf("read %d entries of 5", len(ms))
	}
	err := e.conn.CheckSource(e.ctx, live)
	if !errors.Is(err, sources.ErrNotDeadLetters) || !strings.Contains(err.Error(), redis.PendingName(live, "app")) {
		t.Fatalf("CheckSource of a plain stream: %v", err)
	}
	tl := newTally()
	err = e.conn.Redrive(e.ctx, sources.RedriveRequest{ID: e.prefix + "live", Source: live, Items: items(ms, target, e.prefix+"live", true)}, tl.report)
	if !errors.Is(err, sources.ErrNotDeadLetters) || !strings.Contains(err.Error(), "nothing written") {
		t.Fatalf("Redrive of a plain stream: %v", err)
	}
	if tl.written+tl.done+tl.failed != 0 || len(tl.settled) != 0 {
		t.Fatalf("a refused redrive reported outcomes: %+v", tl)
	}
	if n, err := e.raw.Exists(e.ctx, target, redis.MarkerKey(e.prefix+"live", live)).Result(); err != nil || n != 0 {
		t.Fatalf("a refused redrive wrote %d keys (%v)", n, err)
	}
	if e.length(live) != 5 || e.pendingCount(live, "app") != 5 {
		t.Fatalf("a refused redrive touched the source: %d entries, %d pending", e.length(live), e.pendingCount(live, "app"))
	}

	e.deadLetters(e.key("orders"), 3)
	for _, name := range []string{redis.PendingName(e.key("orders"), "g"), e.key("orders.dlq"), e.key("orders-dlq"), e.key("orders:dlq"), e.key("orders.DLT")} {
		e.fill(strings.TrimSuffix(name, redis.PendingMarker+"g"), 1)
		if err := e.conn.CheckSource(e.ctx, name); err != nil {
			t.Errorf("CheckSource of %s: %v", name, err)
		}
	}
	if err := e.conn.CheckSource(e.ctx, e.key("missing")); err == nil || errors.Is(err, sources.ErrNotDeadLetters) || !errors.Is(err, sources.ErrUnknownStream) {
		t.Fatalf("CheckSource of a stream that does not exist: %v", err)
	}
}
