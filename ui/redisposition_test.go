package ui

import (
	"context"
	"strconv"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// redisIDs are the entry ids the test stream holds, in order.
var redisIDs = []string{"1700000000000-0", "1700000000000-1", "1700000000001-0", "1700000000002-0", "1700000000002-7"}

// redisStream fills a stream of the test's own on the real Redis and
// returns a connection and the stream as the connection lists it.
func redisStream(t *testing.T) (*redis.Conn, sources.StreamInfo) {
	t.Helper()
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	key := prefix + "orders"
	for i, id := range redisIDs {
		if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: key, ID: id, Values: []any{"value", `{"order":` + strconv.Itoa(i) + `}`}}).Err(); err != nil {
			t.Fatalf("xadd %s: %v", id, err)
		}
	}
	conn, err := redis.Dial(ctx, redis.Options{Name: "redis", URL: testbroker.RedisURL(), Match: prefix + "*"})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	all, err := conn.ListStreams(ctx)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	for _, st := range all {
		if st.Name == key {
			return conn, st
		}
	}
	t.Fatalf("the listing has no %s: %+v", key, all)
	return nil, sources.StreamInfo{}
}

// TestRedisStreamShowsEntryIDs reads a Redis stream through the message
// list: the list, the detail and its crumb show entry ids, never the
// packed offsets, and a jump or a start takes an id.
func TestRedisStreamShowsEntryIDs(t *testing.T) {
	conn, st := redisStream(t)
	c := testCommon(120, 20)
	p := newMessagesPage(c, conn, st)
	defer p.Close()
	p.start = sources.Start{Kind: sources.StartOldest}
	l := newLoop(p)
	l.until(t, p.Init(), func() bool { return p.buf.Len() == len(redisIDs) })

	view := p.View(120, 20)
	for _, id := range redisIDs {
		if !strings.Contains(view, id) {
			t.Errorf("the list does not show entry id %s:\n%s", id, view)
		}
		packed, _ := redis.EntryIDs{}.Parse(id)
		if strings.Contains(view, strconv.FormatInt(packed, 10)) {
			t.Errorf("the list shows the packed offset %d of %s:\n%s", packed, id, view)
		}
	}
	if !strings.Contains(view, " ID ") {
		t.Errorf("the position column is not named ID:\n%s", view)
	}

	jump := func(spec string) string {
		t.Helper()
		p.openPrompt("jump", spec)
		cmd := p.Update(keyPress("enter"))
		if p.promptErr != "" {
			t.Fatalf("jump %q: %s", spec, p.promptErr)
		}
		if cmd == nil {
			t.Fatalf("jump %q said nothing", spec)
		}
		status, _ := cmd().(statusSet)
		return status.text
	}
	if status := jump("1700000000002-0"); p.view.At(p.cur.sel).ID != "1700000000002-0" || status != "jumped to id:1700000000002-0" {
		t.Fatalf("jump to 1700000000002-0 landed on %s (%q)", p.view.At(p.cur.sel).ID, status)
	}
	if jump("id:1700000000001"); p.view.At(p.cur.sel).ID != "1700000000001-0" {
		t.Fatalf("jump to id:1700000000001 landed on %s", p.view.At(p.cur.sel).ID)
	}
	if jump("1700000000000-1"); p.view.At(p.cur.sel).ID != "1700000000000-1" {
		t.Fatalf("jump to 1700000000000-1 landed on %s", p.view.At(p.cur.sel).ID)
	}
	p.openPrompt("jump", "not-an-id")
	p.Update(keyPress("enter"))
	if !strings.Contains(p.promptErr, "entry id") {
		t.Fatalf("a bad jump was answered with %q", p.promptErr)
	}
	p.Update(keyPress("esc"))

	d := newDetailPage(c, *p.view.At(p.cur.sel), p.stepTo, p.fetcher())
	d.listed = true // opened from the stream's list, whose crumb names the stream
	if crumb := d.Crumb(); crumb != "@1700000000000-1" {
		t.Fatalf("the detail's crumb is %q", crumb)
	}
	if dv := d.View(120, 20); !strings.Contains(dv, "id 1700000000000-1") {
		t.Fatalf("the detail does not name the entry id:\n%s", dv)
	}

	// A start at an id reads again from there.
	picker := newStartPicker(c, p.start, p.stream.Reading)
	chosen := picker.choose("id:1700000000002-0")
	if chosen == nil {
		t.Fatalf("the start picker refused an id: %s", picker.err)
	}
	l.until(t, p.Update(chosen()), func() bool { return p.buf.Len() == 2 })
	if first := p.view.At(0).ID; first != "1700000000002-0" {
		t.Fatalf("the read from id:1700000000002-0 starts at %s", first)
	}
	if info := p.infoLine(); !strings.Contains(info, "from id:1700000000002-0") {
		t.Fatalf("the info line does not say the start as an id: %s", info)
	}
}
