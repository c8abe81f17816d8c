package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/internal/editor"
	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/schema"
)

// TestEditThenRedrive: E writes the dead letter to a file, the editor (a
// script standing in for a person) changes the value, the dialog shows the
// change, and y publishes the edited message to the origin.
func TestEditThenRedrive(t *testing.T) {
	conn := demoConn(t, 80, 8)
	script := filepath.Join(t.TempDir(), "editor")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nsed -i 's/\"type\": \"OrderCreated\"/\"type\": \"OrderCreatedFixed\"/' \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", script)
	c := testCommon(120, 40)
	c.StateDir = t.TempDir()
	c.BreakerShare = -1
	p := newMessagesPage(c, conn, sources.StreamInfo{Reading: sources.Reading{HasPositions: true, Live: true}, Name: demo.TopicOrdersDLT, Partitions: make([]sources.PartitionInfo, 3), DeadLetter: true})
	p.pid, p.start, p.bounded = 30, sources.Start{Kind: sources.StartOldest}, true
	defer p.Close()
	pump(t, p, p.restart(), func() bool { return p.ended })
	// pick a JSON dead letter (the poison ones are Avro)
	for i := 0; i < p.view.Len(); i++ {
		if strings.Contains(string(p.view.At(i).Value), "OrderCreated") {
			p.cur.sel = i
			break
		}
	}
	orig := *p.view.At(p.cur.sel)
	written := p.Update(keyPress("E"))().(editFileWritten)
	if written.err != nil {
		t.Fatal(written.err)
	}
	if err := editor.Command(written.path).Run(); err != nil {
		t.Fatal(err)
	}
	read := p.Update(editorClosed{page: p.pid, path: written.path, orig: written.orig, doc: written.doc})().(editRead)
	if read.err != nil {
		t.Fatal(read.err)
	}
	check := p.Update(read)
	if check == nil {
		t.Fatal("no target check after the edit")
	}
	p.Update(check())
	if redriveOf(p) == nil || !redriveOf(p).checked || redriveOf(p).targetErr != nil {
		t.Fatalf("targets not checked: %+v", redriveOf(p))
	}
	if redriveOf(p) == nil || len(redriveOf(p).edits) != 1 || redriveOf(p).edits[0].Field != "type" {
		t.Fatalf("dialog: %+v", redriveOf(p))
	}
	if v := p.View(120, 37); !strings.Contains(v, "edited:") || !strings.Contains(v, "OrderCreatedFixed") || !strings.Contains(v, "→ orders") {
		t.Fatalf("view:\n%s", v)
	}
	if _, err := os.Stat(written.path); !os.IsNotExist(err) {
		t.Fatal("the temporary file was left behind")
	}
	id := redriveOf(p).plan.ID
	pump(t, p, p.Update(keyPress("y")), func() bool { return redriveOf(p) != nil && redriveOf(p).state == redriveDone })
	if redriveOf(p).err != nil || redriveOf(p).res.Done != 1 {
		t.Fatalf("redrive: %+v %v", redriveOf(p).res, redriveOf(p).err)
	}
	var got []sources.Message
	for _, m := range testbroker.ReadAll(t, conn, demo.TopicOrders) {
		if v, ok := m.Header(replay.HeaderID); ok && string(v) == id {
			got = append(got, m)
		}
	}
	if len(got) != 1 || !strings.Contains(string(got[0].Value), `"type":"OrderCreatedFixed"`) || string(got[0].Key) != string(orig.Key) {
		t.Fatalf("in orders: %v", got)
	}
	// An unchanged file redrives nothing.
	written = editMessage(context.Background(), nil, orig, p.pid)().(editFileWritten)
	read = p.Update(editorClosed{page: p.pid, path: written.path, orig: written.orig, doc: written.doc})().(editRead)
	if !read.unchanged {
		t.Fatal("an unchanged file was taken as an edit")
	}
}

// TestEditReencodingNeedsY: when writing an edited document changes bytes
// the edit does not show, the dialog says so and y and enter do not start
// the redrive; Y does. A kept value is said in passing, and asks no Y.
func TestEditReencodingNeedsY(t *testing.T) {
	conn := demoConn(t, 80, 8)
	c := testCommon(120, 40)
	c.StateDir = t.TempDir()
	c.BreakerShare = -1
	p := newMessagesPage(c, conn, sources.StreamInfo{Name: demo.TopicOrdersDLT, Partitions: make([]sources.PartitionInfo, 3), DeadLetter: true})
	p.pid, p.start, p.bounded = 32, sources.Start{Kind: sources.StartOldest}, true
	defer p.Close()
	pump(t, p, p.restart(), func() bool { return p.ended })
	orig := *p.view.At(0)
	edit := replay.Edit{Key: []byte("k-edited"), Value: orig.Value}
	re := replay.Reencoding{Part: schema.PartValue, Bytes: schema.BytesDiff{Count: 3, Offset: 12}, Unasked: []string{"the original holds at note: a string that is not UTF-8 (shown with U+FFFD), which the edit leaves and encoding rewrites"}}
	check := p.Update(editRead{page: p.pid, orig: orig, edit: edit, reenc: &re})
	p.Update(check())
	if redriveOf(p) == nil || !redriveOf(p).checked || redriveOf(p).targetErr != nil {
		t.Fatalf("targets not checked: %+v", redriveOf(p))
	}
	v := p.View(120, 40)
	for _, want := range []string{"value: encoding the edit changes more than it shows (3 bytes from offset 12 differ)", "not UTF-8", "Y: redrive with the value's bytes changed beyond the edit"} {
		if !strings.Contains(strings.Join(strings.Fields(v), " "), want) {
			t.Fatalf("no %q in\n%s", want, v)
		}
	}
	for _, k := range []tea.KeyMsg{keyPress("y"), {Type: tea.KeyEnter}} {
		if cmd := p.Update(k); cmd != nil || redriveOf(p) == nil || redriveOf(p).state != redrivePlanned {
			t.Fatalf("%s started the redrive", k)
		}
	}
	pump(t, p, p.Update(keyPress("Y")), func() bool { return redriveOf(p) != nil && redriveOf(p).state == redriveDone })
	if redriveOf(p).err != nil || redriveOf(p).res.Done != 1 {
		t.Fatalf("redrive: %+v %v", redriveOf(p).res, redriveOf(p).err)
	}

	kept := replay.Reencoding{Part: schema.PartValue, Kept: true}
	check = p.Update(editRead{page: p.pid, orig: orig, edit: edit, reenc: &kept})
	p.Update(check())
	if v := p.View(120, 40); !strings.Contains(v, "value: not edited: written byte for byte as it was") || strings.Contains(v, "Y: redrive") {
		t.Fatalf("kept:\n%s", v)
	}
}
