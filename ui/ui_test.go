package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/kafka"
	"github.com/mqscope/mqscope/ui/msgbuf"
)

func init() {
	lipgloss.SetColorProfile(termenv.Ascii)
}

var testNow = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func testCommon(w, h int) *Common {
	return &Common{
		Width: w, Height: h,
		Styles: NewStyles(DefaultTheme()), Keys: DefaultKeyMap(),
		Now: func() time.Time { return testNow }, Clipboard: &bytes.Buffer{},
		BufferBudget: 1 << 20, Location: time.UTC,
		NewRedriveID: func() string { return "rd-test" },
	}
}

// staticConn is a connection value for pages under test: a name, a kind and
// an address. It has no Lister or Reader capability, so pages never do I/O.
type staticConn struct{}

func (staticConn) Name() string    { return "test" }
func (staticConn) Kind() string    { return "kafka" }
func (staticConn) Address() string { return "127.0.0.1:9092" }
func (staticConn) Close() error    { return nil }

// Reach opens it again by name; kcat reaches it, as it does a Kafka cluster.
func (c staticConn) Reach() sources.Reach {
	return sources.Reach{Flags: []string{"-c", c.Name()}, KcatBrokers: c.Address()}
}

// CheckTarget accepts every target (a redrive dialog checks them first).
func (staticConn) CheckTarget(context.Context, sources.Target) error { return nil }

