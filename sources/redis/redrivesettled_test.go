package redis_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// TestRedriveMarkerNextToItsStream: a run's marker set is named
// "<stream>#mqscope-redrive:<id>"; a run of the same id finds there what
// it moved, and a marker set of the older name left by an earlier version
// is read too, so each entry has exactly one copy however often the run
// goes.
func TestRedriveMarkerNextToItsStream(t *testing.T) {
	e := newEnv(t, redis.Options{})
	src, target := e.key("orders.dlq"), e.key("orders")
	e.fill(src, 60)
	ms := e.read(src, sources.ReadOptions{})
	id := e.prefix + "keep"
	if got, want := redis.MarkerKey(id, src), src+"#mqscope-redrive:"+id; got != want {
		t.Fatalf("marker %q, want %q", got, want)
	}
	// An earlier version's run copied the first 20 and was stopped; its
	// copies are there, its marker set has the old name.
	legacy := "mqscope:redrive:" + id + ":" + src
	t.Cleanup(func() { e.raw.Del(e.ctx, legacy) })
	old := items(ms[:20], target, id, false)
	for i := range old {
		if err := e.raw.SAdd(e.ctx, legacy, ms[i].ID).Err(); err != nil {
			t.Fatal(err)
		}
		args := []any{"XADD", target, "*"}
		for _, h := range old[i].Headers {
			args = append(args, h.Key, h.Value)
		}
		if err := e.raw.Do(e.ctx, append(args, "value", ms[i].Value)...).Err(); err != nil {
			t.Fatal(err)
		}
	}
	req := sources.RedriveRequest{ID: id, Source: src, Items: items(ms, target, id, false)}
	for run := 0; run < 2; run++ {
		tl := newTally()
		if err := e.conn.Redrive(e.ctx, req, tl.report); err != nil {
			t.Fatal(err)
		}
		if want := [2]int{40, 0}[run]; tl.written != want || tl.done != 60-want || tl.failed != 0 {
			t.Fatalf("run %d: %+v", run, tl)
		}
	}
	e.checkCopies(target, 60)
	n, err := e.raw.SCard(e.ctx, redis.MarkerKey(id, src)).Result()
	if err != nil || n != 40 {
		t.Fatalf("the marker holds %d ids (%v), want the 40 this version copied", n, err)
	}
	if n, _ := e.raw.SCard(e.ctx, legacy).Result(); n != 20 {
		t.Fatalf("the old marker was written: %d ids", n)
	}
	// A group's pending entries are marked under their stream's key.
	s := e.key("payments")
	dead := e.deadLetters(s, 5)
	pid := e.prefix + "pending"
	tl := newTally()
	if err := e.conn.Redrive(e.ctx, sources.RedriveRequest{ID: pid, Source: redis.PendingName(s, "g"), Items: items(dead, e.key("payments-retry"), pid, true)}, tl.report); err != nil || tl.written != 5 {
		t.Fatalf("%v %+v", err, tl)
	}
	keys, err := e.raw.Keys(e.ctx, s+"#*").Result()
	if err != nil || !slices.Equal(keys, []string{redis.MarkerKey(pid, s)}) {
		t.Fatalf("keys next to the stream: %v %v", keys, err)
	}
}

