package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/sources"
)

// TestHealthOfHeldMessagesWalksOffsetOrder: a list sorted by time holds
// offsets 0, 2, 1 of one key (seq 1, 2, 3 by time; 1, 3, 2 by offset):
// the check walks each partition in offset order and finds seq 2 after 3,
// as a check of the stream does.
func TestHealthOfHeldMessagesWalksOffsetOrder(t *testing.T) {
	c := testCommon(100, 30)
	p := newTestMessages(c)
	msg := func(off int64, seq int, at int) sources.Message {
		v := fmt.Sprintf(`{"seq":%d}`, seq)
		return sources.Message{Conn: "test", Stream: "payments", Partition: 0, Offset: off, Key: []byte("k"),
			Value: []byte(v), ValueSize: len(v), Timestamp: testNow.Add(time.Duration(at) * time.Second)}
	}
	deliver(p, []sources.Message{msg(0, 1, 1), msg(2, 2, 2), msg(1, 3, 3)})
	hp := p.Update(keyPress("H"))().(pagePushed).p.(*healthPage)
	hp.pid = 9
	pump(t, hp, hp.Init(), func() bool { return hp.done })
	o := hp.report.Ordering
	if hp.report.Scanned != 3 || o.Count != 1 || o.BySequence != 1 || o.Examples[0].Detail != "seq 2 after 3" ||
		o.Examples[0].First.Offset != 1 || o.Examples[0].Second.Offset != 2 {
		t.Fatalf("scanned %d, ordering %+v", hp.report.Scanned, o)
	}
}

// TestHealthHeadlineAndCounts: the headline says "so far" while the
// check runs and groups the count's thousands; the COUNT column is as
// wide as its widest count.
func TestHealthHeadlineAndCounts(t *testing.T) {
	c := testCommon(100, 30)
	p := newTestMessages(c)
	msg := func(off int64, seq int) sources.Message {
		v := fmt.Sprintf(`{"seq":%d}`, seq)
		return sources.Message{Conn: "test", Stream: "payments", Partition: 0, Offset: off, Key: []byte("k"),
			Value: []byte(v), ValueSize: len(v), Timestamp: testNow.Add(time.Duration(off) * time.Second)}
	}
	deliver(p, []sources.Message{msg(0, 1), msg(1, 900_000)})
	hp := p.Update(keyPress("H"))().(pagePushed).p.(*healthPage)
	hp.pid = 9
	cmd := hp.Init()
	if v := hp.View(100, 27); !strings.Contains(v, "no finding so far  ·  checking… 0 messages (held by the list)") {
		t.Fatalf("running:\n%s", v)
	}
	pump(t, hp, cmd, func() bool { return hp.done })
	v := hp.View(100, 27)
	for _, want := range []string{"899,998 findings  in 2 messages checked", " 899,998 "} {
		if !strings.Contains(v, want) {
			t.Fatalf("no %q in\n%s", want, v)
		}
	}
	if strings.Contains(v, "899,9…") {
		t.Fatalf("count cut:\n%s", v)
	}
}

// TestHealthSaysWhatMessagesLacked: messages without the sequence found,
// or with one that is no integer, are counted on the page.
func TestHealthSaysWhatMessagesLacked(t *testing.T) {
	c := testCommon(140, 30)
	p := newTestMessages(c)
	var ms []sources.Message
	for i, v := range []string{`{"seq":1}`, `{"seq":2}`, `{"x":1}`, `{"seq":1.5}`} {
		ms = append(ms, sources.Message{Conn: "test", Stream: "payments", Partition: 0, Offset: int64(i), Key: []byte("k"),
			Value: []byte(v), ValueSize: len(v), Timestamp: testNow.Add(time.Duration(i) * time.Second)})
	}
	deliver(p, ms)
	hp := p.Update(keyPress("H"))().(pagePushed).p.(*healthPage)
	hp.pid = 9
	pump(t, hp, hp.Init(), func() bool { return hp.done })
	if v := hp.View(140, 27); !strings.Contains(v, "1 without the sequence  ·  1 with a sequence that is no integer") {
		t.Fatalf("no counts in\n%s", v)
	}
}
