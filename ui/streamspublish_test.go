package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/editor"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
)

// demoStreams is a stream list on the demo's cluster, listed, with the
// orders topic selected.
func demoStreams(t *testing.T, c *Common, conn sources.Conn) *streamsPage {
	t.Helper()
	p := newStreamsPage(c, 30, conn)
	pump(t, p, p.Init(), func() bool { return p.loaded })
	p.filter.SetValue(demo.TopicOrders)
	p.applyFilter("")
	i := slices.IndexFunc(p.visible, func(at int) bool { return p.streams[at].Name == demo.TopicOrders })
	if i < 0 {
		t.Fatalf("no %s listed", demo.TopicOrders)
	}
	p.cur.sel = i
	return p
}

// TestPublishFromTheStreamList: P on the stream list opens the editor on
// a new message for the selected stream, the confirmation over the list
// names it, y publishes there (the message reads back), and the help
// lists P; on a read-only connection P only says why.
func TestPublishFromTheStreamList(t *testing.T) {
	conn := demoConn(t, 20, 8)
	c := testCommon(120, 40)
	c.StateDir = t.TempDir()
	p := demoStreams(t, c, conn)
	if !slices.Contains(helpText(c, p), "P publish") {
		t.Fatalf("the stream list's help lacks P: %v", helpText(c, p))
	}
	editorWriting(t, `{"key": "order-77", "headers": [], "value": "from the list"}`)
	written, ok := p.Update(keyPress("P"))().(publishFileWritten)
	if !ok || written.err != nil || written.stream != demo.TopicOrders || !strings.Contains(string(written.doc), `"//": "publish to orders:`) {
		t.Fatalf("P: %+v\n%s", written, written.doc)
	}
	if err := editor.Command(written.path).Run(); err != nil {
		t.Fatal(err)
	}
	read := p.Update(publishEditorClosed{page: p.pid, stream: written.stream, path: written.path, doc: written.doc})().(publishRead)
	if read.err != nil {
		t.Fatal(read.err)
	}
	if cmd := p.Update(read); cmd != nil || p.publish == nil || !p.Capturing() {
		t.Fatal("no confirmation after the editor")
	}
	view := p.View(120, 37)
	for _, want := range []string{"Publish to orders", "key         order-77", "value       from the list", "y/enter: publish"} {
		if !strings.Contains(view, want) {
			t.Fatalf("the confirmation lacks %q:\n%s", want, view)
		}
	}
	if cmd := p.Update(keyPress("x")); cmd != nil || p.publish == nil {
		t.Fatal("x is not yes")
	}
	send := p.Update(keyPress("y"))
	if send == nil || !p.publish.sending {
		t.Fatal("y did not publish")
	}
	done := send().(publishDone)
	if done.err != nil || len(done.placed) != 1 {
		t.Fatalf("publish: %+v", done)
	}
	pl := done.placed[0]
	status := p.Update(done)().(statusSet)
	if want := fmt.Sprintf("published: orders p%d@%d", pl.Partition, pl.Offset); status.text != want || p.publish != nil || p.Capturing() {
		t.Fatalf("status %q, want %q", status.text, want)
	}
	sub, err := conn.Read(context.Background(), demo.TopicOrders, sources.ReadOptions{Partitions: []int32{pl.Partition}, Start: sources.Start{Kind: sources.StartOffset, Offset: pl.Offset}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if got, err := sub.Next(context.Background(), 1); err != nil || len(got) != 1 || string(got[0].Key) != "order-77" || string(got[0].Value) != "from the list" {
		t.Fatalf("read back %+v %v", got, err)
	}
	c.ReadOnlyConns = map[string]string{"demo": "set read_only: false on it"}
	if status := p.Update(keyPress("P"))().(statusSet); !status.err || !strings.Contains(status.text, "read-only connection: demo") {
		t.Fatalf("read-only: %+v", status)
	}
	if slices.Contains(helpText(c, p), "P publish") {
		t.Fatalf("a read-only connection's list offers P: %v", helpText(c, p))
	}
}

// TestGoldenStreamsPublishConfirmation: the confirmation of a publish
// over the stream list.
func TestGoldenStreamsPublishConfirmation(t *testing.T) {
	m := sources.Message{Partition: sources.NoPartition, Key: []byte("pay-3"), Value: []byte(`{"id":3}`)}
	runGoldenModel(t, newModel(testCommon(100, 24), []sources.Conn{partitioningConn{}}), listed(), waitFor("payments"),
		publishRead{page: 1, stream: "payments", msg: m}, waitFor("y/enter: publish"))
}
