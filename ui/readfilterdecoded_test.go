package ui

import (
	"strings"
	"testing"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/schema"
)

// TestReadFilterReadsDecodedValues: F's read filter sees json and schema
// of the values as the connection's registry decodes them, as f and a
// headless export do: schema.version == 3 reads the demo's 45 v3 dead
// letters, and json.amount over a value that has no such path is no
// match, counted in the status row.
func TestReadFilterReadsDecodedValues(t *testing.T) {
	conn, dec := demoWithRegistry(t)
	c := testCommon(140, 24)
	c.Decoders = map[string]*schema.Decoder{"demo": dec}
	info := sources.StreamInfo{Name: demo.TopicPaymentsAvroDLT, Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, DeadLetter: true, Partitions: make([]sources.PartitionInfo, 3)}
	for _, tc := range []struct {
		expr   string
		want   int
		status string
	}{
		{`schema.version == 3`, 45, ""},
		{`schema.version == 3 && json.amount != nil`, 45, ""},
		{`int(json.nope) == 1`, 0, "50 messages could not be evaluated: first at " + demo.TopicPaymentsAvroDLT + "@"},
	} {
		mp := newMessagesPage(c, conn, info)
		mp.start = sources.Start{Kind: sources.StartOldest}
		mp.readFilter, mp.bounded = tc.expr, true
		mp.pid = 10
		pump(t, mp, mp.Init(), func() bool { return mp.ended })
		if mp.buf.Len() != tc.want {
			t.Errorf("%s reads %d messages, want %d", tc.expr, mp.buf.Len(), tc.want)
		}
		if v := mp.Status(); tc.status != "" && !strings.Contains(v, tc.status) {
			t.Errorf("%s: no %q in\n%s", tc.expr, tc.status, v)
		}
		mp.Close()
	}
}
