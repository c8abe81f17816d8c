package ui

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
)

// groupNames are the names of the groups a groups page shows, in order.
func groupNames(p *groupsPage) []string {
	var out []string
	for _, g := range p.shown {
		out = append(out, g.Name)
	}
	return out
}

// shortHelpText is the page's key line as text.
func shortHelpText(p page) string {
	var b strings.Builder
	for _, k := range p.ShortHelp() {
		b.WriteString(k.Help().Key + " " + k.Help().Desc + "  ")
	}
	return b.String()
}

func listedGroups() groupsListed {
	return groupsListed{page: 4, groups: []sources.GroupInfo{
		{Name: "billing", State: "Stable", Members: 2, Lag: 9_000},
		{Name: replay.GroupID("rd-1"), State: "Empty", Lag: 0, Internal: true},
		{Name: "audit", State: "Stable", Members: 1, Lag: 10_000},
		{Name: replay.GroupID("rd-2"), State: "Empty", Lag: 5, Internal: true},
		{Name: "shipping", State: "Stable", Members: 3, Lag: 950},
		{Name: "orders/" + sources.ReadConsumerPrefix + "1a2b3c4d_1", State: "ephemeral", Lag: 1, Internal: true},
	}}
}

func TestGroupsHideInternalUnlessAsked(t *testing.T) {
	p := newGroupsPage(testCommon(100, 24), staticConn{}, nil)
	p.pid = 4
	p.Update(listedGroups())
	if got, want := groupNames(p), []string{"billing", "audit", "shipping"}; !slices.Equal(got, want) {
		t.Fatalf("shown %v, want %v", got, want)
	}
	if !strings.Contains(shortHelpText(p), "a 3 internal hidden") || !strings.Contains(p.View(100, 21), "3 internal hidden") {
		t.Fatalf("the count hidden is not shown: %q\n%s", shortHelpText(p), p.View(100, 21))
	}
	p.Update(keyPress("j"))
	p.Update(keyPress("a"))
	if len(p.shown) != 6 || p.shown[p.cur.sel].Name != "audit" {
		t.Fatalf("a: %v, selected %q", groupNames(p), p.shown[p.cur.sel].Name)
	}
	if !strings.Contains(shortHelpText(p), "a hide internal") || strings.Contains(p.View(100, 21), "internal hidden") {
		t.Fatalf("shown, the help still offers to show them: %q", shortHelpText(p))
	}
	p.Update(keyPress("a"))
	if len(p.shown) != 3 || p.shown[p.cur.sel].Name != "audit" {
		t.Fatalf("a again: %v, selected %q", groupNames(p), p.shown[p.cur.sel].Name)
	}
}

func TestGroupsSortByLagSurvivesRefresh(t *testing.T) {
	p := newGroupsPage(testCommon(100, 24), staticConn{}, nil)
	p.pid = 4
	p.Update(listedGroups())
	p.Update(keyPress("4")) // GROUP STATE MEMBERS LAG
	if got, want := groupNames(p), []string{"audit", "billing", "shipping"}; !slices.Equal(got, want) {
		t.Fatalf("by lag: %v, want %v", got, want)
	}
	if !strings.Contains(p.View(100, 21), "LAG ▼") {
		t.Fatalf("the header does not show the sort:\n%s", p.View(100, 21))
	}
	if p.shown[p.cur.sel].Name != "billing" { // selected before the sort
		t.Fatalf("the sort moved the cursor off billing to %q", p.shown[p.cur.sel].Name)
	}
	again := listedGroups()
	again.groups[0].Lag = 20_000 // billing now lags most
	p.Update(again)
	if got, want := groupNames(p), []string{"billing", "audit", "shipping"}; !slices.Equal(got, want) {
		t.Fatalf("after the refresh: %v, want %v", got, want)
	}
	if p.shown[p.cur.sel].Name != "billing" {
		t.Fatalf("the cursor left billing for %q", p.shown[p.cur.sel].Name)
	}
	p.Update(keyPress("3"))
	if got, want := groupNames(p), []string{"shipping", "billing", "audit"}; !slices.Equal(got, want) {
		t.Fatalf("by members: %v, want %v", got, want)
	}
}

func TestGroupPageSortsPartitions(t *testing.T) {
	p := newGroupPage(testCommon(100, 24), staticConn{}, nil, "billing")
	p.pid = 5
	p.Update(groupDescribed{page: 5, d: sources.GroupDetail{Offsets: []sources.GroupOffset{
		{Topic: "orders", Partition: 0, Committed: 10, High: 20, Lag: 10},
		{Topic: "orders", Partition: 1, Committed: -1, High: 5, Lag: 0},
		{Topic: "orders", Partition: 2, Committed: 0, High: 9_000, Lag: 9_000},
		{Topic: "orders", Partition: 10, Committed: 100, High: 100, Lag: 0},
	}}})
	p.Update(keyPress("5")) // TOPIC P COMMITTED END LAG
	var got []int32
	for _, o := range p.d.Offsets {
		got = append(got, o.Partition)
	}
	if want := []int32{2, 0, 10, 1}; !slices.Equal(got, want) { // nothing committed: no lag known, last
		t.Fatalf("by lag: partitions %v, want %v", got, want)
	}
	p.Update(keyPress("2"))
	p.Update(keyPress("2"))
	if p.d.Offsets[0].Partition != 0 || p.d.Offsets[3].Partition != 10 {
		t.Fatalf("by partition, ascending: %+v", p.d.Offsets)
	}
}

