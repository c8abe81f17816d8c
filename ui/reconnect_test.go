package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
)

// TestLiveTailSurvivesABrokerRestart: the broker goes away under a live
// message list and comes back (same port, same data); the list keeps what
// it read, says it is retrying, and goes on with new messages by itself.
func TestLiveTailSurvivesABrokerRestart(t *testing.T) {
	addr, start := testbroker.RestartableKafka(t, "live")
	kf := start()
	if err := testbroker.FillKafka(addr, "live", 20, []byte(`{"n":1}`)); err != nil {
		t.Fatal(err)
	}
	conn := dialKafka(t, addr)
	c := testCommon(120, 30)
	c.Now = time.Now
	p := newMessagesPage(c, conn, sources.StreamInfo{Reading: sources.Reading{HasPositions: true, Live: true}, Name: "live", Partitions: make([]sources.PartitionInfo, 1)})
	p.pid, p.start = 40, sources.Start{Kind: sources.StartOldest}
	defer p.Close()
	l := newLoop(p)
	l.until(t, p.restart(), func() bool { return p.buf.Len() == 20 })

	kf.Close() // the broker goes away under the live read
	l.until(t, nil, func() bool { return p.err != nil })
	if v := p.View(120, 27); !strings.Contains(v, "RETRYING") || p.buf.Len() != 20 {
		t.Fatalf("while the broker is away (%d held):\n%s", p.buf.Len(), v)
	}
	kf = start() // and comes back, with its data
	defer kf.Close()
	if err := testbroker.FillKafka(addr, "live", 5, []byte(`{"n":2}`)); err != nil {
		t.Fatal(err)
	}
	l.until(t, nil, func() bool { return p.buf.Len() == 25 })
	if p.err != nil {
		t.Fatalf("still in error after recovering: %v", p.err)
	}
}