// TestRedriveSettledElsewhere: a dead letter its consumer acknowledged,
// or an entry deleted from the stream, between the plan and the run is
// not copied, and is told apart from what the run (or an earlier one of
// its id) moved.
func TestRedriveSettledElsewhere(t *testing.T) {
	e := newEnv(t, redis.Options{})
	s, target := e.key("orders"), e.key("orders-retry")
	ms := e.deadLetters(s, 10)
	id := e.prefix + "meanwhile"
	req := sources.RedriveRequest{ID: id, Source: redis.PendingName(s, "g"), Items: items(ms, target, id, true)}
	if err := e.raw.XAck(e.ctx, s, "g", ms[1].ID, ms[2].ID, ms[3].ID).Err(); err != nil { // its consumer got them done at last
		t.Fatal(err)
	}
	if err := e.raw.XDel(e.ctx, s, ms[5].ID, ms[6].ID).Err(); err != nil { // deleted while pending
		t.Fatal(err)
	}
	for run := 0; run < 2; run++ {
		got := map[int]sources.RedriveOutcome{}
		if err := e.conn.Redrive(e.ctx, req, func(o sources.RedriveOutcome) { got[o.Item] = o }); err != nil {
			t.Fatal(err)
		}
		for i := range ms {
			want, how := sources.RedriveWritten, sources.SettledNot
			switch {
			case i >= 1 && i <= 3:
				want, how = sources.RedriveSettledElsewhere, sources.SettledAcknowledged
			case i == 5 || i == 6:
				want, how = sources.RedriveSettledElsewhere, sources.SettledDeleted
			case run == 1:
				want = sources.RedriveAlreadyDone
			}
			if o := got[i]; o.Result != want || o.Settled != how {
				t.Errorf("run %d item %d: %+v, want %v %v", run, i, o, want, how)
			}
		}
	}
	if got := sources.SettledAcknowledged.String(); got != "acknowledged in the group meanwhile" {
		t.Errorf("%q", got)
	}
	copies := e.read(target, sources.ReadOptions{})
	var seqs []string
	for _, c := range copies {
		v, _ := c.Header("seq")
		seqs = append(seqs, string(v))
	}
	if !slices.Equal(seqs, []string{"0", "4", "7", "8", "9"}) {
		t.Fatalf("copies of %v", seqs)
	}
	if p := e.pendingCount(s, "g"); p != 2 { // the deleted ones, left for a person to acknowledge
		t.Fatalf("%d pending", p)
	}

	// A stream that gives its entries up: one deleted meanwhile is no copy.
	dlq := e.key("orders.dlq")
	e.fill(dlq, 4)
	dl := e.read(dlq, sources.ReadOptions{})
	if err := e.raw.XDel(e.ctx, dlq, dl[2].ID).Err(); err != nil {
		t.Fatal(err)
	}
	got := map[int]sources.RedriveOutcome{}
	mid := e.prefix + "move"
	if err := e.conn.Redrive(e.ctx, sources.RedriveRequest{ID: mid, Source: dlq, Items: items(dl, target, mid, true)}, func(o sources.RedriveOutcome) { got[o.Item] = o }); err != nil {
		t.Fatal(err)
	}
	if got[2].Result != sources.RedriveSettledElsewhere || got[2].Settled != sources.SettledDeleted || got[0].Result != sources.RedriveWritten || got[3].Result != sources.RedriveWritten {
		t.Fatalf("%+v", got)
	}
}

// TestTargetFacts: a group's dead letters written back onto their stream
// are seen by the stream's other groups, named; a stream not there is
// missing; a target of another type is refused.
func TestTargetFacts(t *testing.T) {
	e := newEnv(t, redis.Options{})
	s := e.key("orders")
	e.deadLetters(s, 2)
	for _, g := range []string{"shipping", "audit"} {
		if err := e.raw.XGroupCreate(e.ctx, s, g, "0").Err(); err != nil {
			t.Fatal(err)
		}
	}
	view := redis.PendingName(s, "g")
	f, err := e.conn.TargetFacts(e.ctx, view, sources.Target{Stream: s})
	if err != nil || f.Missing || !slices.Equal(f.SeenBy, []string{"audit", "shipping"}) {
		t.Fatalf("back onto its stream: %+v %v", f, err)
	}
	if f, err := e.conn.TargetFacts(e.ctx, view, sources.Target{Stream: e.key("retry")}); err != nil || !f.Missing || f.SeenBy != nil {
		t.Fatalf("a new stream: %+v %v", f, err)
	}
	if f, err := e.conn.TargetFacts(e.ctx, s, sources.Target{Stream: s}); err != nil || f.SeenBy != nil {
		t.Fatalf("a stream's own entries: %+v %v", f, err)
	}
	if err := e.raw.Set(e.ctx, e.key("str"), "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.conn.TargetFacts(e.ctx, view, sources.Target{Stream: e.key("str")}); err == nil || !strings.Contains(err.Error(), "not a stream") {
		t.Fatalf("a string key: %v", err)
	}
}
