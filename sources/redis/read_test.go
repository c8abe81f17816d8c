package redis_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

func TestListStreamsGroupsAndDeadLetters(t *testing.T) {
	e := newEnv(t, redis.Options{MaxDeliveries: 3, MaxIdle: -1})
	orders, dead, plain := e.key("orders"), e.key("orders:dlq"), e.key("not-a-stream")
	ids := e.fill(orders, 5)
	e.add(dead, "*", "value", "poison")
	if err := e.raw.Set(e.ctx, plain, "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	e.deliver(orders, "billing", "worker-1")
	e.claim(orders, "billing", "worker-2", ids[1], 7, time.Second)
	if err := e.raw.XGroupCreate(e.ctx, orders, "audit", "$").Err(); err != nil {
		t.Fatal(err)
	}

	list, err := e.conn.ListStreams(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]sources.StreamInfo{}
	for _, s := range list {
		byName[s.Name] = s
	}
	if len(list) != 3 {
		t.Fatalf("want orders, its dead letters of billing and orders:dlq, got %+v", list)
	}
	o := byName[orders]
	first, _ := redis.ParseID(ids[0])
	last, _ := redis.ParseID(ids[4])
	if o.Kind != redis.KindStream || o.Messages != 5 || o.High != 5 || o.DeadLetter || o.Consumers != 2 ||
		len(o.Partitions) != 1 || o.Partitions[0].ID != sources.NoPartition || o.Partitions[0].Low != first.Offset() || o.Partitions[0].High != last.Offset()+1 {
		t.Fatalf("orders: %+v", o)
	}
	info := map[string]string{}
	for _, p := range o.Info {
		info[p.Name] = p.Value
	}
	if !strings.HasPrefix(info["first"], ids[0]+" (") || !strings.HasPrefix(info["last"], ids[4]+" (") ||
		!strings.HasPrefix(info["group billing"], "2 consumers, 5 pending, lag 0") || !strings.HasPrefix(info["group audit"], "0 consumers, 0 pending") {
		t.Fatalf("orders info: %v", info)
	}
	d := byName[dead]
	if !d.DeadLetter || d.DeadLetterFor != orders || d.Messages != 1 {
		t.Fatalf("orders:dlq: %+v", d)
	}
	p := byName[redis.PendingName(orders, "billing")]
	if p.Kind != redis.KindPending || !p.DeadLetter || p.DeadLetterFor != orders || p.Messages != 1 || p.Consumers != 2 {
		t.Fatalf("billing's dead letters: %+v", p)
	}
	if _, ok := byName[redis.PendingName(orders, "audit")]; ok {
		t.Fatal("a group with nothing pending listed with dead letters")
	}

	groups, err := e.conn.ListGroups(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 2 || groups[0].Name != redis.GroupName(orders, "audit") || groups[1].Name != redis.GroupName(orders, "billing") || groups[1].Members != 2 ||
		groups[1].State != "5 pending" || !slices.Equal(groups[1].Topics, []string{orders}) {
		t.Fatalf("groups: %+v", groups)
	}
	gd, err := e.conn.DescribeGroup(e.ctx, "billing")
	if err != nil {
		t.Fatal(err)
	}
	if len(gd.Offsets) != 1 || gd.Offsets[0].Committed != last.Offset() || gd.Offsets[0].Lag != 0 ||
		!strings.Contains(gd.Offsets[0].Member, "worker-1 (4 pending") || !strings.Contains(gd.Offsets[0].Member, "worker-2 (1 pending") {
		t.Fatalf("billing: %+v", gd)
	}
	if _, err := e.conn.DescribeGroup(e.ctx, "nobody"); !errors.Is(err, sources.ErrUnknownStream) {
		t.Fatalf("unknown group: %v", err)
	}
}

func TestListStopsWhenCancelled(t *testing.T) {
	e := newEnv(t, redis.Options{})
	e.fill(e.key("s"), 1)
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	if _, err := e.conn.ListStreams(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled listing: %v", err)
	}
}

func TestReadByIDAndTime(t *testing.T) {
	e := newEnv(t, redis.Options{})
	s := e.key("s")
	for _, id := range []string{"1000-0", "1000-1", "2000-0", "3000-0", "3000-7"} {
		e.add(s, id, "value", id)
	}
	at := func(id string) int64 { x, _ := redis.ParseID(id); return x.Offset() }

	all := e.read(s, sources.ReadOptions{})
	if got := values(all); !slices.Equal(got, []string{"1000-0", "1000-1", "2000-0", "3000-0", "3000-7"}) {
		t.Fatalf("oldest: %v", got)
	}
	for i := range all {
		m := &all[i]
		if m.ID != string(m.Value) || m.Partition != sources.NoPartition || m.Offset != at(m.ID) || redis.OffsetID(m.Offset).String() != m.ID {
			t.Fatalf("message %d: %+v", i, m)
		}
	}
	if !all[2].Timestamp.Equal(time.UnixMilli(2000)) {
		t.Fatalf("time %v", all[2].Timestamp)
	}

	got := values(e.read(s, sources.ReadOptions{Start: sources.Start{Kind: sources.StartOffset, Offset: at("1000-1")}, End: &sources.Start{Kind: sources.StartOffset, Offset: at("3000-0")}}))
	if !slices.Equal(got, []string{"1000-1", "2000-0", "3000-0"}) {
		t.Fatalf("offset 1000-1 to 3000-0: %v", got)
	}
	got = values(e.read(s, sources.ReadOptions{Start: sources.Start{Kind: sources.StartTime, Time: time.UnixMilli(1500)}, End: &sources.Start{Kind: sources.StartTime, Time: time.UnixMilli(3000)}}))
	if !slices.Equal(got, []string{"2000-0", "3000-0", "3000-7"}) {
		t.Fatalf("time 1.5s to 3s: %v", got)
	}
	got = values(e.read(s, sources.ReadOptions{Start: sources.Start{Kind: sources.StartLastN, N: 2}}))
	if !slices.Equal(got, []string{"3000-0", "3000-7"}) {
		t.Fatalf("last 2: %v", got)
	}
	if got := e.read(s, sources.ReadOptions{Start: sources.Start{Kind: sources.StartNewest}}); len(got) != 0 {
		t.Fatalf("newest, bounded: %v", values(got))
	}

	m, err := sources.FetchAt(e.ctx, e.conn, s, sources.NoPartition, at("2000-0"))
	if err != nil || m.ID != "2000-0" {
		t.Fatalf("fetch 2000-0: %v %+v", err, m)
	}
	if _, err := sources.FetchAt(e.ctx, e.conn, s, sources.NoPartition, at("2500-0")); !errors.Is(err, sources.ErrGone) {
		t.Fatalf("fetch a deleted id: %v", err)
	}
	if _, err := e.conn.Read(e.ctx, e.key("nothing"), sources.ReadOptions{}); !errors.Is(err, sources.ErrUnknownStream) {
		t.Fatalf("read a missing key: %v", err)
	}
}

func TestEntryMapping(t *testing.T) {
	e := newEnv(t, redis.Options{})
	s := e.key("s")
	bin := string([]byte{0xff, 0x00, 0xfe})
	e.add(s, "1-0", "type", "order", "payload", bin, "trace", "t1")
	e.add(s, "2-0", "id", "7", "amount", "12.5", "id", "8")
	e.add(s, "3-0", "value", "a", "body", "b")
	ms := e.read(s, sources.ReadOptions{})
	if len(ms) != 3 {
		t.Fatalf("%d messages", len(ms))
	}
	if string(ms[0].Value) != bin || len(ms[0].Headers) != 2 || ms[0].Headers[0].Key != "type" || ms[0].Headers[1].Key != "trace" {
		t.Fatalf("payload field: %+v", ms[0])
	}
	if got := string(ms[1].Value); got != `{"id":"7","amount":"12.5","id":"8"}` || len(ms[1].Headers) != 3 || string(ms[1].Headers[2].Value) != "8" {
		t.Fatalf("whole entry: %s %+v", got, ms[1].Headers)
	}
	if got := string(ms[2].Value); got != `{"value":"a","body":"b"}` {
		t.Fatalf("two value fields: %s", got)
	}
	pairs, err := redis.PairsFromJSON(redis.EntryJSON([]redis.Field{{Name: "k", Value: []byte(bin)}, {Name: "k", Value: []byte("x")}}))
	if err != nil || len(pairs) != 2 || string(pairs[0].Value) != bin || string(pairs[1].Value) != "x" {
		t.Fatalf("pairs back: %v %+v", err, pairs)
	}
}

func TestBoundedReadEndsAtTheStartEnd(t *testing.T) {
	e := newEnv(t, redis.Options{})
	s := e.key("s")
	e.fill(s, 2500)
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	sub, err := e.conn.Read(ctx, s, sources.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	e.fill(s, 10) // written after the read started: not in it
	n := 0
	for {
		batch, err := sub.Next(ctx, 700)
		n += len(batch)
		if errors.Is(err, sources.ErrEndOfStream) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if n != 2500 {
		t.Fatalf("read %d, want the 2500 there when it started", n)
	}
}

func TestLiveTailSeesNewEntries(t *testing.T) {
	e := newEnv(t, redis.Options{})
	s := e.key("s")
	e.fill(s, 3)
	ctx, cancel := context.WithTimeout(e.ctx, 20*time.Second)
	defer cancel()
	sub, err := e.conn.Read(ctx, s, sources.ReadOptions{Start: sources.Start{Kind: sources.StartNewest}, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	id := e.add(s, "*", "value", "fresh")
	batch, err := sub.Next(ctx, 10)
	if err != nil || len(batch) != 1 || batch[0].ID != id || string(batch[0].Value) != "fresh" {
		t.Fatalf("tail: %v %+v", err, batch)
	}
	id2 := e.add(s, "*", "value", "second")
	batch, err = sub.Next(ctx, 10)
	if err != nil || len(batch) != 1 || batch[0].ID != id2 {
		t.Fatalf("tail, second: %v %+v", err, batch)
	}
}

func TestLiveTailOfANewStream(t *testing.T) {
	e := newEnv(t, redis.Options{})
	s := e.key("s")
	e.add(s, "5-0", "value", "old")
	ctx, cancel := context.WithTimeout(e.ctx, 20*time.Second)
	defer cancel()
	sub, err := e.conn.Read(ctx, s, sources.ReadOptions{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var got []string
	for len(got) < 3 {
		if len(got) == 1 {
			e.add(s, "6-0", "value", "new")
			e.add(s, "7-0", "value", "newer")
		}
		batch, err := sub.Next(ctx, 10)
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		got = append(got, values(batch)...)
	}
	if !slices.Equal(got, []string{"old", "new", "newer"}) {
		t.Fatalf("follow from oldest: %v", got)
	}
}

// state is what a read must leave as it was.
type state struct {
	groups  []goredis.XInfoGroup
	pending []goredis.XPendingExt
	length  int64
	keys    []string
}

func (e *env) state(stream, group string) state {
	e.t.Helper()
	gs, err := e.raw.XInfoGroups(e.ctx, stream).Result()
	if err != nil {
		e.t.Fatal(err)
	}
	ps, err := e.raw.XPendingExt(e.ctx, &goredis.XPendingExtArgs{Stream: stream, Group: group, Start: "-", End: "+", Count: 1000}).Result()
	if err != nil {
		e.t.Fatal(err)
	}
	for i := range ps {
		ps[i].Idle = 0 // time passes; the count and the owner must not change
	}
	keys, err := e.raw.Keys(e.ctx, e.prefix+"*").Result() // a test's own handful of keys
	if err != nil {
		e.t.Fatal(err)
	}
	slices.Sort(keys)
	return state{groups: gs, pending: ps, length: e.length(stream), keys: keys}
}

func TestReadsHaveNoSideEffects(t *testing.T) {
	e := newEnv(t, redis.Options{MaxDeliveries: 1, MaxIdle: -1})
	s := e.key("s")
	ids := e.fill(s, 20)
	e.deliver(s, "g", "c1")
	e.claim(s, "g", "c2", ids[3], 4, time.Minute)
	before := e.state(s, "g")

	e.read(s, sources.ReadOptions{})
	e.read(s, sources.ReadOptions{Start: sources.Start{Kind: sources.StartLastN, N: 5}})
	dead := e.read(redis.PendingName(s, "g"), sources.ReadOptions{})
	if len(dead) != 1 || dead[0].ID != ids[3] {
		t.Fatalf("dead letters: %+v", dead)
	}
	ctx, cancel := context.WithTimeout(e.ctx, 20*time.Second)
	defer cancel()
	sub, err := e.conn.Read(ctx, s, sources.ReadOptions{Start: sources.Start{Kind: sources.StartNewest}, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	id := e.add(s, "*", "value", "tailed")
	batch, err := sub.Next(ctx, 10)
	_ = sub.Close()
	if err != nil || len(batch) != 1 || batch[0].ID != id {
		t.Fatalf("tail: %v %+v", err, batch)
	}
	if _, err := e.conn.ListStreams(e.ctx); err != nil {
		t.Fatal(err)
	}
	after := e.state(s, "g")
	after.length-- // the entry the test added
	before.groups[0].Lag++
	if len(after.groups) != 1 || after.groups[0] != before.groups[0] || !slices.Equal(after.pending, before.pending) ||
		after.length != before.length || !slices.Equal(after.keys, before.keys) {
		t.Fatalf("a read changed the server:\nbefore %+v\nafter  %+v", before, after)
	}
}

func TestDeadLettersByDeliveryCount(t *testing.T) {
	e := newEnv(t, redis.Options{MaxDeliveries: 3, MaxIdle: -1})
	s := e.key("orders")
	ids := e.fill(s, 6)
	e.deliver(s, "billing", "worker-1")
	e.claim(s, "billing", "worker-2", ids[1], 4, 2*time.Second)
	e.claim(s, "billing", "worker-2", ids[4], 9, 2*time.Second)
	e.claim(s, "billing", "worker-2", ids[5], 3, 2*time.Second) // at the limit, not past it

	dead := e.read(redis.PendingName(s, "billing"), sources.ReadOptions{})
	if len(dead) != 2 || dead[0].ID != ids[1] || dead[1].ID != ids[4] {
		t.Fatalf("dead letters: %v", dead)
	}
	d := dead[1].DeadLetter
	if d == nil || d.Scheme != "redis-pending" || d.OriginStream != s || d.ConsumerGroup != "billing" || d.Count != 9 ||
		d.Reason != "delivered more than 3 times" || d.Extra[0].Value != "worker-2" || dead[1].Stream != redis.PendingName(s, "billing") || string(dead[1].Value) != "4" {
		t.Fatalf("provenance: %+v of %+v", d, dead[1])
	}
	last := e.read(redis.PendingName(s, "billing"), sources.ReadOptions{Start: sources.Start{Kind: sources.StartLastN, N: 1}})
	if len(last) != 1 || last[0].ID != ids[4] {
		t.Fatalf("last 1: %v", last)
	}
	other, err := e.conn.ReadPending(e.ctx, s, "billing", redis.Limits{MaxDeliveries: 1}, sources.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	all, err := sources.Drain(e.ctx, other, 0)
	if err != nil || len(all) != 3 {
		t.Fatalf("with a limit of 1: %v %d", err, len(all))
	}
}

func TestDeadLettersByIdle(t *testing.T) {
	e := newEnv(t, redis.Options{MaxDeliveries: -1, MaxIdle: 10 * time.Minute})
	s := e.key("orders")
	ids := e.fill(s, 4)
	e.deliver(s, "billing", "worker-1")
	e.claim(s, "billing", "worker-3", ids[2], 1, 3*time.Hour)
	e.claim(s, "billing", "worker-3", ids[3], 1, time.Hour)
	if err := e.raw.XDel(e.ctx, s, ids[3]).Err(); err != nil { // deleted, still pending
		t.Fatal(err)
	}

	dead := e.read(redis.PendingName(s, "billing"), sources.ReadOptions{})
	if len(dead) != 2 || dead[0].ID != ids[2] || dead[1].ID != ids[3] {
		t.Fatalf("dead letters: %v", dead)
	}
	d := dead[0].DeadLetter
	if d.Reason != "idle over 10m0s" || d.Count != 1 || d.Extra[0].Value != "worker-3" || time.Since(d.LastDeath) < 3*time.Hour {
		t.Fatalf("provenance: %+v", d)
	}
	if dead[1].Flaw == nil || dead[1].Value != nil || dead[1].DeadLetter == nil {
		t.Fatalf("a deleted pending entry: %+v", dead[1])
	}
}

func TestLiveTailEndsAtItsEnd(t *testing.T) {
	e := newEnv(t, redis.Options{})
	s := e.key("s")
	e.add(s, "5-0", "value", "a")
	end, _ := redis.ParseID("7-0")
	ctx, cancel := context.WithTimeout(e.ctx, 20*time.Second)
	defer cancel()
	sub, err := e.conn.Read(ctx, s, sources.ReadOptions{Follow: true, End: &sources.Start{Kind: sources.StartOffset, Offset: end.Offset()}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var got []string
	for {
		if len(got) == 1 {
			e.add(s, "6-0", "value", "b")
			e.add(s, "7-0", "value", "c")
			e.add(s, "8-0", "value", "past the end")
		}
		batch, err := sub.Next(ctx, 10)
		got = append(got, values(batch)...)
		if errors.Is(err, sources.ErrEndOfStream) {
			break
		}
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
	}
	if !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("follow to 7-0: %v", got)
	}
}

func TestListingIsBounded(t *testing.T) {
	e := newEnv(t, redis.Options{})
	pipe := e.raw.Pipeline()
	for i := 0; i < redis.MaxStreams+5; i++ {
		pipe.XAdd(e.ctx, &goredis.XAddArgs{Stream: e.key("s" + strconv.Itoa(i)), Values: []any{"value", "x"}})
	}
	if _, err := pipe.Exec(e.ctx); err != nil {
		t.Fatal(err)
	}
	list, err := e.conn.ListStreams(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != redis.MaxStreams || !strings.Contains(list[0].Info[len(list[0].Info)-1].Value, "stopped at") {
		t.Fatalf("%d streams listed, last fact %+v", len(list), list[0].Info[len(list[0].Info)-1])
	}
}
