package ui

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/internal/editor"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/kafka"
)

// editorWriting is an $EDITOR that replaces the file with doc.
func editorWriting(t *testing.T, doc string) {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "doc.json")
	if err := os.WriteFile(src, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "editor")
	if err := os.WriteFile(script, []byte("#!/bin/sh\ncat '"+src+"' > \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", script)
}

// ordersPage is a messages page on the demo's orders topic.
func ordersPage(t *testing.T, c *Common, conn sources.Conn) *messagesPage {
	t.Helper()
	p := newMessagesPage(c, conn, sources.StreamInfo{Reading: sources.Reading{HasPositions: true, Live: true}, Name: demo.TopicOrders, Partitions: make([]sources.PartitionInfo, 6)})
	p.pid, p.start, p.bounded = 40, sources.Start{Kind: sources.StartOldest}, true
	t.Cleanup(p.Close)
	pump(t, p, p.restart(), func() bool { return p.ended })
	return p
}

// openPublish runs P through the editor: the dialog is open at the end.
func openPublish(t *testing.T, p *messagesPage, press func() any) publishFileWritten {
	t.Helper()
	written := press().(publishFileWritten)
	if written.err != nil {
		t.Fatal(written.err)
	}
	if err := editor.Command(written.path).Run(); err != nil {
		t.Fatal(err)
	}
	read := p.Update(publishEditorClosed{page: p.pid, path: written.path, doc: written.doc})().(publishRead)
	if read.err != nil {
		t.Fatal(read.err)
	}
	p.Update(read)
	if publishOf(p) == nil {
		t.Fatal("no confirmation after the editor")
	}
	return written
}

