package ui

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/sources"
)

// helpText is every key a page lists, as "key desc".
func helpText(c *Common, p page) []string {
	var out []string
	for _, b := range listedHelp(c, p) {
		out = append(out, b.Help().Key+" "+b.Help().Desc)
	}
	return out
}

func TestTriageWithoutGroupsOffersNoGroupKeys(t *testing.T) {
	c := testCommon(120, 30)
	p := newTriagePage(c, fixedConn{msgs: nil}, sources.StreamInfo{Name: "orders", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}})
	p.pid = 3
	defer p.Close()
	pump(t, p, p.Init(), func() bool { return p.done })
	if len(p.report.Groups) != 0 {
		t.Fatalf("%d groups of nothing", len(p.report.Groups))
	}
	help := helpText(c, p)
	for _, k := range []string{"R ", "e ", "enter "} {
		if slices.ContainsFunc(help, func(h string) bool { return strings.HasPrefix(h, k) }) {
			t.Fatalf("no group, yet the help offers %q: %v", k, help)
		}
	}
	if cmd := p.Update(keyPress("R")); cmd != nil {
		t.Fatal("R did something with no group")
	}
}

func TestTriageHeaderDoesNotShiftWhenSorted(t *testing.T) {
	c := testCommon(120, 30)
	p := newTriagePage(c, fixedConn{msgs: triageDLT()}, sources.StreamInfo{Name: "orders.DLT", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, DeadLetter: true})
	p.pid = 3
	defer p.Close()
	pump(t, p, p.Init(), func() bool { return p.done })
	header := func() string {
		for _, l := range strings.Split(p.View(120, 27), "\n") {
			if strings.Contains(l, "GROUP") {
				return l
			}
		}
		t.Fatal("no header")
		return ""
	}
	at := func(h, title string) int { return ansi.StringWidth(h[:strings.Index(h, title)]) }
	before := header()
	for digit, sorted := range map[string]string{"1": "COUNT", "2": "SHARE"} {
		p.Update(keyPress(digit))
		after := header()
		for _, title := range []string{"COUNT", "SHARE", "FIRST", "LAST", "TREND", "GROUP"} {
			if title == sorted { // right-aligned: its mark takes the room kept for it
				continue
			}
			if at(after, title) != at(before, title) {
				t.Fatalf("sorting by %s moved %s:\n%s\n%s", digit, title, before, after)
			}
		}
		if !strings.Contains(after, "▼") {
			t.Fatalf("no sort mark:\n%s", after)
		}
	}
}

func TestStreamListSortsByTrend(t *testing.T) {
	c := testCommon(140, 24)
	p := newStreamsPage(c, 1, staticConn{})
	p.Update(listed())
	rising := map[string][]float64{"orders": {5, 6, 9}, "payments": {40, 41}, "inventory.snapshots": {10, 2}}
	for i, st := range p.streams {
		if v, ok := rising[st.Name]; ok {
			p.rows[i].trend.values = v
		}
	}
	cols := p.columns(140)
	digit := slices.IndexFunc(cols, func(col column) bool { return col.title == colTrend })
	if digit < 0 || digit > 8 {
		t.Fatalf("no TREND among the sort keys: %v", titles(cols))
	}
	p.Update(keyPress(strconv.Itoa(digit + 1)))
	var names []string
	for _, i := range p.visible {
		names = append(names, p.streams[i].Name)
	}
	if len(names) < 3 || !slices.Equal(names[:3], []string{"orders", "payments", "inventory.snapshots"}) {
		t.Fatalf("by trend, rising first: %v", names)
	}
	if v := p.View(140, 21); !strings.Contains(v, "TREND ▼") {
		t.Fatalf("the header does not show the sort:\n%s", v)
	}
}

func TestListsOtherThanMessagesSayTopAndBottom(t *testing.T) {
	c := testCommon(140, 24)
	p := newStreamsPage(c, 1, staticConn{})
	p.Update(listed())
	help := helpText(c, p)
	for _, want := range []string{"g/home top", "G/end bottom"} {
		if !slices.Contains(help, want) {
			t.Fatalf("the stream list's help lacks %q: %v", want, help)
		}
	}
	if slices.ContainsFunc(help, func(h string) bool { return strings.Contains(h, "oldest") || strings.Contains(h, "follow") }) {
		t.Fatalf("the stream list's help speaks of messages: %v", help)
	}
	m := newTestMessages(c)
	if !slices.Contains(helpText(c, m), "G/end newest, follow") {
		t.Fatalf("the message list lost its G: %v", helpText(c, m))
	}
}
