package ui

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/internal/editor"
	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/msgdiff"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/kafka"
	"github.com/mqscope/mqscope/sources/schema"
)

// TestVersionsPageOnDemoDLT: V on the demo's payments.avro.DLT reads it in
// Cmds, shows v3 at 90% and, once the origin is read over the dead
// letters' span, payments.avro's 17% and the comparison; enter on v3 opens
// the list of exactly its 45 dead letters.
func TestVersionsPageOnDemoDLT(t *testing.T) {
	conn, dec := demoWithRegistry(t)
	c := testCommon(140, 24)
	c.Decoders = map[string]*schema.Decoder{"demo": dec}
	sp := newStreamsPage(c, 8, conn)
	sp.setStreams([]sources.StreamInfo{{Name: demo.TopicPaymentsAvroDLT, Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, DeadLetter: true, Partitions: make([]sources.PartitionInfo, 3)}})
	p, ok := sp.Update(keyPress("V"))().(pagePushed).p.(*versionsPage)
	if !ok {
		t.Fatal("V does not open the census")
	}
	p.pid = 9
	defer p.Close()
	l := newLoop(p)
	l.until(t, p.Init(), func() bool { return p.phase >= 1 })
	if got := p.View(140, 22); !strings.Contains(got, "2 schemas") || !strings.Contains(got, "50 messages read, 50 dead letters") {
		t.Fatalf("after the DLT:\n%s", got)
	}
	l.until(t, nil, func() bool { return p.phase == 2 })
	rows := p.census.Rows
	if len(rows) != 2 || rows[0].Version != 3 || rows[0].Count != 45 || rows[0].Compat() != "latest" || rows[1].Version != 2 || rows[1].Count != 5 {
		t.Fatalf("rows %+v", rows)
	}
	if p.origin == nil || p.origin.Stream != demo.TopicPaymentsAvro || p.origin.Scanned != 289 || p.origin.Row(103).Count != 49 {
		t.Fatalf("origin %+v", p.origin)
	}
	v := p.View(140, 22)
	for _, want := range []string{"payments.avro.DLT: 90% carry v3; payments.avro: 17% v3", "payments.avro-value · latest", "payments.avro-value · compatible with v3", "origin payments.avro: v2 50%, v1 33%, v3 17%"} {
		if !strings.Contains(v, want) {
			t.Fatalf("no %q in\n%s", want, v)
		}
	}
	if !strings.Contains(v, "   90%    17% v3") {
		t.Fatalf("the v3 row does not show both shares:\n%s", v)
	}

	mp := p.Update(keyPress("enter"))().(pagePushed).p.(*messagesPage)
	mp.pid = 10
	defer mp.Close()
	pump(t, mp, mp.Init(), func() bool { return mp.ended })
	if mp.buf.Len() != 45 {
		t.Fatalf("v3 opens %d messages", mp.buf.Len())
	}
	for i := 0; i < mp.buf.Len(); i++ {
		m := mp.buf.At(i)
		if id, _, err := schema.ParseHeader(m.Value); err != nil || id != 103 {
			t.Fatalf("message %d has id %d (%v)", i, id, err)
		}
	}

	// The message list's V opens the census of its stream too.
	if _, ok := mp.Update(keyPress("V"))().(pagePushed).p.(*versionsPage); !ok {
		t.Fatal("V in the message list does not open the census")
	}

	// The triage's fourth tab groups the dead letters by version.
	tp := newTriagePage(c, conn, sources.StreamInfo{Name: demo.TopicPaymentsAvroDLT, Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, DeadLetter: true})
	tp.pid = 11
	defer tp.Close()
	pump(t, tp, tp.Init(), func() bool { return tp.done })
	for range 3 {
		tp.Update(keyPress("tab"))
	}
	g := tp.report.Groups
	if tp.mode.String() != "version" || len(g) != 2 || g[0].Key != "payments.avro-value v3 (id 103)" || g[0].Count != 45 || g[1].Count != 5 {
		t.Fatalf("by version: %+v", g)
	}
	if v := tp.View(140, 22); !strings.Contains(v, "2 groups by version") || !strings.Contains(v, "payments.avro-value v3 (id 103)") {
		t.Fatalf("triage by version:\n%s", v)
	}
	gp := tp.Update(keyPress("enter"))().(pagePushed).p.(*messagesPage)
	gp.pid = 12
	defer gp.Close()
	pump(t, gp, gp.Init(), func() bool { return gp.ended })
	if gp.buf.Len() != 45 {
		t.Fatalf("the v3 group opens %d messages", gp.buf.Len())
	}

	// Two marked dead letters are diffed by their decoded fields (the
	// decoding in a Cmd).
	gp.cur.sel = 0
	gp.Update(keyPress(" "))
	gp.Update(keyPress(" "))
	got := gp.Update(keyPress("d"))()
	ready, ok := got.(diffReady)
	if !ok || ready.da == nil || ready.db == nil {
		t.Fatalf("d with two marked: %T %+v", got, got)
	}
	dp := gp.Update(ready)
	var diff *diffPage
	for _, m := range runBatch(dp) {
		if pp, ok := m.(pagePushed); ok {
			diff = pp.p.(*diffPage)
		}
	}
	if diff == nil {
		t.Fatal("no diff page")
	}
	if v := diff.View(140, 60); !strings.Contains(v, "(schema)") || !strings.Contains(v, "avro id 103 payments.avro-value v3") || !strings.Contains(v, `≠ amount `) {
		t.Fatalf("diff:\n%s", v)
	}
}