// TestPublishFromTheStreamPage: P opens the editor on a template, the
// confirmation shows the target, the partition the key goes to and the
// size; a key other than y publishes nothing; y publishes in a Cmd, the
// status line says where it went, the message reads back there byte for
// byte, and the audit log has its line.
func TestPublishFromTheStreamPage(t *testing.T) {
	conn := demoConn(t, 20, 5)
	c := testCommon(120, 40)
	c.StateDir = t.TempDir()
	p := ordersPage(t, c, conn)
	editorWriting(t, `{"key": "order-42", "headers": [{"key": "tenant", "value": "acme"}], "value_json": {"id": 42, "status": "NEW"}}`)
	written := openPublish(t, p, func() any { return p.Update(keyPress("P"))() })
	if !strings.Contains(string(written.doc), `"//": "publish to orders:`) || !strings.Contains(string(written.doc), `"value_json": {}`) {
		t.Fatalf("template:\n%s", written.doc)
	}
	part, _ := conn.PartitionFor([]byte("order-42"), 6)
	view := p.View(120, 37)
	for _, want := range []string{"Publish to orders", "connection  demo", fmt.Sprintf("placed      partition %d (by key)", part), "key         order-42",
		"headers     tenant: acme", `value       {"id":42,"status":"NEW"}`, "size        42 B", "y/enter: publish"} {
		if !strings.Contains(view, want) {
			t.Fatalf("the confirmation lacks %q:\n%s", want, view)
		}
	}
	for _, k := range []string{"x", "Y", " "} {
		if cmd := p.Update(keyPress(k)); cmd != nil || publishOf(p) == nil || publishOf(p).sending {
			t.Fatalf("%q is not yes", k)
		}
	}
	send := p.Update(keyPress("y"))
	if send == nil || !publishOf(p).sending || !strings.Contains(p.View(120, 37), "waiting for the broker") {
		t.Fatal("y did not publish")
	}
	done := send().(publishDone)
	if done.err != nil || len(done.placed) != 1 {
		t.Fatalf("publish: %+v", done)
	}
	status := p.Update(done)().(statusSet)
	pl := done.placed[0]
	if want := fmt.Sprintf("published: orders p%d@%d", part, pl.Offset); status.text != want || status.err || pl.Partition != part || publishOf(p) != nil {
		t.Fatalf("status %q, want %q", status.text, want)
	}
	sub, err := conn.Read(context.Background(), demo.TopicOrders, sources.ReadOptions{Partitions: []int32{part}, Start: sources.Start{Kind: sources.StartOffset, Offset: pl.Offset}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	got, err := sub.Next(context.Background(), 1)
	if err != nil || len(got) != 1 {
		t.Fatalf("read back: %v", err)
	}
	if m := got[0]; string(m.Key) != "order-42" || !bytes.Equal(m.Value, []byte(`{"id":42,"status":"NEW"}`)) || len(m.Headers) != 1 || string(m.Headers[0].Value) != "acme" {
		t.Fatalf("read back %+v", m)
	}
	audit, err := os.ReadFile(filepath.Join(c.StateDir, "audit.jsonl"))
	if err != nil || strings.Count(string(audit), "\n") != 1 || !strings.Contains(string(audit), `"action":"publish"`) || !strings.Contains(string(audit), `"result":"`+status.text+`"`) {
		t.Fatalf("audit: %v\n%s", err, audit)
	}
}

// TestPublishCancelledAndRefused: esc closes the confirmation with
// nothing written; an emptied file publishes nothing; a read-only
// connection refuses P.
func TestPublishCancelledAndRefused(t *testing.T) {
	conn := demoConn(t, 20, 6)
	c := testCommon(120, 40)
	p := ordersPage(t, c, conn)
	editorWriting(t, `{"key": "k", "headers": [], "value": "v"}`)
	openPublish(t, p, func() any { return p.Update(keyPress("P"))() })
	if status := p.Update(keyPress("esc"))().(statusSet); status.text != "nothing published" || publishOf(p) != nil {
		t.Fatalf("esc: %+v", status)
	}
	editorWriting(t, "")
	written := p.Update(keyPress("P"))().(publishFileWritten)
	if err := editor.Command(written.path).Run(); err != nil {
		t.Fatal(err)
	}
	read := p.Update(publishEditorClosed{page: p.pid, path: written.path, doc: written.doc})().(publishRead)
	if status := p.Update(read)().(statusSet); status.text != errPublishCancelled.Error() || publishOf(p) != nil {
		t.Fatalf("an empty file: %+v", status)
	}
	c.ReadOnlyConns = map[string]string{"demo": "set read_only: false on it"}
	if status := p.Update(keyPress("P"))().(statusSet); !status.err || !strings.Contains(status.text, "read-only connection: demo") {
		t.Fatalf("read-only: %+v", status)
	}
}

// TestPublishACopyFromTheDetailPage: P on a message's detail page hands
// the message to its list, which opens the editor on a copy of it.
func TestPublishACopyFromTheDetailPage(t *testing.T) {
	conn := demoConn(t, 20, 7)
	c := testCommon(120, 40)
	p := ordersPage(t, c, conn)
	orig := *p.view.At(0)
	var asked *sources.Message
	d := newDetailPage(c, orig, nil, nil)
	d.publish = func(m sources.Message) tea.Cmd { asked = &m; return nil }
	d.Update(keyPress("P"))
	if asked == nil || asked.Offset != orig.Offset || !bytes.Equal(asked.Value, orig.Value) {
		t.Fatalf("P on the detail page asked for %+v", asked)
	}
	if p.publishFromDetail(orig) == nil {
		t.Fatal("no Cmd from the detail page's publish")
	}
	written := p.Update(publishAsked{page: p.pid, from: orig})().(publishFileWritten)
	if written.err != nil {
		t.Fatal(written.err)
	}
	defer os.Remove(written.path)
	doc, err := parsePublishDocument(written.doc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(doc.Key, orig.Key) || !bytes.Equal(doc.Value, orig.Value) || fmt.Sprintf("%q", doc.Headers) != fmt.Sprintf("%q", orig.Headers) {
		t.Fatalf("the copy %+v of %+v", doc, orig)
	}
	c.ReadOnly = true
	if status := p.publishFromDetail(orig)().(statusSet); !status.err || !strings.Contains(status.text, "read-only") {
		t.Fatalf("read-only: %+v", status)
	}
}

// TestGoldenPublishConfirmation: the confirmation of a publish.
func TestGoldenPublishConfirmation(t *testing.T) {
	m := sources.Message{Partition: sources.NoPartition, Key: []byte("order-7"), Value: []byte(`{"id":7,"status":"RETRY"}`),
		Headers: []sources.Header{{Key: "tenant", Value: []byte("acme")}, {Key: "trace", Value: []byte("t-\x1b[31m1")}}}
	runGoldenModel(t, newModel(testCommon(100, 24), []sources.Conn{partitioningConn{}}), listed(), waitFor("payments"),
		keyPress("j"), keyPress("j"), keyPress("j"), keyPress("enter"), waitFor("dead letters"),
		batchReceived{page: 2, sub: 1, msgs: goldenDLT()}, waitFor("OrderValidationException"),
		publishRead{page: 2, msg: m}, waitFor("y/enter: publish"))
}

// partitioningConn is a staticConn that places by key as Kafka does.
type partitioningConn struct{ staticConn }

// PartitionFor is the Kafka connector's.
func (partitioningConn) PartitionFor(key []byte, n int) (int32, bool) {
	return (*kafka.Conn)(nil).PartitionFor(key, n)
}