func keyPress(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "end":
		return tea.KeyMsg{Type: tea.KeyEnd}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

func orderMsgs(from, n int) []sources.Message {
	out := make([]sources.Message, n)
	for i := range out {
		o := from + i
		out[i] = sources.Message{
			Conn: "test", Stream: "orders", Partition: int32(o % 3), Offset: int64(o / 3),
			Timestamp: testNow.Add(time.Duration(o) * time.Second),
			Key:       []byte(fmt.Sprintf("ord-%05d", o)),
			Value:     []byte(fmt.Sprintf(`{"type":"OrderCreated","orderId":"ord-%05d","total":%d.50}`, o, o)),
			Headers:   []sources.Header{{Key: "correlation-id", Value: []byte(fmt.Sprintf("corr-%d", o))}},
		}
		out[i].ValueSize = len(out[i].Value)
	}
	return out
}

func newTestMessages(c *Common) *messagesPage {
	p := newMessagesPage(c, staticConn{}, sources.StreamInfo{Reading: sources.Reading{HasPositions: true, Live: true}, Name: "orders", Partitions: make([]sources.PartitionInfo, 3), Messages: 60})
	p.pid = 7
	p.subID = 1
	p.opened = true
	return p
}

func deliver(p *messagesPage, ms []sources.Message) tea.Cmd {
	return p.Update(batchReceived{page: p.pid, sub: p.subID, msgs: ms})
}

func TestMessagesFollowPauseAndResume(t *testing.T) {
	c := testCommon(100, 20)
	p := newTestMessages(c)
	deliver(p, orderMsgs(0, 50))
	if p.cur.sel != 49 || !p.follow {
		t.Fatalf("after first batch sel=%d follow=%v", p.cur.sel, p.follow)
	}
	for i := 0; i < 5; i++ {
		p.Update(keyPress("k"))
	}
	if p.cur.sel != 44 || p.follow {
		t.Fatalf("after k×5 sel=%d follow=%v", p.cur.sel, p.follow)
	}
	deliver(p, orderMsgs(50, 10))
	if p.cur.sel != 44 || p.unseen != 10 {
		t.Fatalf("scrolled-away list moved: sel=%d unseen=%d", p.cur.sel, p.unseen)
	}
	if !strings.Contains(p.infoLine(), "PAUSED +10 new") {
		t.Fatalf("info line %q", p.infoLine())
	}
	p.Update(keyPress("G"))
	if p.cur.sel != 59 || !p.follow || p.unseen != 0 {
		t.Fatalf("after G sel=%d follow=%v", p.cur.sel, p.follow)
	}
	deliver(p, orderMsgs(60, 1))
	if p.cur.sel != 60 {
		t.Fatalf("follow did not track the end: sel=%d", p.cur.sel)
	}
	p.Update(keyPress("p"))
	if p.follow {
		t.Fatal("p did not pause")
	}
}

func TestMessagesEvictionKeepsSelection(t *testing.T) {
	c := testCommon(100, 20)
	probe := msgbuf.New(0)
	probe.Append(orderMsgs(0, 1))
	c.BufferBudget = probe.Bytes() * 20 // room for twenty
	p := newTestMessages(c)
	deliver(p, orderMsgs(0, 20))
	p.Update(keyPress("g"))
	p.Update(keyPress("j")) // offset of message 1
	want := p.buf.At(p.cur.sel).Key
	deliver(p, orderMsgs(20, 5)) // evicts five
	if p.buf.Evicted() == 0 {
		t.Fatal("nothing evicted")
	}
	if p.cur.sel < 0 || p.cur.sel >= p.buf.Len() {
		t.Fatalf("selection out of range: %d of %d", p.cur.sel, p.buf.Len())
	}
	if !strings.Contains(p.Status(), "evicted") {
		t.Fatalf("status does not show eviction: %q", p.Status())
	}
	_ = want
}

func TestMessagesStaleBatchDropped(t *testing.T) {
	p := newTestMessages(testCommon(100, 20))
	p.Update(batchReceived{page: p.pid, sub: p.subID - 1, msgs: orderMsgs(0, 5)})
	if p.buf.Len() != 0 {
		t.Fatal("a batch of an old read was kept")
	}
}

func TestMessagesEndAndErrors(t *testing.T) {
	p := newTestMessages(testCommon(100, 20))
	if cmd := p.Update(batchReceived{page: p.pid, sub: p.subID, err: sources.ErrEndOfStream}); cmd != nil || !p.ended {
		t.Fatal("end of stream not handled")
	}
	p = newTestMessages(testCommon(100, 20))
	cmd := p.Update(batchReceived{page: p.pid, sub: p.subID, err: fmt.Errorf("read orders/1: broker gone")})
	if cmd == nil || p.err == nil {
		t.Fatal("an error must be shown")
	}
}

func TestMessagesStartPicker(t *testing.T) {
	p := newTestMessages(testCommon(100, 24))
	p.Update(keyPress("s"))
	if !p.Capturing() {
		t.Fatal("picker not open")
	}
	p.Update(keyPress("j")) // Last N -> Offset
	p.Update(keyPress("enter"))
	for _, r := range "0=5,2=9" {
		p.Update(keyPress(string(r)))
	}
	cmd := p.Update(keyPress("enter"))
	msg := cmd()
	chosen, ok := msg.(startChosen)
	if !ok || chosen.start.Kind != sources.StartOffset || chosen.start.Offsets[2] != 9 {
		t.Fatalf("picked %#v", msg)
	}
	p.Update(chosen)
	if p.Capturing() || p.start.Kind != sources.StartOffset {
		t.Fatal("start not applied")
	}
	// a bad value keeps the picker open with the reason
	p.Update(keyPress("s"))
	p.Update(keyPress("j"))
	p.Update(keyPress("enter"))
	p.Update(keyPress("x"))
	if cmd := p.Update(keyPress("enter")); cmd != nil || pickerOf(p).err == "" {
		t.Fatal("a bad timestamp was accepted")
	}
	p.Update(keyPress("esc"))
	p.Update(keyPress("esc"))
	if p.Capturing() {
		// the second esc sends startCancelled through a Cmd
		p.Update(startCancelled{})
	}
	if p.Capturing() {
		t.Fatal("picker did not close")
	}
}

func TestStreamsFilterAndOpen(t *testing.T) {
	c := testCommon(100, 20)
	p := newStreamsPage(c, 3, staticConn{})
	streams := []sources.StreamInfo{
		{Name: "orders", Partitions: make([]sources.PartitionInfo, 3), Messages: 400, High: 400},
		{Name: "orders.DLT", Partitions: make([]sources.PartitionInfo, 3), Messages: 44, High: 44, DeadLetter: true, DeadLetterFor: "orders"},
		{Name: "payments", Partitions: make([]sources.PartitionInfo, 3), Messages: 300, High: 300},
	}
	p.req = 1
	p.Update(streamsListed{page: 3, req: 1, streams: streams, at: testNow})
	later := append([]sources.StreamInfo(nil), streams...)
	later[0].High += 20
	p.req = 2
	p.Update(streamsListed{page: 3, req: 2, streams: later, at: testNow.Add(2 * time.Second)})
	if r := p.rows[p.index["orders"]].rate; r != 10 {
		t.Fatalf("rate %v, want 10/s", r)
	}
	p.Update(keyPress("/"))
	for _, r := range "dlt" {
		p.Update(keyPress(string(r)))
	}
	if len(p.visible) != 1 || p.streams[p.visible[0]].Name != "orders.DLT" {
		t.Fatalf("filter kept %v", p.visible)
	}
	p.Update(keyPress("enter")) // leave the filter
	cmd := p.Update(keyPress("enter"))
	pushed, ok := cmd().(pagePushed)
	if !ok {
		t.Fatal("enter did not open the stream")
	}
	if mp := pushed.p.(*messagesPage); mp.stream.Name != "orders.DLT" || !mp.dlq {
		t.Fatalf("opened %q", mp.stream.Name)
	}
	// a stale listing is dropped
	p.Update(streamsListed{page: 3, req: 1, streams: nil, at: testNow})
	if len(p.streams) != 3 {
		t.Fatal("stale listing applied")
	}
}

func TestDetailNextPrevAndCopy(t *testing.T) {
	c := testCommon(100, 30)
	p := newTestMessages(c)
	deliver(p, orderMsgs(0, 5))
	cmd := p.Update(keyPress("enter"))
	d := cmd().(pagePushed).p.(*detailPage)
	if d.msg.Offset != 1 || d.msg.Partition != 1 {
		t.Fatalf("opened %d/%d", d.msg.Partition, d.msg.Offset)
	}
	d.Update(keyPress("N"))
	if string(d.msg.Key) != "ord-00003" || p.cur.sel != 3 {
		t.Fatalf("previous message: %s sel %d", d.msg.Key, p.cur.sel)
	}
	status := d.Update(keyPress("y"))().(statusSet)
	if status.err || !strings.Contains(status.text, "copied value") {
		t.Fatalf("copy: %+v", status)
	}
	osc := c.Clipboard.(*bytes.Buffer).String()
	if !strings.HasPrefix(osc, "\x1b]52;c;") {
		t.Fatalf("no OSC 52 sequence: %q", osc)
	}
}

func TestRootNavigationAndHelp(t *testing.T) {
	c := testCommon(80, 24)
	m := newModel(c, []sources.Conn{staticConn{}})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if !strings.Contains(m.View(), "cannot list") && !strings.Contains(m.View(), "test (kafka)") {
		t.Fatalf("view:\n%s", m.View())
	}
	mp := newTestMessages(c)
	m.Update(pagePushed{mp})
	if len(m.stack) != 2 {
		t.Fatal("page not pushed")
	}
	// async results reach the page by id even after it was pushed
	m.Update(batchReceived{page: mp.pid, sub: mp.subID, msgs: orderMsgs(0, 3)})
	if mp.buf.Len() != 3 {
		t.Fatal("batch not routed to its page")
	}
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("kk")}) // typed fast: two keys
	if mp.cur.sel != 0 {
		t.Fatalf("fast keys not split: sel=%d", mp.cur.sel)
	}
	m.Update(keyPress("?"))
	if !strings.Contains(m.View(), "start position") {
		t.Fatalf("help overlay:\n%s", m.View())
	}
	m.Update(keyPress("x")) // any key closes help
	m.Update(keyPress("esc"))
	if len(m.stack) != 1 {
		t.Fatal("esc did not go back")
	}
	// a result for a closed page is dropped without panic
	m.Update(batchReceived{page: mp.pid, sub: mp.subID, msgs: orderMsgs(0, 3)})
	m.Update(statusSet{text: "boom", err: true})
	if !strings.Contains(m.View(), "✖ boom") {
		t.Fatalf("error not in status line:\n%s", m.View())
	}
	_, cmd := m.Update(keyPress("q"))
	if cmd == nil {
		t.Fatal("q did not quit")
	}
}