// streamsConn serves fixed messages per stream (bounded reads, no broker).
type streamsConn struct {
	staticConn
	msgs map[string][]sources.Message
}

func (c streamsConn) Read(ctx context.Context, stream string, opts sources.ReadOptions) (sources.Subscription, error) {
	msgs, ok := c.msgs[stream]
	if !ok {
		return nil, sources.ErrUnknownStream
	}
	f := sources.NewFeed(ctx, 1024, nil)
	f.Go(func(context.Context) {
		var out []sources.Message
		for _, m := range msgs {
			if opts.Start.Kind == sources.StartTime && m.Timestamp.Before(opts.Start.Time) || opts.End.Past(&m) {
				continue
			}
			out = append(out, m)
		}
		f.SendBatch(out)
	})
	f.EndWhenDone()
	return f, nil
}

// TestGoldenVersions: the census page of a DLT whose dead letters are
// mostly v2 of a subject, next to its origin's shares.
func TestGoldenVersions(t *testing.T) {
	reg := srfake.New()
	t.Cleanup(reg.Close)
	var ids []int
	for _, s := range []string{
		`{"type":"record","name":"Order","fields":[{"name":"qty","type":"int"}]}`,
		`{"type":"record","name":"Order","fields":[{"name":"qty","type":"int"},{"name":"note","type":"string","default":""}]}`,
	} {
		id, _, err := reg.RegisterSchema("orders-value", sr.Schema{Schema: s})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: reg.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	msg := func(stream string, i, id int, dead bool) sources.Message {
		m := sources.Message{Conn: "test", Stream: stream, Partition: int32(i % 2), Offset: int64(i / 2),
			Timestamp: testNow.Add(-time.Hour + time.Duration(i)*time.Minute), Value: append(schema.AppendHeader(nil, id), 4, 0)}
		if dead {
			m.Timestamp = m.Timestamp.Add(time.Second)
			m.DeadLetter = &sources.DeadLetter{Scheme: "spring", OriginStream: "orders", OriginPartition: m.Partition, OriginOffset: m.Offset, OriginTime: testNow.Add(-time.Hour + time.Duration(i)*time.Minute)}
		}
		return m
	}
	var orders, dlt []sources.Message
	for i := 0; i < 20; i++ {
		id := ids[0]
		if i%4 == 0 {
			id = ids[1]
		}
		orders = append(orders, msg("orders", i, id, false))
		if id == ids[1] || i == 7 {
			dlt = append(dlt, msg("orders.DLT", i, id, true))
		}
	}
	orders = append(orders, sources.Message{Conn: "test", Stream: "orders", Partition: 0, Offset: 99, Timestamp: testNow.Add(-50 * time.Minute), Value: []byte(`{"qty":1}`)})
	conn := streamsConn{msgs: map[string][]sources.Message{"orders": orders, "orders.DLT": dlt}}
	c := testCommon(120, 16)
	c.Decoders = map[string]*schema.Decoder{"test": dec}
	p := newVersionsPage(c, conn, sources.StreamInfo{Name: "orders.DLT", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, DeadLetter: true}, sources.Start{Kind: sources.StartOldest}, nil)
	runGoldenVersions(t, c, p)
}

// runGoldenVersions pushes the page on a root model in a real program and
// compares the screen once both censuses are read.
func runGoldenVersions(t *testing.T, c *Common, p *versionsPage) {
	t.Helper()
	m := newModel(c, []sources.Conn{staticConn{}})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(c.Width, c.Height))
	tm.Send(pagePushed{p})
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("origin orders:")) }, teatest.WithDuration(5*time.Second))
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	golden.RequireEqual(t, []byte(final.View()))
}

