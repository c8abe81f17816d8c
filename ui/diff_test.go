package ui

import (
	"context"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/msgdiff"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
)

// TestDiffWithTheOtherCopy: after a redrive, d on the redriven message
// diffs it with the dead letter it came from, and d on the dead letter
// diffs it with its copy; two marked messages diff with each other.
func TestDiffWithTheOtherCopy(t *testing.T) {
	conn := demoConn(t, 80, 6)
	dead := testbroker.ReadAll(t, conn, demo.TopicOrdersDLT)[:1]
	plan, err := replay.NewPlan(demo.TopicOrdersDLT, dead, replay.Options{DropHeaders: []string{"kafka_dlt-exception-stacktrace"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := replay.RedriveKafka(context.Background(), conn, plan, replay.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	c := testCommon(120, 40)
	open := func(stream string, at sources.Start) *messagesPage {
		p := newMessagesPage(c, conn, sources.StreamInfo{Reading: sources.Reading{HasPositions: true, Live: true}, Name: stream, Partitions: make([]sources.PartitionInfo, 3)})
		p.pid, p.start, p.bounded = 20, at, true
		pump(t, p, p.restart(), func() bool { return p.ended })
		return p
	}
	// the redriven copy: the newest message of orders carrying the redrive id
	orders := open(demo.TopicOrders, sources.Start{Kind: sources.StartOldest})
	defer orders.Close()
	sel := -1
	for i := 0; i < orders.buf.Len(); i++ {
		if v, ok := orders.buf.At(i).Header(replay.HeaderID); ok && string(v) == plan.ID {
			sel = i
		}
	}
	if sel < 0 {
		t.Fatal("the redriven copy is not in orders")
	}
	orders.cur.sel = sel
	d := waitDiff(t, orders)
	if d.a.Stream != demo.TopicOrdersDLT || d.b.Stream != demo.TopicOrders {
		t.Fatalf("diff %s with %s", d.a.Stream, d.b.Stream)
	}
	changes := map[string]msgdiff.Change{}
	for _, r := range d.rows {
		changes[r.Section+" "+r.Field] = r.Change
	}
	if changes["headers x-mqscope-redrive-id"] != msgdiff.Added || changes["headers kafka_dlt-exception-stacktrace"] != msgdiff.Removed ||
		changes["message key"] != msgdiff.Same || changes["value orderId"] != msgdiff.Same {
		t.Fatalf("changes: %v", changes)
	}
	d.Update(keyPress("d"))
	if v := d.View(120, 37); strings.Contains(v, "value orderId") || !strings.Contains(v, "x-mqscope-redrive-id") {
		t.Fatalf("only differences:\n%s", v)
	}
	// the dead letter: its copy is found in its origin topic
	dlt := open(demo.TopicOrdersDLT, sources.Start{Kind: sources.StartOldest})
	defer dlt.Close()
	for i := 0; i < dlt.buf.Len(); i++ {
		if dlt.buf.At(i).Offset == dead[0].Offset && dlt.buf.At(i).Partition == dead[0].Partition {
			dlt.cur.sel = i
		}
	}
	d = waitDiff(t, dlt)
	if d.a.Stream != demo.TopicOrdersDLT || d.b.Stream != demo.TopicOrders {
		t.Fatalf("dead letter: diff %s with %s", d.a.Stream, d.b.Stream)
	}
	// two marked messages
	dlt.marks = map[string]bool{}
	dlt.cur.sel = 0
	dlt.Update(keyPress(" "))
	dlt.Update(keyPress(" "))
	if d, ok := dlt.Update(keyPress("d"))().(pagePushed).p.(*diffPage); !ok || d.a.Offset == d.b.Offset && d.a.Partition == d.b.Partition {
		t.Fatal("two marked messages were not diffed")
	}
}

// waitDiff presses d and waits for the diff page it opens.
func waitDiff(t *testing.T, p *messagesPage) *diffPage {
	t.Helper()
	var got *diffPage
	cmd := p.Update(keyPress("d"))
	for _, m := range runBatch(cmd) {
		if r, ok := m.(diffReady); ok {
			if r.err != nil {
				t.Fatal(r.err)
			}
			for _, pm := range runBatch(p.Update(r)) {
				if pushed, ok := pm.(pagePushed); ok {
					got = pushed.p.(*diffPage)
				}
			}
		}
	}
	if got == nil {
		t.Fatal("no diff")
	}
	return got
}

// runBatch runs a Cmd (and the Cmds of a batch) and returns their messages.
func runBatch(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	m := cmd()
	if b, ok := m.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, runBatch(c)...)
		}
		return out
	}
	return []tea.Msg{m}
}

// TestDiffShowsMissingEmptyAndControlLadenFields: a header one side does
// not hold shows as (none), apart from an empty value (""); a value that
// is not JSON because of its control characters shows its text with the
// controls as pictures, not its size.
func TestDiffShowsMissingEmptyAndControlLadenFields(t *testing.T) {
	value := []byte("{\"note\":\"a\x1b[2Jb\x07c\",\"id\":1}")
	a := sources.Message{Stream: "orders.DLT", Offset: 1, Value: value,
		Headers: []sources.Header{{Key: "trace", Value: []byte("t-1")}, {Key: "empty", Value: []byte{}}}}
	b := sources.Message{Stream: "orders", Offset: 2, Value: value,
		Headers: []sources.Header{{Key: "empty", Value: []byte{}}, {Key: "added", Value: []byte("x")}}}
	p := newDiffPage(testCommon(100, 20), a, b, nil, nil)
	v := p.View(100, 20)
	lines := map[string]string{}
	for _, l := range strings.Split(v, "\n") {
		if f := strings.Fields(l); len(f) > 2 {
			lines[strings.TrimSuffix(strings.Join(f[1:len(f)-2], " "), ":")] = strings.Join(f[len(f)-2:], " ")
		}
	}
	for field, want := range map[string]string{"headers: added": "(none) x", "empty": `"" ""`, "trace": "t-1 (none)"} {
		if lines[field] != want {
			t.Errorf("%s: %q, want %q:\n%s", field, lines[field], want, v)
		}
	}
	if !strings.Contains(v, `{"note":"a␛[2Jb␇c","id":1}`) || strings.Contains(v, "bytes") {
		t.Errorf("the value is not shown sanitised:\n%s", v)
	}
}

// TestDiffSaysEqualFieldsDifferentBytes: two values whose fields are equal
// but whose bytes are not are not shown as equal: the page says so above
// the rows.
func TestDiffSaysEqualFieldsDifferentBytes(t *testing.T) {
	a := sources.Message{Stream: "orders.DLT", Offset: 1, Value: []byte(`{"id":1}`)}
	b := sources.Message{Stream: "orders", Offset: 2, Value: []byte(`{"id": 1}`)}
	p := newDiffPage(testCommon(100, 20), a, b, nil, nil)
	v := p.View(100, 20)
	if !strings.Contains(v, "value: decoded fields equal; bytes differ (3 bytes from offset 6)") || !strings.Contains(v, "3 differences") || !strings.Contains(v, "≠ (bytes)") {
		t.Fatalf("view:\n%s", v)
	}
}

func TestDiffTellsNullFromEmptyAndWrapsLongNames(t *testing.T) {
	c := testCommon(120, 30)
	long := "s19-" + strings.Repeat("H", 40) + "-end"
	a := sources.Message{Stream: "orders", Headers: []sources.Header{{Key: "h"}, {Key: long, Value: []byte("1")}}}
	b := sources.Message{Stream: "orders", Headers: []sources.Header{{Key: "h", Value: []byte{}}, {Key: long, Value: []byte("2")}}}
	p := newDiffPage(c, a, b, nil, nil)
	var hRow string
	for _, l := range strings.Split(p.View(120, 27), "\n") {
		if strings.Contains(l, "headers: h ") {
			hRow = l
		}
	}
	if !strings.Contains(hRow, "∅ null") || !strings.Contains(hRow, `""`) {
		t.Fatalf("null and empty look the same: %q\n%s", hRow, p.View(120, 27))
	}
	if v := p.View(120, 27); strings.Contains(v, "-end") {
		t.Fatalf("the long name is not cut before w:\n%s", v)
	}
	p.Update(keyPress("w"))
	if v := p.View(120, 27); !strings.Contains(strings.ReplaceAll(v, " ", ""), "HHHH-end") {
		t.Fatalf("w does not show the long name whole:\n%s", v)
	}
}
