package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/sources"
)

// TestNATSKeyColumnFitsSubjects: a JetStream stream's KEY column (the
// subject) is wide enough for a usual subject, shown whole, and a longer
// one is cut with an ellipsis, not silently.
func TestNATSKeyColumnFitsSubjects(t *testing.T) {
	c := testCommon(140, 30)
	for _, dlq := range []bool{false, true} {
		p := newMessagesPage(c, staticConn{}, sources.StreamInfo{Name: "ORDERS", Kind: "stream", DeadLetter: dlq,
			Reading: sources.Reading{HasPositions: true, Live: true, SubjectKeys: true}})
		p.dlq = dlq
		cols := p.columns(140)
		key := -1
		for i, col := range cols {
			if plainTitle(col.title) == "KEY" {
				key = i
			}
		}
		if key < 0 || cols[key].width != subjectKeyWidth {
			t.Fatalf("dlq %v: columns %+v", dlq, cols)
		}
		shown := func(subject string) string {
			m := sources.Message{Stream: "ORDERS", Partition: sources.NoPartition, Offset: 7, Key: []byte(subject), Value: []byte("v"), Timestamp: time.Now()}
			cells := p.cells(&m, nil, cols, time.Now(), 20)
			return strings.TrimRight(cell(cells[key], cols[key].width, false), " ")
		}
		usual := "orders.created.eu.west.42" // 25 cells
		if got := shown(usual); got != usual {
			t.Fatalf("dlq %v: subject %q shown %q", dlq, usual, got)
		}
		exact := strings.Repeat("s", subjectKeyWidth)
		if got := shown(exact); got != exact {
			t.Fatalf("dlq %v: a subject as wide as the column shown %q", dlq, got)
		}
		long := "orders.created.eu.west.customer.1234567890"
		if got := shown(long); got != long[:subjectKeyWidth-1]+"…" {
			t.Fatalf("dlq %v: subject %q shown %q", dlq, long, got)
		}
	}
	// other streams keep their key column
	p := newMessagesPage(c, staticConn{}, sources.StreamInfo{Name: "t", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}})
	for _, col := range p.columns(140) {
		if plainTitle(col.title) == "KEY" && col.width != 14 {
			t.Fatalf("a topic's KEY column is %d wide", col.width)
		}
	}
}
