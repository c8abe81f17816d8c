package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
)

// bigDemo is the demo cluster with n topics of ten partitions (topic i
// holds i%5 records), without its seeded flow.
func bigDemo(t *testing.T, n int) *demo.Cluster {
	t.Helper()
	cl, err := demo.Start(context.Background(), demo.Options{Port: -1, History: -1, TrickleEvery: -1, Topics: n})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// runCounts runs the count Cmds of the page (one, or a batch of them)
// and hands back their answers in the order asked.
func runCounts(t *testing.T, cmd tea.Cmd) []streamsCounted {
	t.Helper()
	if cmd == nil {
		t.Fatal("no count asked for")
	}
	var out []streamsCounted
	var run func(tea.Cmd)
	run = func(cmd tea.Cmd) {
		switch msg := cmd().(type) {
		case tea.BatchMsg:
			for _, c := range msg {
				if c != nil {
					run(c)
				}
			}
		case streamsCounted:
			if msg.err != nil {
				t.Fatal(msg.err)
			}
			out = append(out, msg)
		default:
			t.Fatalf("the Cmd answered %T, want the counts of a batch", msg)
		}
	}
	run(cmd)
	return out
}

// countAll hands the page the answers of its count Cmds until its pass
// is over and reports how many batches it took.
func countAll(t *testing.T, p *streamsPage, cmds ...tea.Cmd) int {
	t.Helper()
	n := 0
	for len(cmds) > 0 && p.loading {
		cmd := cmds[0]
		cmds = cmds[1:]
		if cmd == nil {
			continue
		}
		for _, msg := range runCounts(t, cmd) {
			n++
			cmds = append(cmds, p.Update(msg))
		}
	}
	if p.loading {
		t.Fatal("the pass asked for nothing more but is not over")
	}
	return n
}

// TestStreamsCountsFillIn opens the list of a cluster of 3,000 topics
// (30,000 partitions) on the real connector: the names come first, every
// count shown as pending, then the counts fill in batch by batch, the
// rows on screen first, while keys move the cursor and filter the list.
func TestStreamsCountsFillIn(t *testing.T) {
	const n = 3000
	cl := bigDemo(t, n)
	conn := dialKafka(t, cl.Addr())
	c := testCommon(120, 30)
	p := newStreamsPage(c, 1, conn)
	named, ok := p.Init()().(streamsNamed)
	if !ok || named.err != nil {
		t.Fatalf("the first listing is %T (%v), want the names", named, named.err)
	}
	cmd := p.Update(named)
	total := len(p.streams)
	if total < n || p.uncounted != total {
		t.Fatalf("%d streams listed, %d uncounted; want at least %d, all uncounted", total, p.uncounted, n)
	}
	if v := p.View(120, 27); !strings.Contains(v, plural(total, "stream")+" on") || !strings.Contains(v, "…") {
		t.Fatalf("the names are not shown with their counts pending:\n%s", v)
	}
	if s := p.Status(); !strings.Contains(s, fmt.Sprintf("counting 0 of %s", groupDigits(int64(total)))) {
		t.Fatalf("status %q", s)
	}

	// The first batch asks for the rows on screen first; two are out.
	firsts := runCounts(t, cmd)
	if len(firsts) != countsInFlight {
		t.Fatalf("%d batches asked for at first, want %d", len(firsts), countsInFlight)
	}
	first := firsts[0]
	from, to := p.cur.window(len(p.visible), p.rowsHeight())
	for k, i := range p.visible[from:to] {
		if first.asked[k] != p.streams[i].Name {
			t.Fatalf("ask %d is %q, want the row on screen %q", k, first.asked[k], p.streams[i].Name)
		}
	}
	parts := 0
	for _, st := range first.streams {
		parts += len(st.Partitions)
	}
	if parts > countBatch+10 || len(first.asked) == total {
		t.Fatalf("the first batch asks for %d streams of %d partitions: not a batch", len(first.asked), parts)
	}
	cmd = p.Update(first)
	if p.uncounted != total-len(first.asked) {
		t.Fatalf("%d uncounted after a batch of %d", p.uncounted, len(first.asked))
	}
	for _, i := range p.visible[from:to] {
		if !p.rows[i].counted || p.streams[i].Messages < 0 {
			t.Fatalf("%s on screen is still pending after the first batch", p.streams[i].Name)
		}
	}
	if p.rows[p.visible[len(p.visible)-1]].counted {
		t.Fatal("the last row was counted in the first batch")
	}

	// A key while counts load: G moves to the bottom at once, and the next
	// batch asks for the new rows on screen first.
	p.Update(keyPress("G"))
	if p.cur.sel != len(p.visible)-1 {
		t.Fatalf("G while counting: sel %d of %d", p.cur.sel, len(p.visible))
	}
	cmd = p.Update(keyPress("r")) // a refresh while counting drops the pass in flight
	renamed := runCountOrNames(t, cmd)
	if _, ok := renamed.(streamsNamed); !ok {
		t.Fatalf("r answered %T, want the names again", renamed)
	}
	before := p.uncounted
	if p.Update(firsts[1]) != nil || p.uncounted != before {
		t.Fatal("a batch of the pass r dropped was applied")
	}
	seconds := runCounts(t, p.Update(renamed))
	bottom := p.streams[p.visible[len(p.visible)-1]].Name
	if !slices.Contains(seconds[0].asked, bottom) {
		t.Fatalf("the batch after G does not ask for the bottom row %q first: %v", bottom, seconds[0].asked[:5])
	}
	var cmds []tea.Cmd
	for _, msg := range seconds {
		cmds = append(cmds, p.Update(msg))
	}

	// The filter answers while counts load, and counts keep arriving for
	// the rows it shows.
	p.Update(keyPress("/"))
	for _, r := range "ledger" {
		p.Update(keyPress(string(r)))
	}
	for _, i := range p.visible {
		if fuzzyScore("ledger", p.streams[i].Name) < 0 {
			t.Fatalf("the filter kept %q", p.streams[i].Name)
		}
	}
	if len(p.visible) == 0 || len(p.visible) == total {
		t.Fatalf("the filter kept %d of %d", len(p.visible), total)
	}
	batches := 1 + len(seconds) + countAll(t, p, cmds...)
	if p.uncounted != 0 || strings.Contains(p.Status(), "counting") {
		t.Fatalf("%d uncounted after %d batches; status %q", p.uncounted, batches, p.Status())
	}
	if batches < 30_000/countBatch {
		t.Fatalf("%d batches for 30,000 partitions", batches)
	}
	// The next refresh of a big list counts the names it has; only after a
	// while are the names listed again.
	countAll(t, p, p.Update(streamsRefreshDue{page: 1}))
	later := testNow.Add(namesEvery)
	c.Now = func() time.Time { return later }
	if msg, ok := p.Update(streamsRefreshDue{page: 1})().(streamsNamed); !ok || msg.err != nil {
		t.Fatalf("after %v the refresh answered %T, want the names", namesEvery, msg)
	}
	for i := 0; i < n; i++ {
		name := demo.ManyTopicName(i)
		st := p.streams[p.index[name]]
		if st.Messages != int64(i%5) || len(st.Partitions) != demo.ManyTopicPartitions || (i%40 == 39) != st.DeadLetter {
			t.Fatalf("%s: %d messages, %d partitions, dead letter %v", name, st.Messages, len(st.Partitions), st.DeadLetter)
		}
	}
}

// runCountOrNames runs a Cmd of the page (a listing or a count).
func runCountOrNames(t *testing.T, cmd tea.Cmd) tea.Msg {
	t.Helper()
	if cmd == nil {
		t.Fatal("no Cmd")
	}
	return cmd()
}

// TestStreamsRatesPerBatch: each stream's rate is its growth between its
// own two counts, whenever its batch came.
func TestStreamsRatesPerBatch(t *testing.T) {
	cl := bigDemo(t, 40)
	conn := dialKafka(t, cl.Addr())
	now := testNow
	c := testCommon(120, 30)
	c.Now = func() time.Time { return now }
	p := newStreamsPage(c, 1, conn)
	l := newLoop(p)
	l.until(t, p.Init(), func() bool { return p.loaded && p.uncounted == 0 && !p.loading })
	topic := demo.ManyTopicName(3)
	if err := demo.Fill(cl.Addr(), 20, func(int) *sarama.ProducerMessage {
		return &sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder("x")}
	}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(4 * time.Second)
	l.until(t, p.Update(streamsRefreshDue{page: 1}), func() bool { return !p.loading })
	r := p.rows[p.index[topic]]
	if r.rate != 5 || p.streams[p.index[topic]].Messages != 23 {
		t.Fatalf("%s: rate %v, %d messages; want 5/s, 23", topic, r.rate, p.streams[p.index[topic]].Messages)
	}
	if other := p.rows[p.index[demo.ManyTopicName(4)]]; other.rate != 0 || len(other.trend.values) != 1 {
		t.Fatalf("a quiet topic: rate %v, trend %v", other.rate, other.trend.values)
	}
	if p.total != 5 || !strings.Contains(p.Status(), "5.0/s in") {
		t.Fatalf("total %v, status %q", p.total, p.Status())
	}
}

// manyNames are n stream names like a big cluster's.
func manyNames(n int) []sources.StreamInfo {
	out := make([]sources.StreamInfo, n)
	for i := range out {
		out[i] = sources.StreamInfo{Name: demo.ManyTopicName(i), Kind: "topic", Partitions: make([]sources.PartitionInfo, 10), Messages: int64(i % 5), High: int64(i % 5)}
	}
	slices.SortFunc(out, func(a, b sources.StreamInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// filterByHand is the filter computed the slow way: every name scored,
// best first, ties in list order.
func filterByHand(pattern string, streams []sources.StreamInfo) []int {
	var out []int
	for i, s := range streams {
		if fuzzyScore(pattern, s.Name) >= 0 {
			out = append(out, i)
		}
	}
	slices.SortStableFunc(out, func(a, b int) int { return fuzzyScore(pattern, streams[b].Name) - fuzzyScore(pattern, streams[a].Name) })
	return out
}

// TestStreamsFilter10k types a filter over 10,000 names key by key (and
// back), and once while a new listing arrives: after every key the rows
// shown are those the whole list scored by hand gives.
func TestStreamsFilter10k(t *testing.T) {
	c := testCommon(120, 30)
	p := newStreamsPage(c, 1, staticConn{})
	streams := manyNames(10_000)
	p.Update(streamsListed{page: 1, streams: streams, at: testNow})
	p.Update(keyPress("/"))
	check := func(step string) {
		t.Helper()
		want := filterByHand(p.filter.Value(), p.streams)
		if !slices.Equal(p.visible, want) {
			t.Fatalf("%s (%q): %d rows shown, %d match", step, p.filter.Value(), len(p.visible), len(want))
		}
	}
	for _, r := range "ledgrefv3" {
		p.Update(keyPress(string(r)))
		check("typed " + string(r))
		if r == 'l' {
			for i, s := range p.streams { // a long name with a short match is a match
				if strings.Contains(s.Name, "l") && !slices.Contains(p.visible, i) {
					t.Fatalf("l does not keep %q", s.Name)
				}
			}
		}
	}
	for range 4 {
		p.Update(tea.KeyMsg{Type: tea.KeyBackspace})
		check("backspace")
	}
	relisted := manyNames(10_500) // new topics arrive while the filter is up
	p.Update(streamsListed{page: 1, streams: relisted, at: testNow.Add(2 * time.Second)})
	check("relisted")
	p.Update(keyPress("x"))
	check("typed after the relisting")
	p.Update(keyPress("esc"))
	if len(p.visible) != len(relisted) || p.filter.Value() != "" {
		t.Fatalf("esc left %d rows of %d, filter %q", len(p.visible), len(relisted), p.filter.Value())
	}
}
