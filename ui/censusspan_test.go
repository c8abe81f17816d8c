package ui

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/schema"
)

// TestCensusFollowsTheListsSpan: a list read from a time until a later one
// (the start picker's "… until …") reads only that span, says so, and V
// takes the census of the same span, named in its title, as
// `mqscope schemas --from --until` does; a row opens the same span.
func TestCensusFollowsTheListsSpan(t *testing.T) {
	conn, dec := demoWithRegistry(t)
	all := testbroker.ReadAll(t, conn, demo.TopicPaymentsAvro)
	sort.Slice(all, func(i, j int) bool { return all[i].Timestamp.Before(all[j].Timestamp) })
	from, until := all[100].Timestamp.Truncate(time.Second), all[200].Timestamp.Truncate(time.Second)
	var inSpan int64
	for _, m := range all {
		if !m.Timestamp.Before(from) && !m.Timestamp.After(until) {
			inSpan++
		}
	}
	if inSpan == 0 || inSpan == int64(len(all)) {
		t.Fatalf("span %v..%v holds %d of %d", from, until, inSpan, len(all))
	}

	c := testCommon(140, 24)
	c.Decoders = map[string]*schema.Decoder{"demo": dec}
	mp := newMessagesPage(c, conn, sources.StreamInfo{Name: demo.TopicPaymentsAvro, Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, Partitions: make([]sources.PartitionInfo, 3)})
	mp.pid = 20
	defer mp.Close()
	spec := "time:" + from.UTC().Format(time.RFC3339) + " until time:" + until.UTC().Format(time.RFC3339)
	chosen := newStartPicker(c, mp.start, sources.Reading{}).choose(spec)
	if chosen == nil {
		t.Fatalf("the picker refuses %q", spec)
	}
	pump(t, mp, mp.Update(chosen()), func() bool { return mp.ended })
	if int64(mp.buf.Len()) != inSpan || !strings.Contains(mp.infoLine(), "until time:"+until.UTC().Format(time.RFC3339)) {
		t.Fatalf("the list holds %d of the span's %d; info %q", mp.buf.Len(), inSpan, mp.infoLine())
	}
	if bad := newStartPicker(c, mp.start, sources.Reading{}); bad.choose("oldest until newest") != nil || !strings.Contains(bad.err, "until") {
		t.Fatalf("an end that is no offset or time: %q", bad.err)
	}

	p, ok := mp.Update(keyPress("V"))().(pagePushed).p.(*versionsPage)
	if !ok {
		t.Fatal("V does not open the census")
	}
	p.pid = 21
	defer p.Close()
	l := newLoop(p)
	l.until(t, p.Init(), func() bool { return p.phase == 2 })
	if p.census.Scanned != inSpan {
		t.Fatalf("the census read %d, the span holds %d", p.census.Scanned, inSpan)
	}
	title := "from time:" + from.UTC().Format(time.RFC3339) + " until time:" + until.UTC().Format(time.RFC3339)
	if v := p.View(140, 22); !strings.Contains(v, title) {
		t.Fatalf("no %q in\n%s", title, v)
	}
	row := p.versionPage(p.census.Rows[0])
	if row.start.String() != mp.start.String() || row.end != mp.end {
		t.Fatalf("the row's list reads from %v until %v", row.start, row.end)
	}
}
