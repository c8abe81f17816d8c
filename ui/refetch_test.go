package ui

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/ui/msgbuf"
)

// TestDetailFetchesATruncatedValueAgain: the buffer keeps the start of a
// 600 KB value; the detail view reads the whole of it again from Kafka.
func TestDetailFetchesATruncatedValueAgain(t *testing.T) {
	big := append([]byte(`{"report":"`), bytes.Repeat([]byte("r"), 600_000)...)
	big = append(big, []byte(`","end":true}`)...)
	conn := filledTopic(t, "reports", 3, big)
	c := testCommon(120, 20)
	c.BufferBudget = 64 << 20
	p := newMessagesPage(c, conn, sources.StreamInfo{Reading: sources.Reading{HasPositions: true, Live: true}, Name: "reports", Partitions: make([]sources.PartitionInfo, 1)})
	defer p.Close()
	p.start = sources.Start{Kind: sources.StartOldest}
	pump(t, p, p.restart(), func() bool { return p.buf.Len() == 3 })
	if m := p.buf.At(1); len(m.Value) != msgbuf.KeptPrefix || m.ValueSize != len(big) {
		t.Fatalf("buffer holds %d of %d", len(m.Value), m.ValueSize)
	}
	p.cur.sel = 1
	cmd := p.Update(keyPress("enter"))
	d := cmd().(pagePushed).p.(*detailPage)
	d.pid = 9
	defer d.Close()
	cmd = d.Init()
	if !strings.Contains(strings.Join(d.lines, "\n"), "reading the whole value again") {
		t.Fatal("the detail view does not say it is fetching the value")
	}
	pump(t, d, cmd, func() bool { return !d.fetching })
	if d.fetchErr != nil || !bytes.Equal(d.msg.Value, big) || d.msg.Offset != 1 {
		t.Fatalf("fetched %d bytes at offset %d: %v", len(d.msg.Value), d.msg.Offset, d.fetchErr)
	}
	d.Update(keyPress("f"))
	if joined := strings.Join(d.lines, "\n"); !strings.Contains(joined, `"end": true`) || strings.Contains(joined, "the buffer holds") {
		t.Fatal("the whole value is not shown")
	}
	// Gone from the broker: the reason is shown, not a crash.
	gone := *p.buf.At(2)
	gone.Offset = 99
	d2 := newDetailPage(c, gone, nil, p.fetcher())
	d2.pid = 10
	defer d2.Close()
	pump(t, d2, d2.Init(), func() bool { return !d2.fetching })
	if !strings.Contains(strings.Join(d2.lines, "\n"), "reading it again failed") {
		t.Fatalf("no failure shown: %v", d2.fetchErr)
	}
}