func TestTriageSortKeepsSelection(t *testing.T) {
	c := testCommon(120, 30)
	p := newTriagePage(c, fixedConn{msgs: triageDLT()}, sources.StreamInfo{Name: "orders.DLT", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, DeadLetter: true})
	p.pid = 3
	defer p.Close()
	pump(t, p, p.Init(), func() bool { return p.done })
	counts := func() []int64 {
		var out []int64
		for _, g := range p.report.Groups {
			out = append(out, g.Count)
		}
		return out
	}
	if !slices.Equal(counts(), []int64{5, 3, 1}) {
		t.Fatalf("the report's order: %v", counts())
	}
	p.Update(keyPress("j"))
	selected := p.report.Groups[p.cur.sel].Filter
	p.Update(keyPress("1"))
	p.Update(keyPress("1"))
	if !slices.Equal(counts(), []int64{1, 3, 5}) || p.sort.desc {
		t.Fatalf("by count, ascending: %v", counts())
	}
	if p.report.Groups[p.cur.sel].Filter != selected {
		t.Fatalf("the cursor left its group")
	}
	p.setReport(p.b.Report(p.mode, triageBuckets)) // a step's new report
	if !slices.Equal(counts(), []int64{1, 3, 5}) || p.report.Groups[p.cur.sel].Filter != selected {
		t.Fatalf("a new report lost the sort or the selection: %v", counts())
	}
}

func TestMessagesMouse(t *testing.T) {
	c := testCommon(100, 24)
	now := testNow
	c.Now = func() time.Time { return now }
	m := newModel(c, []sources.Conn{staticConn{}})
	p := newTestMessages(c)
	m.stack = append(m.stack, p)
	deliver(p, orderMsgs(0, 50))
	if !p.follow || p.cur.sel != 49 {
		t.Fatalf("not following: %d", p.cur.sel)
	}
	m.Update(wheel(false))
	if p.follow || p.cur.sel != 49-wheelRows {
		t.Fatalf("a notch up: row %d, following %v", p.cur.sel, p.follow)
	}
	from, _ := p.cur.window(p.view.Len(), p.rowsHeight())
	m.Update(click(5, 3+2)) // the third row shown
	if p.cur.sel != from+2 {
		t.Fatalf("a click on the third row shown selected %d, want %d", p.cur.sel, from+2)
	}
	now = now.Add(150 * time.Millisecond)
	_, cmd := m.Update(click(5, 3+2))
	d, ok := pushed(cmd).(*detailPage)
	if !ok || d.msg.Offset != p.view.At(from+2).Offset || d.msg.Partition != p.view.At(from+2).Partition {
		t.Fatalf("a double click opened %T, want the detail of the row", pushed(cmd))
	}
	for range 20 {
		m.Update(wheel(true))
	}
	if !p.follow || p.cur.sel != 49 {
		t.Fatalf("wheeled to the end: row %d, following %v", p.cur.sel, p.follow)
	}
}

func TestHelpScrollsWithTheWheel(t *testing.T) {
	m := newModel(testCommon(60, 8), []sources.Conn{staticConn{}})
	m.Update(streamsListed{page: 1, streams: goldenStreams(), at: testNow})
	m.Update(keyPress("?"))
	m.Update(keyPress("j"))
	byKey := m.helpTop
	m.Update(keyPress("k"))
	m.Update(wheel(true))
	if byKey == 0 || m.helpTop == 0 || m.helpTop < byKey {
		t.Fatalf("the help's first row after a notch: %d (j: %d)", m.helpTop, byKey)
	}
	m.Update(wheel(false))
	if m.helpTop != 0 || !m.showHelp {
		t.Fatalf("a notch up: row %d, help shown %v", m.helpTop, m.showHelp)
	}
}

func TestConnectionsMouse(t *testing.T) {
	c := testCommon(100, 24)
	now := testNow
	c.Now = func() time.Time { return now }
	static := func(name string) ConnSpec {
		return ConnSpec{Name: name, Kind: "kafka", Address: "127.0.0.1:9092", Dial: func(context.Context) (sources.Conn, error) { return namedConn{name: name}, nil }}
	}
	m := NewConnections(c, []ConnSpec{static("one"), static("two"), static("three")})
	p := m.top().(*connsPage)
	for i := range p.entries {
		p.Update(connOpened{page: p.pid, index: i, gen: p.entries[i].gen, conn: namedConn{name: p.entries[i].name()}})
	}
	m.Update(click(5, 3+2))
	if p.cur.sel != 2 {
		t.Fatalf("a click on the third connection selected %d", p.cur.sel)
	}
	now = now.Add(200 * time.Millisecond)
	_, cmd := m.Update(click(5, 3+2))
	sp, ok := pushed(cmd).(*streamsPage)
	if !ok || sp.conn.Name() != "three" {
		t.Fatalf("a double click opened %T, want the streams of three", pushed(cmd))
	}
	m.Update(wheel(false))
	if p.cur.sel != 0 {
		t.Fatalf("a notch up: row %d", p.cur.sel)
	}
}