func TestViewFitsSmallAndResized(t *testing.T) {
	c := testCommon(80, 24)
	m := newModel(c, []sources.Conn{staticConn{}})
	mp := newTestMessages(c)
	m.Update(pagePushed{mp})
	m.Update(batchReceived{page: mp.pid, sub: mp.subID, msgs: orderMsgs(0, 100)})
	for _, size := range [][2]int{{80, 24}, {200, 60}, {40, 10}, {80, 24}} {
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		lines := strings.Split(m.View(), "\n")
		if len(lines) != size[1] {
			t.Fatalf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		for _, l := range lines {
			if w := lipgloss.Width(l); w > size[0] {
				t.Fatalf("%dx%d: line of width %d: %q", size[0], size[1], w, l)
			}
		}
	}
}

func TestDetailTruncatesLargeValues(t *testing.T) {
	c := testCommon(100, 30)
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := 0; i < 5000; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"sku":"SKU-%04d","onHand":%d}`, i, i)
	}
	b.WriteString(`]}`)
	m := sources.Message{Stream: "inv", Value: []byte(b.String())}
	m.ValueSize = len(m.Value)
	d := newDetailPage(c, m, nil, nil)
	joined := strings.Join(d.lines, "\n")
	if !strings.Contains(joined, "press f to show all") || !strings.Contains(joined, "Value (JSON") {
		t.Fatalf("large value not cut:\n%s", joined[:min(len(joined), 2000)])
	}
	d.Update(keyPress("f"))
	joined = strings.Join(d.lines, "\n")
	if strings.Contains(joined, "press f to show all") || !strings.Contains(joined, `"SKU-4999"`) {
		t.Fatal("f did not show the whole value")
	}
	d.Update(keyPress("G"))
	if d.top == 0 {
		t.Fatal("G did not scroll to the end")
	}
}

func TestDetailSanitisesControlCharacters(t *testing.T) {
	c := testCommon(100, 30)
	m := sources.Message{Stream: "s", Key: []byte("k\x1b[2J"), Value: []byte("text \x1b]52;c;evil\x07 end"),
		Headers: []sources.Header{{Key: "h\x1b", Value: []byte("v\x1b[31m")}}}
	m.ValueSize = len(m.Value)
	d := newDetailPage(c, m, nil, nil)
	if v := d.View(100, 30); strings.Contains(v, "\x1b") {
		t.Fatalf("escape reached the screen: %q", v)
	}
}

func TestDetailShowsXDeathTable(t *testing.T) {
	c := testCommon(120, 40)
	at := testNow.Add(-time.Minute)
	m := sources.Message{Stream: "orders.parking", Partition: sources.NoPartition, Value: []byte(`{}`), Redelivered: true,
		Properties: []sources.Property{{Name: "content-type", Value: "application/json"}, {Name: "delivery-mode", Value: "2 (persistent)"}},
		DeadLetter: &sources.DeadLetter{Scheme: "rabbitmq", ByExchange: true, OriginStream: "orders.work", OriginPartition: sources.NoPartition, OriginOffset: -1,
			Reason: "rejected", Count: 1, Deaths: []sources.Death{{Queue: "orders.work", Reason: "rejected", Count: 1, Exchange: "shop", RoutingKeys: []string{"order.created"}, Time: at}}}}
	m.ValueSize = 2
	d := newDetailPage(c, m, nil, nil)
	v := strings.Join(d.lines, "\n")
	for _, want := range []string{"QUEUE", "orders.work", "rejected", "order.created", "content-type", "2 (persistent)", "redelivered", "x-death, newest first"} {
		if !strings.Contains(v, want) {
			t.Fatalf("detail lacks %q:\n%s", want, v)
		}
	}
}

func TestQuorumPeekAsksFirst(t *testing.T) {
	c := testCommon(100, 24)
	st := sources.StreamInfo{Name: "payments.work", Kind: "quorum", Reading: sources.Reading{Queue: true, PeekEffect: "delivery-count +1"}, Info: []sources.Property{{Name: "x-delivery-limit", Value: "2"}},
		PeekCost: &sources.PeekCost{Stream: "payments.work", Queue: "a quorum queue with x-delivery-limit 2", Limit: 2, Counter: "delivery count", Then: "dropped"}}
	p := newMessagesPage(c, staticConn{}, st)
	if cmd := p.Init(); cmd != nil || !p.Capturing() || !strings.Contains(p.View(100, 20), "x-delivery-limit 2:") || !strings.Contains(p.View(100, 20), "each read raises every message's delivery count by 1;") {
		t.Fatalf("no question before peeking a quorum queue with a delivery limit:\n%s", p.View(100, 20))
	}
	free := newMessagesPage(c, staticConn{}, sources.StreamInfo{Name: "q", Kind: "quorum", Reading: sources.Reading{Queue: true, PeekEffect: "delivery-count +1"}})
	if free.Init(); free.asking() != "" {
		t.Fatal("a question before peeking a queue without a limit")
	}
	if cmd := p.Update(keyPress("esc")); cmd == nil {
		t.Fatal("esc does not go back")
	} else if _, ok := cmd().(pagePopped); !ok {
		t.Fatal("esc does not go back")
	}
	p.Update(keyPress("enter"))
	if p.Capturing() || p.subID == 0 {
		t.Fatal("enter does not peek")
	}
	if p.start.N != defaultQueuePeek {
		t.Fatalf("queue start %v", p.start)
	}
}

func TestMessagesFilterExpression(t *testing.T) {
	c := testCommon(120, 24)
	p := newTestMessages(c)
	deliver(p, orderMsgs(0, 20))
	p.Update(keyPress("f"))
	if !p.Capturing() {
		t.Fatal("f does not open the filter")
	}
	for _, r := range "json.total >" {
		p.Update(keyPress(string(r)))
	}
	p.Update(keyPress("enter"))
	if p.promptErr == "" || p.prompt == "" {
		t.Fatal("a bad expression was applied")
	}
	for _, r := range " 14.9 && key endsWith \"0\"" {
		p.Update(keyPress(string(r)))
	}
	p.Update(keyPress("enter"))
	if p.prompt != "" || p.view.Len() != 0 { // totals above 14.9: ord-00015..19, none ending in 0
		t.Fatalf("typing %v, rows %d", p.prompt, p.view.Len())
	}
	deliver(p, orderMsgs(20, 11)) // ord-00020 and ord-00030 match
	if p.view.Len() != 2 || string(p.view.At(1).Key) != "ord-00030" {
		t.Fatalf("filtered rows %d", p.view.Len())
	}
	if !strings.Contains(p.Status(), "scanned 31, matched 2") {
		t.Fatalf("status %q", p.Status())
	}
	// redrive takes the filter's result
	p.stream.DeadLetter = true
	p.Update(keyPress("R"))
	if redriveOf(p) == nil || len(redriveOf(p).msgs) != 2 {
		t.Fatal("redrive does not take the filter's result")
	}
	p.Update(keyPress("esc"))
	// clearing the filter shows everything again
	p.Update(keyPress("f"))
	p.input.SetValue("")
	p.Update(keyPress("enter"))
	if p.view.Len() != 31 {
		t.Fatalf("rows after clearing %d", p.view.Len())
	}
}

func TestFilterSurvivesEviction(t *testing.T) {
	c := testCommon(120, 24)
	one := orderMsgs(0, 1)[0]
	c.BufferBudget = int64(one.Size() * 10)
	p := newTestMessages(c)
	deliver(p, orderMsgs(0, 10))
	p.openPrompt("filter", `offset % 2 == 0`)
	p.Update(keyPress("enter"))
	before := p.view.Len()
	deliver(p, orderMsgs(10, 10)) // evicts the first ten
	for i := 0; i < p.view.Len(); i++ {
		if p.view.At(i).Offset%2 != 0 {
			t.Fatalf("row %d does not match after eviction", i)
		}
	}
	if before == 0 || p.view.Len() == 0 {
		t.Fatalf("rows before %d after %d", before, p.view.Len())
	}
}

func TestMessagesSearchAndJump(t *testing.T) {
	c := testCommon(120, 24)
	p := newTestMessages(c)
	deliver(p, orderMsgs(0, 30))
	p.Update(keyPress("/"))
	for _, r := range "ORD-0001" {
		p.Update(keyPress(string(r)))
	}
	status := p.Update(keyPress("enter"))().(statusSet)
	if string(p.view.At(p.cur.sel).Key) != "ord-00010" || p.follow {
		t.Fatalf("search landed on %s (%s)", p.view.At(p.cur.sel).Key, status.text)
	}
	p.Update(keyPress("n"))
	if string(p.view.At(p.cur.sel).Key) != "ord-00011" {
		t.Fatalf("n landed on %s", p.view.At(p.cur.sel).Key)
	}
	p.Update(keyPress("N"))
	p.Update(keyPress("N")) // wraps round to ord-00019
	if string(p.view.At(p.cur.sel).Key) != "ord-00019" {
		t.Fatalf("N landed on %s", p.view.At(p.cur.sel).Key)
	}
	// jump: by time within what is held
	p.openPrompt("jump", "time:"+testNow.Add(20*time.Second).Format(time.RFC3339))
	p.Update(keyPress("enter"))
	if string(p.view.At(p.cur.sel).Key) != "ord-00020" {
		t.Fatalf("jump by time landed on %s", p.view.At(p.cur.sel).Key)
	}
	p.openPrompt("jump", "offset:1=5")
	p.Update(keyPress("enter"))
	if m := p.view.At(p.cur.sel); m.Partition != 1 || m.Offset != 5 {
		t.Fatalf("jump to 1=5 landed on %d/%d", m.Partition, m.Offset)
	}
	p.openPrompt("jump", "2=7") // the shorthand the prompt offers
	p.Update(keyPress("enter"))
	if m := p.view.At(p.cur.sel); m.Partition != 2 || m.Offset != 7 || p.promptErr != "" {
		t.Fatalf("jump to 2=7 landed on %d/%d (%s)", m.Partition, m.Offset, p.promptErr)
	}
	p.openPrompt("jump", "newest")
	p.Update(keyPress("enter"))
	if p.cur.sel != 29 || !p.follow {
		t.Fatal("jump newest")
	}
	// a time before everything held reads again from there
	sub := p.subID
	p.openPrompt("jump", "time:"+testNow.Add(-time.Hour).Format(time.RFC3339))
	p.Update(keyPress("enter"))
	if p.subID == sub || p.start.Kind != sources.StartTime {
		t.Fatal("a jump before the buffer did not read again")
	}
	p.openPrompt("jump", "bogus")
	p.Update(keyPress("enter"))
	if p.promptErr == "" {
		t.Fatal("a bad jump was accepted")
	}
}

func TestFilterScansLargeBuffersInSteps(t *testing.T) {
	c := testCommon(120, 24)
	c.BufferBudget = 1 << 30
	p := newTestMessages(c)
	for i := 0; i < 50000; i += 5000 {
		deliver(p, orderMsgs(i, 5000))
	}
	p.openPrompt("filter", `key endsWith "7"`)
	cmd := p.Update(keyPress("enter"))
	if !p.view.scanning() || cmd == nil || p.view.Len() != 2000 {
		t.Fatalf("first step: scanning %v, rows %d", p.view.scanning(), p.view.Len())
	}
	deliver(p, orderMsgs(50000, 10)) // arrives during the scan
	for cmd != nil {
		cmd = p.Update(cmd())
	}
	if p.view.Len() != 5001 || p.view.scanned != 50010 {
		t.Fatalf("rows %d scanned %d", p.view.Len(), p.view.scanned)
	}
}

func TestConnectingPage(t *testing.T) {
	c := testCommon(100, 24)
	m := NewConnecting(c, "kafka 127.0.0.1:9092", func(context.Context) ([]sources.Conn, error) {
		return []sources.Conn{staticConn{}}, nil
	})
	if !strings.Contains(m.View(), "connecting to kafka 127.0.0.1:9092") {
		t.Fatalf("first frame:\n%s", m.View())
	}
	_, cmd := m.Update(m.Init()())
	m.Update(cmd())
	if _, ok := m.top().(*streamsPage); !ok || len(m.Conns()) != 1 {
		t.Fatalf("after connecting: %T", m.top())
	}
	failing := NewConnecting(c, "kafka 127.0.0.1:1", func(context.Context) ([]sources.Conn, error) {
		return nil, fmt.Errorf("connect to kafka 127.0.0.1:1: broker unreachable")
	})
	_, cmd = failing.Update(failing.Init()())
	failing.Update(cmd())
	if v := failing.View(); !strings.Contains(v, "broker unreachable") || !strings.Contains(v, "✖") {
		t.Fatalf("error screen:\n%s", v)
	}
	if failing.ConnectError() == nil || m.ConnectError() != nil {
		t.Fatal("ConnectError")
	}
}

// fixedConn is a connection whose every read delivers the same messages and
// ends: a stand-in for a broker in screen tests (the connectors have their
// own tests against real brokers).
type fixedConn struct {
	staticConn
	msgs []sources.Message
}

func (c fixedConn) Read(ctx context.Context, stream string, opts sources.ReadOptions) (sources.Subscription, error) {
	f := sources.NewFeed(ctx, 0, nil)
	f.Go(func(context.Context) { f.SendBatch(append([]sources.Message(nil), c.msgs...)) })
	f.EndWhenDone()
	return f, nil
}

// demoConn starts the demo broker (history orders, no trickle) and dials it;
// both end with the test.
func demoConn(t *testing.T, history int, seed uint64) *kafka.Conn {
	t.Helper()
	cl, err := demo.Start(context.Background(), demo.Options{Port: -1, History: history, TrickleEvery: -1, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return dialKafka(t, cl.Addr())
}

// filledTopic starts kfake with one single-partition topic holding n
// copies of value, and dials it.
func filledTopic(t *testing.T, topic string, n int, value []byte) *kafka.Conn {
	t.Helper()
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic), kfake.BrokerConfigs(map[string]string{"message.max.bytes": "2000000"}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kf.Close)
	addr := kf.ListenAddrs()[0]
	if err := testbroker.FillKafka(addr, topic, n, value); err != nil {
		t.Fatal(err)
	}
	return dialKafka(t, addr)
}

func dialKafka(t *testing.T, addr string) *kafka.Conn {
	t.Helper()
	conn, err := kafka.Dial(context.Background(), kafka.Options{Name: "demo", Brokers: []string{addr}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// TestFirstRunStartsTheDemo: the welcome page shows how to add a
// connection, and d opens the demo through its dialer.
func TestFirstRunStartsTheDemo(t *testing.T) {
	c := testCommon(100, 30)
	dialed := false
	m := NewFirstRun(c, "/home/u/.config/mqscope/config.yaml", func(context.Context) ([]sources.Conn, error) {
		dialed = true
		return []sources.Conn{staticConn{}}, nil
	})
	if v := m.View(); !strings.Contains(v, "Press d") || !strings.Contains(v, "mqscope config init") || !strings.Contains(v, "/home/u/.config/mqscope/config.yaml") {
		t.Fatalf("welcome:\n%s", v)
	}
	for _, flag := range []string{"mqscope --kafka host:9092", "mqscope --rabbitmq amqp://", "mqscope --nats nats://host:4222", "mqscope --redis redis://host:6379"} {
		if v := m.View(); !strings.Contains(v, flag) {
			t.Errorf("the welcome page does not show %q:\n%s", flag, v)
		}
	}
	_, cmd := m.Update(keyPress("d"))
	_, cmd = m.Update(cmd())
	if _, ok := m.top().(*connectingPage); !ok {
		t.Fatalf("d opened %T", m.top())
	}
	_, cmd = m.Update(cmd()) // connected
	_, _ = m.Update(cmd())   // connectionsReady
	if !dialed || len(m.Conns()) != 1 {
		t.Fatal("the demo was not dialled")
	}
}

// refusingConn is a connection whose targets do not exist.
type refusingConn struct{ staticConn }

func (refusingConn) CheckTarget(_ context.Context, t sources.Target) error {
	return fmt.Errorf("topic %q does not exist: %w", t.Stream, sources.ErrBadTarget)
}

// TestRedriveDialogRefusesABadTarget: the dialog checks the plan's targets
// before it offers to run, shows why a target is refused, and y does
// nothing then.
func TestRedriveDialogRefusesABadTarget(t *testing.T) {
	c := testCommon(100, 30)
	d := newRedriveDialog(c, refusingConn{}, 1, "orders.DLT", orderMsgs(0, 3), false)
	d.opts.To = "nosuch"
	check := d.replan()
	if v := d.view(100, 40); !strings.Contains(v, "checking the targets") || strings.Contains(v, "y/enter") {
		t.Fatalf("before the check:\n%s", v)
	}
	if cmd, _ := d.update(keyPress("y")); cmd != nil || d.state != redrivePlanned {
		t.Fatal("y started a run before the targets were checked")
	}
	d.targetsChecked(check().(redriveTargetsChecked))
	if v := d.view(100, 40); !strings.Contains(v, `topic "nosuch" does not exist`) || strings.Contains(v, "y/enter") {
		t.Fatalf("after the check:\n%s", v)
	}
	if cmd, _ := d.update(keyPress("y")); cmd != nil || d.state != redrivePlanned {
		t.Fatal("y started a run to a refused target")
	}
	d.replan() // a new plan: the old check's answer is dropped
	d.targetsChecked(redriveTargetsChecked{page: 1, gen: d.planGen - 1})
	if d.checked {
		t.Fatal("a stale check was taken")
	}
}

// TestRedriveDialogKeepsItsKeyLineOnATinyTerminal: a refusal too long for
// the dialog is cut above the key line, which stays.
func TestRedriveDialogKeepsItsKeyLineOnATinyTerminal(t *testing.T) {
	d := newRedriveDialog(testCommon(30, 8), refusingConn{}, 1, "orders.DLT", orderMsgs(0, 3), false)
	d.opts.To = strings.Repeat("very-long-topic-name.", 8)
	check := d.replan()
	d.targetsChecked(check().(redriveTargetsChecked))
	v := d.view(30, 6)
	if lines := strings.Split(v, "\n"); len(lines) > 6 || !strings.Contains(lines[len(lines)-2], "esc: cancel") || !strings.Contains(v, "t: choose a target") || !strings.Contains(v, "cannot redrive") {
		t.Fatalf("dialog in 30x6:\n%s", v)
	}
}

// TestDetailShowsPoison: a poison message's flaw survives the message
// list's buffer and is shown in its detail.
func TestDetailShowsPoison(t *testing.T) {
	c := testCommon(200, 30)
	buf := msgbuf.New(1 << 20)
	buf.Append([]sources.Message{{Stream: "q", Partition: sources.NoPartition, Offset: 2, Value: []byte("x"),
		Flaw: &sources.Flaw{HeaderBytes: 1 << 20, Reason: "its header frame is larger than the 128 KiB frame_max"}}})
	m := buf.At(0)
	if m.Flaw == nil || m.FlawLine() != "q@2 (1.0 MiB of headers): its header frame is larger than the 128 KiB frame_max" {
		t.Fatalf("the buffer lost the flaw: %+v", m.Flaw)
	}
	d := newDetailPage(c, *m, nil, nil)
	if joined := strings.Join(d.lines, "\n"); !strings.Contains(joined, "Poison") || !strings.Contains(joined, "1.0 MiB of headers: its header frame is larger") {
		t.Fatalf("detail:\n%s", joined)
	}
}

// TestRedriveDialogNamesPossibleDuplicates: a run that resumed one an
// earlier run left open says which messages the target may hold twice.
func TestRedriveDialogNamesPossibleDuplicates(t *testing.T) {
	c := testCommon(120, 40)
	d := newRedriveDialog(c, staticConn{}, 1, "work.dlq", orderMsgs(0, 3), true)
	d.replan()
	d.finished(replay.Result{Progress: replay.Progress{Done: 3}, PossibleDuplicates: []replay.PossibleDuplicate{
		{Copies: 1, MessageID: "m-7\x1b]0;x\x07", Target: "exchange shop [order.created]"},
		{Copies: 2, Position: "4", Identity: "00ff", Target: "exchange shop [order.created]"},
	}}, nil)
	v := d.view(120, 40)
	if !strings.Contains(v, "up to 3 may be duplicated") || !strings.Contains(v, "message-id m-7␛]0;x␇") || strings.Contains(v, "\x1b]0;") {
		t.Fatalf("dialog:\n%s", v)
	}
}

// TestStatusLaterRequestStands: two status lines asked for in order whose
// Cmds finish out of order leave the later one on the status line.
func TestStatusLaterRequestStands(t *testing.T) {
	m := newModel(testCommon(80, 24), []sources.Conn{staticConn{}})
	first, second := setError(errors.New("first failure")), setError(errors.New("both failed"))
	m.Update(second())
	m.Update(first())
	if v := m.View(); !strings.Contains(v, "both failed") || strings.Contains(v, "first failure") {
		t.Fatalf("the earlier request covered the later one:\n%s", v)
	}
	m.Update(statusSet{text: "copied"}) // made in a Cmd: always shown
	if !strings.Contains(m.View(), "copied") {
		t.Fatalf("an unstamped line was dropped:\n%s", m.View())
	}
}

// redriveOf is the redrive dialog open on p (nil: none).
func redriveOf(p *messagesPage) *redriveDialog { return p.redriving() }

// publishOf is the publish dialog open on p (nil: none).
func publishOf(p *messagesPage) *publishDialog { return p.publishing() }

// copyMenuOf is the copy menu open on p (nil: none).
func copyMenuOf(p *messagesPage) *copyMenu { return p.copyingMenu() }

// pickerOf is the start picker open on p (nil: none).
func pickerOf(p *messagesPage) *startPicker { return p.picking() }
