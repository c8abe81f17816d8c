package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
)

// ratedTopics are Kafka-like topics whose broker gives their rates:
// 9,000/s shows as 9k and 10,500/s as 10.5k, which sort the other way as
// strings.
func ratedTopics(rates ...float64) []sources.StreamInfo {
	names := []string{"audit", "clicks", "orders", "payments", "shipments"}
	out := make([]sources.StreamInfo, len(rates))
	for i, r := range rates {
		out[i] = sources.StreamInfo{Name: names[i], Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true},
			Partitions: make([]sources.PartitionInfo, 3), Messages: int64(100 * (i + 1)), High: int64(100 * (i + 1)), Rate: r, RateKnown: true}
	}
	return out
}

// listedModel is a root model on a stream list that was given streams.
func listedModel(t *testing.T, w, h int, streams []sources.StreamInfo) (*Model, *streamsPage) {
	t.Helper()
	m := newModel(testCommon(w, h), []sources.Conn{staticConn{}})
	m.Update(streamsListed{page: 1, streams: streams, at: testNow})
	return m, m.top().(*streamsPage)
}

// visibleNames are the stream names in the order the list shows them.
func visibleNames(p *streamsPage) []string {
	var out []string
	for _, i := range p.visible {
		out = append(out, p.streams[i].Name)
	}
	return out
}

func TestStreamsSortByRateNumericAndReversed(t *testing.T) {
	m, p := listedModel(t, 100, 24, ratedTopics(9000, 10500, 950, 12.5, 0))
	m.Update(keyPress("5")) // STREAM TYPE PARTS MESSAGES RATE
	if got, want := visibleNames(p), []string{"clicks", "audit", "orders", "payments", "shipments"}; !slices.Equal(got, want) {
		t.Fatalf("sorted by rate: %v, want %v", got, want)
	}
	if !strings.Contains(m.View(), "RATE ▼") {
		t.Fatalf("the header does not show the sort:\n%s", m.View())
	}
	m.Update(keyPress("5"))
	if got, want := visibleNames(p), []string{"shipments", "payments", "orders", "audit", "clicks"}; !slices.Equal(got, want) {
		t.Fatalf("5 again: %v, want %v", got, want)
	}
	if !strings.Contains(m.View(), "RATE ▲") {
		t.Fatalf("the header does not show the reversed sort:\n%s", m.View())
	}
	m.Update(keyPress("1"))
	if got, want := visibleNames(p), []string{"audit", "clicks", "orders", "payments", "shipments"}; !slices.Equal(got, want) || p.sort.desc {
		t.Fatalf("by name: %v (desc %v), want %v ascending", got, p.sort.desc, want)
	}
}

func TestStreamsSortIsStable(t *testing.T) {
	m, p := listedModel(t, 100, 24, ratedTopics(5, 7, 5, 7, 5))
	m.Update(keyPress("2")) // TYPE: every one a topic
	if got, want := visibleNames(p), []string{"audit", "clicks", "orders", "payments", "shipments"}; !slices.Equal(got, want) {
		t.Fatalf("equal types reordered: %v", got)
	}
	m.Update(keyPress("5"))
	if got, want := visibleNames(p), []string{"clicks", "payments", "audit", "orders", "shipments"}; !slices.Equal(got, want) {
		t.Fatalf("equal rates out of the listing's order: %v, want %v", got, want)
	}
	m.Update(keyPress("5"))
	if got, want := visibleNames(p), []string{"audit", "orders", "shipments", "clicks", "payments"}; !slices.Equal(got, want) {
		t.Fatalf("reversed, equal rates out of the listing's order: %v, want %v", got, want)
	}
}

func TestStreamsSortSurvivesRefresh(t *testing.T) {
	m, p := listedModel(t, 100, 24, ratedTopics(50, 40, 30, 20, 10))
	m.Update(keyPress("5"))
	m.Update(keyPress("j"))
	m.Update(keyPress("j"))
	if p.selectedName() != "orders" {
		t.Fatalf("selected %q, want orders", p.selectedName())
	}
	m.Update(streamsListed{page: 1, streams: ratedTopics(10, 20, 30, 40, 50), at: testNow.Add(2 * time.Second)})
	if got, want := visibleNames(p), []string{"shipments", "payments", "orders", "clicks", "audit"}; !slices.Equal(got, want) {
		t.Fatalf("after the refresh: %v, want %v", got, want)
	}
	if p.selectedName() != "orders" || p.cur.sel != 2 {
		t.Fatalf("the cursor left its stream: %q at %d", p.selectedName(), p.cur.sel)
	}
	m.Update(streamsListed{page: 1, streams: ratedTopics(10, 20, 99, 40, 50), at: testNow.Add(4 * time.Second)})
	if p.selectedName() != "orders" || p.cur.sel != 0 {
		t.Fatalf("the cursor did not follow its stream to the top: %q at %d", p.selectedName(), p.cur.sel)
	}
}

