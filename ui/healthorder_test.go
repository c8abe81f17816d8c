package ui

import (
	"fmt"
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
	for cmd := hp.Init(); cmd != nil && !hp.done; {
		cmd = hp.Update(cmd())
	}
	o := hp.report.Ordering
	if hp.report.Scanned != 3 || o.Count != 1 || o.BySequence != 1 || o.Examples[0].Detail != "seq 2 after 3" ||
		o.Examples[0].First.Offset != 1 || o.Examples[0].Second.Offset != 2 {
		t.Fatalf("scanned %d, ordering %+v", hp.report.Scanned, o)
	}
}
