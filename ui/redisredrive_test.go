package ui

import (
	"context"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// TestRedriveDialogNamesTheGroupsThatSeeCopies: a group's dead letters
// going back onto their own stream, which another group reads too: the
// dialog names that group, refuses, and offers another target.
func TestRedriveDialogNamesTheGroupsThatSeeCopies(t *testing.T) {
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	s := prefix + "orders"
	for i := 0; i < 2; i++ {
		if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: s, Values: []any{"value", "v"}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range []string{"g", "audit"} {
		if err := raw.XGroupCreate(ctx, s, g, "0").Err(); err != nil {
			t.Fatal(err)
		}
	}
	got, err := raw.XReadGroup(ctx, &goredis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{s, ">"}}).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range got[0].Messages {
		raw.Do(ctx, "XCLAIM", s, "g", "c", 0, m.ID, "RETRYCOUNT", 9, "JUSTID")
	}
	conn, err := redis.Dial(ctx, redis.Options{URL: testbroker.RedisURL(), Match: prefix + "*"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	view := redis.PendingName(s, "g")
	sub, err := conn.Read(ctx, view, sources.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := sources.Drain(ctx, sub, 0)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("%v %d", err, len(msgs))
	}
	d := newRedriveDialog(testCommon(140, 40), conn, 1, view, msgs, false)
	check := d.replan()
	d.targetsChecked(check().(redriveTargetsChecked))
	v := strings.Join(strings.Fields(strings.ReplaceAll(d.view(140, 40), "│", " ")), " ")
	for _, want := range []string{`is read by group "audit" too: they would see each copy as a new entry`, "--other-groups-see-copies", "t: choose a target"} {
		if !strings.Contains(v, want) {
			t.Errorf("the dialog does not say %q:\n%s", want, v)
		}
	}
	if cmd, _ := d.update(keyPress("y")); cmd != nil || d.state != redrivePlanned {
		t.Fatal("y started a run the other group would see")
	}
	if n := raw.XLen(ctx, s).Val(); n != 2 {
		t.Fatalf("%d entries", n)
	}
}

// TestRedisListShowsWholeIDsAndNoKey: the ID column is as wide as the
// widest entry id the list holds, so none is cut; an entry's missing key
// is ∅ alone in the list and the detail.
func TestRedisListShowsWholeIDsAndNoKey(t *testing.T) {
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	key := prefix + "events"
	ids := []string{"1733140000000-12", "1733140000001-123456", "1733140000002-0"}
	for _, id := range ids {
		if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: key, ID: id, Values: []any{"value", `{"n":1}`}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := redis.Dial(ctx, redis.Options{Name: "redis", URL: testbroker.RedisURL(), Match: prefix + "*"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	all, err := conn.ListStreams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var st sources.StreamInfo
	for _, s := range all {
		if s.Name == key {
			st = s
		}
	}
	c := testCommon(100, 20)
	p := newMessagesPage(c, conn, st)
	defer p.Close()
	p.start = sources.Start{Kind: sources.StartOldest}
	l := newLoop(p)
	l.until(t, p.Init(), func() bool { return p.buf.Len() == len(ids) })
	view := p.View(100, 20)
	for _, id := range ids {
		if !strings.Contains(view, " "+id+" ") {
			t.Errorf("the list cuts entry id %s:\n%s", id, view)
		}
	}
	if strings.Contains(view, "∅ null") || !strings.Contains(view, " ∅ ") {
		t.Errorf("a missing key is not ∅ alone:\n%s", view)
	}
	d := newDetailPage(c, *p.view.At(1), p.stepTo, p.fetcher())
	dv := d.View(100, 20)
	if strings.Contains(dv, "∅ null") || !strings.Contains(dv, "∅") || !strings.Contains(dv, ids[1]) {
		t.Errorf("the detail:\n%s", dv)
	}
}

// TestRedriveDialogSaysWhatWasSettledElsewhere: the summary names the
// dead letters not sent because someone else settled them meanwhile.
func TestRedriveDialogSaysWhatWasSettledElsewhere(t *testing.T) {
	d := newRedriveDialog(testCommon(120, 30), staticConn{}, 1, "orders#pending:g", orderMsgs(0, 2), false)
	d.replan()
	d.state = redriveDone
	d.res = replay.Result{Progress: replay.Progress{Done: 1, Skipped: 1}, SettledElsewhere: []replay.SettledElsewhere{{MessageID: "1733140000000-12", How: sources.SettledAcknowledged}}}
	if v := d.view(120, 30); !strings.Contains(v, "1733140000000-12: not sent: acknowledged in the group meanwhile") {
		t.Fatalf("the summary:\n%s", v)
	}
}
