package redis_test

import (
	"context"
	"errors"
	"testing"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// TestRedriveStoppedReportsEveryWrite: a run stopped while script calls
// are under way (cancelled from its report, after the first 1000
// outcomes) still reads the answers of the calls it sent and reports
// them: the outcomes reported are the copies in the target, the ids in
// the marker set and the entries gone from the dead-letter stream.
func TestRedriveStoppedReportsEveryWrite(t *testing.T) {
	e := newEnv(t, redis.Options{})
	src, target := e.key("orders.dlq"), e.key("orders")
	const n = 20000
	e.fill(src, n)
	ms := e.read(src, sources.ReadOptions{})
	id := e.prefix + "stop"
	req := sources.RedriveRequest{ID: id, Source: src, Items: items(ms, target, id, true)}
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	tl := newTally()
	err := e.conn.Redrive(ctx, req, func(o sources.RedriveOutcome) {
		tl.report(o)
		if tl.count() == 1000 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a stopped run ended with %v, want context.Canceled", err)
	}
	if tl.failed != 0 || tl.done != 0 {
		t.Fatalf("%d failed, %d already done: %v", tl.failed, tl.done, tl.errs)
	}
	if tl.written < 1000 || tl.written >= n {
		t.Fatalf("%d written of %d: the stop came at 1000", tl.written, n)
	}
	copies, marked, left := e.length(target), e.raw.SCard(e.ctx, redis.MarkerKey(id, src)).Val(), e.length(src)
	if int64(tl.written) != copies || copies != marked || copies != n-left {
		t.Fatalf("%d reported written, %d copies in the target, %d in the marker set, %d gone from the DLQ", tl.written, copies, marked, n-left)
	}
	// The rest, run again: nothing twice, nothing lost.
	again := newTally()
	if err := e.conn.Redrive(e.ctx, sources.RedriveRequest{ID: id, Source: src, Items: tl.unsettled(req.Items)}, again.report); err != nil {
		t.Fatal(err)
	}
	if again.written != n-tl.written || again.done != 0 || again.failed != 0 {
		t.Fatalf("run again: %d written, %d done, %d failed; want %d written", again.written, again.done, again.failed, n-tl.written)
	}
	e.checkCopies(target, n)
}

// TestRedriveLostAnswersInDoubt: a run whose connection is killed while
// calls are under way cannot know what those calls did: it ends with an
// *InDoubtError naming their items, reports none of them, and the copies
// in the target are the reported ones and at most the ones in doubt.
func TestRedriveLostAnswersInDoubt(t *testing.T) {
	e := newEnv(t, redis.Options{})
	src, target := e.key("orders.dlq"), e.key("orders")
	const n = 20000
	e.fill(src, n)
	ms := e.read(src, sources.ReadOptions{})
	id := e.prefix + "doubt"
	req := sources.RedriveRequest{ID: id, Source: src, Items: items(ms, target, id, true)}
	tl := newTally()
	killed := 0
	err := e.conn.Redrive(e.ctx, req, func(o sources.RedriveOutcome) {
		tl.report(o)
		if tl.count() == 1000 {
			killed = e.killClients(e.name)
		}
	})
	var d *redis.InDoubtError
	if !errors.As(err, &d) || killed == 0 {
		t.Fatalf("a run whose connection was killed (%d) ended with %v, want an *InDoubtError", killed, err)
	}
	if len(d.Items) == 0 {
		t.Fatal("in doubt, with no items")
	}
	for _, i := range d.Items {
		if tl.settled[i] {
			t.Fatalf("item %d is reported and in doubt", i)
		}
	}
	copies, marked, left := e.length(target), e.raw.SCard(e.ctx, redis.MarkerKey(id, src)).Val(), e.length(src)
	if copies != marked || copies != n-left || copies < int64(tl.written) || copies > int64(tl.written+len(d.Items)) {
		t.Fatalf("%d reported written, %d in doubt; %d copies, %d marked, %d gone from the DLQ", tl.written, len(d.Items), copies, marked, n-left)
	}
	// Run again, the in-doubt items among the rest: each is written once.
	again := newTally()
	if err := e.conn.Redrive(e.ctx, sources.RedriveRequest{ID: id, Source: src, Items: tl.unsettled(req.Items)}, again.report); err != nil {
		t.Fatal(err)
	}
	if again.written+again.done != n-tl.written || again.failed != 0 {
		t.Fatalf("run again: %+v", again)
	}
	e.checkCopies(target, n)
}