// TestEditTypedDeadLetter: E on an Avro dead letter opens its decoded
// document with its schema; the edited document is encoded with the same
// schema id, the dialog shows the field that changed, and y publishes it;
// an edit that does not fit the schema is refused with the field before
// anything is written.
func TestEditTypedDeadLetter(t *testing.T) {
	cl, err := demo.Start(context.Background(), demo.Options{Port: -1, History: 60, TrickleEvery: -1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	conn := dialKafka(t, cl.Addr())
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: cl.SchemaRegistryURL()}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	editorTo := func(status string) {
		script := filepath.Join(dir, "editor-"+status)
		if err := os.WriteFile(script, []byte("#!/bin/sh\nsed -i 's/\"status\": \"PENDING_REVIEW\"/\"status\": \""+status+"\"/' \"$1\"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv("VISUAL", "")
		t.Setenv("EDITOR", script)
	}
	c := testCommon(120, 40)
	c.StateDir = t.TempDir()
	c.BreakerShare = -1
	c.Decoders = map[string]*schema.Decoder{"demo": dec}
	p := newMessagesPage(c, conn, sources.StreamInfo{Reading: sources.Reading{HasPositions: true, Live: true}, Name: demo.TopicPaymentsAvroDLT, Partitions: make([]sources.PartitionInfo, 3), DeadLetter: true})
	p.pid, p.start, p.bounded = 31, sources.Start{Kind: sources.StartOldest}, true
	defer p.Close()
	pump(t, p, p.restart(), func() bool { return p.ended })
	p.cur.sel = -1
	for i := 0; i < p.view.Len(); i++ {
		if d := dec.Value(context.Background(), p.view.At(i)); strings.Contains(string(d.JSON), `"PENDING_REVIEW"`) {
			p.cur.sel = i
			break
		}
	}
	if p.cur.sel < 0 {
		t.Fatal("no PENDING_REVIEW payment in the DLT")
	}
	edit := func(status string) editRead {
		t.Helper()
		editorTo(status)
		written := p.Update(keyPress("E"))().(editFileWritten)
		if written.err != nil {
			t.Fatal(written.err)
		}
		if !strings.Contains(string(written.doc), `"value_decoded": {`) || !strings.Contains(string(written.doc), `"id": 103`) || !strings.Contains(string(written.doc), `"subject": "payments.avro-value"`) {
			t.Fatalf("document:\n%s", written.doc)
		}
		if err := editor.Command(written.path).Run(); err != nil {
			t.Fatal(err)
		}
		return p.Update(editorClosed{page: p.pid, path: written.path, orig: written.orig, doc: written.doc, typed: written.typed})().(editRead)
	}

	// Not a symbol of the enum: refused with the field.
	bad := edit("BOGUS")
	if bad.err == nil || schema.KindOf(bad.err) != schema.KindMismatch || !strings.Contains(bad.err.Error(), "status") {
		t.Fatalf("a status outside the enum: %v", bad.err)
	}
	p.Update(bad)
	if redriveOf(p) != nil {
		t.Fatal("a refused edit opened the redrive dialog")
	}

	read := edit("AUTHORIZED")
	if read.err != nil {
		t.Fatal(read.err)
	}
	if id, _, err := schema.ParseHeader(read.edit.Value); err != nil || id != 103 {
		t.Fatalf("encoded with id %d (%v)", id, err)
	}
	check := p.Update(read)
	p.Update(check())
	var status *msgdiff.Row
	for i, r := range redriveOf(p).edits {
		if r.Field == "status" {
			status = &redriveOf(p).edits[i]
		}
	}
	if status == nil || status.Left != `"PENDING_REVIEW"` || status.Right != `"AUTHORIZED"` {
		t.Fatalf("edits %+v", redriveOf(p).edits)
	}
	id := redriveOf(p).plan.ID
	pump(t, p, p.Update(keyPress("y")), func() bool { return redriveOf(p) != nil && redriveOf(p).state == redriveDone })
	if redriveOf(p).err != nil || redriveOf(p).res.Done != 1 {
		t.Fatalf("redrive: %+v %v", redriveOf(p).res, redriveOf(p).err)
	}
	var got []sources.Message
	for _, m := range testbroker.ReadAll(t, conn, demo.TopicPaymentsAvro) {
		if v, ok := m.Header(replay.HeaderID); ok && string(v) == id {
			got = append(got, m)
		}
	}
	if len(got) != 1 {
		t.Fatalf("%d copies in payments.avro", len(got))
	}
	d := dec.Value(context.Background(), &got[0])
	if d.Err != nil || d.Ref.ID != 103 || !strings.Contains(string(d.JSON), `"status":"AUTHORIZED"`) {
		t.Fatalf("published %s %v: %s", d.Ref, d.Err, d.JSON)
	}
}

// demoWithRegistry starts the demo (its typed topics, no trickle) and dials it,
// with a decoder on its registry.
func demoWithRegistry(t *testing.T) (*kafka.Conn, *schema.Decoder) {
	t.Helper()
	cl, err := demo.Start(context.Background(), demo.Options{Port: -1, History: 300, TrickleEvery: -1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: cl.SchemaRegistryURL()}})
	if err != nil {
		t.Fatal(err)
	}
	return dialKafka(t, cl.Addr()), dec
}