func TestStreamsSortKeepsFilter(t *testing.T) {
	m, p := listedModel(t, 100, 24, ratedTopics(1, 2, 3, 4, 5))
	m.Update(keyPress("/"))
	m.Update(keyPress("s"))
	m.Update(keyPress("enter"))
	m.Update(keyPress("5"))
	got := visibleNames(p)
	want := []string{"shipments", "payments", "orders", "clicks"} // an s in each
	if !slices.Equal(got, want) {
		t.Fatalf("filtered and sorted: %v, want %v", got, want)
	}
}

func TestSortKeyOrder(t *testing.T) {
	keys := []sortKey{numKey(10_000), noKey, numKey(9_000), numKey(950)}
	slices.SortStableFunc(keys, compareKeys)
	if keys[0].num != 950 || keys[1].num != 9_000 || keys[2].num != 10_000 || !keys[3].missing {
		t.Fatalf("ascending: %+v", keys)
	}
	rows := []int{0, 1, 2, 3}
	sortRows(tableSort{by: "N", desc: true}, rows, func(r *int, _ string) sortKey {
		return []sortKey{numKey(1), noKey, numKey(3), numKey(2)}[*r]
	})
	if !slices.Equal(rows, []int{2, 3, 0, 1}) {
		t.Fatalf("descending with an unknown: %v, want the unknown last", rows)
	}
}

// click is a press of the left button at x, y of the screen.
func click(x, y int) tea.MouseMsg {
	return tea.MouseMsg{X: x, Y: y, Button: tea.MouseButtonLeft, Action: tea.MouseActionPress}
}

// wheel is a notch of the wheel, down or up.
func wheel(down bool) tea.MouseMsg {
	b := tea.MouseButtonWheelUp
	if down {
		b = tea.MouseButtonWheelDown
	}
	return tea.MouseMsg{Button: b, Action: tea.MouseActionPress}
}

// pushed is the page a Cmd opens (nil: it opens none).
func pushed(cmd tea.Cmd) page {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case pagePushed:
		return msg.p
	case tea.BatchMsg:
		for _, c := range msg {
			if p := pushed(c); p != nil {
				return p
			}
		}
	}
	return nil
}

func TestStreamsMouse(t *testing.T) {
	var topics []sources.StreamInfo
	for i := range 30 {
		topics = append(topics, ratedTopics(float64(i))[0])
		topics[i].Name = strings.Repeat("t", 1+i%3) + string(rune('a'+i%26)) + string(rune('0'+i/26))
	}
	now := testNow
	m, p := listedModel(t, 100, 24, topics)
	m.c.Now = func() time.Time { return now }
	m.Update(wheel(true))
	m.Update(wheel(true))
	if p.cur.sel != 2*wheelRows {
		t.Fatalf("two notches down: row %d, want %d", p.cur.sel, 2*wheelRows)
	}
	m.Update(wheel(false))
	if p.cur.sel != wheelRows {
		t.Fatalf("a notch up: row %d, want %d", p.cur.sel, wheelRows)
	}
	// The screen: the header, the information line, the titles, the rows.
	if _, cmd := m.Update(click(10, 3+4)); pushed(cmd) != nil || p.cur.sel != 4 {
		t.Fatalf("a click on the fifth row: row %d (opened %v)", p.cur.sel, pushed(cmd) != nil)
	}
	now = now.Add(doubleClick + time.Millisecond)
	if _, cmd := m.Update(click(10, 3+4)); pushed(cmd) != nil {
		t.Fatal("two clicks farther apart than a double click opened the stream")
	}
	now = now.Add(100 * time.Millisecond)
	_, cmd := m.Update(click(10, 3+4))
	mp, ok := pushed(cmd).(*messagesPage)
	if !ok || mp.stream.Name != p.streams[p.visible[4]].Name {
		t.Fatalf("a double click opened %T, want the messages of the fifth stream", pushed(cmd))
	}
	now = now.Add(100 * time.Millisecond)
	if _, cmd := m.Update(click(10, 3+5)); pushed(cmd) != nil || p.cur.sel != 5 {
		t.Fatal("a click on another row right after a double click opened it")
	}
	if _, cmd := m.Update(click(10, 40)); pushed(cmd) != nil || p.cur.sel != 5 {
		t.Fatalf("a click below the rows moved the cursor to %d", p.cur.sel)
	}
	// a click on the RATE title sorts by it
	cols := p.columns(100)
	x := 0
	for _, c := range cols {
		if c.title == colRate {
			break
		}
		x += c.width + 1
	}
	keep := p.selectedName()
	m.Update(click(x+2, 2))
	if p.sort.by != colRate || !p.sort.desc {
		t.Fatalf("a click on RATE: sort %+v", p.sort)
	}
	if p.streams[p.visible[0]].Rate != 29 || p.selectedName() != keep {
		t.Fatalf("sorted by a click: first %q (selected %q, want %q)", p.streams[p.visible[0]].Name, p.selectedName(), keep)
	}
	m.Update(click(x+2, 2))
	if p.sort.desc || p.streams[p.visible[0]].Rate != 0 {
		t.Fatalf("a second click on RATE did not reverse: %+v", p.sort)
	}
}
