package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/sources"
)

// rabbitConn is a connection of a broker without consumer groups.
type rabbitConn struct{ staticConn }

func (rabbitConn) Kind() string { return "rabbitmq" }

// Reach opens it again by name; kcat does not reach it.
func (c rabbitConn) Reach() sources.Reach { return sources.Reach{Flags: []string{"-c", c.Name()}} }

// groupsConn is a connection that lists consumer groups (none here).
type groupsConn struct{ staticConn }

func (groupsConn) ListGroups(context.Context) ([]sources.GroupInfo, error) { return nil, nil }

func (groupsConn) DescribeGroup(_ context.Context, group string) (sources.GroupDetail, error) {
	return sources.GroupDetail{}, errors.New("no group " + group)
}

func arrow(t tea.KeyType) tea.KeyMsg { return tea.KeyMsg{Type: t} }

func longValueMsgs() []sources.Message {
	ms := orderMsgs(0, 3)
	ms[1].Value = []byte("start " + strings.Repeat("界", 10) + strings.Repeat("x", 200) + " END")
	ms[1].ValueSize = len(ms[1].Value)
	return ms
}

func TestListScrollsSideways(t *testing.T) {
	c := testCommon(80, 12)
	p := newTestMessages(c)
	m := rootWith(c, p)
	deliver(p, longValueMsgs())
	if v := p.View(80, 9); strings.Contains(v, "◂") || strings.Contains(v, "END") {
		t.Fatalf("unscrolled view:\n%s", v)
	}
	m.Update(arrow(tea.KeyRight))
	m.Update(keyPress("l"))
	if p.side.left != 2*hscrollStep {
		t.Fatalf("offset %d after → l", p.side.left)
	}
	if len(m.stack) != 2 {
		t.Fatal("→ or l opened the message")
	}
	if v := p.View(80, 9); !strings.Contains(v, "VALUE ◂ +16") {
		t.Fatalf("no offset in the header:\n%s", v)
	}
	for range 100 {
		m.Update(keyPress("l"))
	}
	widest := p.widestLast()
	if p.side.left != widest-p.lastWidth() {
		t.Fatalf("offset %d: the widest value is %d cells in %d", p.side.left, widest, p.lastWidth())
	}
	lines := screenLines(t, m)
	if !strings.Contains(strings.Join(lines, "\n"), "END") {
		t.Fatalf("the end of the value is not shown:\n%s", strings.Join(lines, "\n"))
	}
	for range 100 {
		m.Update(arrow(tea.KeyLeft))
	}
	m.Update(keyPress("h"))
	if p.side.left != 0 || len(m.stack) != 2 {
		t.Fatalf("offset %d, %d pages after ← h", p.side.left, len(m.stack))
	}
	_, cmd := m.Update(keyPress("enter"))
	feed(m, cmd)
	if _, ok := m.top().(*detailPage); !ok {
		t.Fatal("enter did not open the message")
	}
	m.Update(arrow(tea.KeyBackspace))
	if m.top() != page(p) {
		t.Fatal("backspace did not go back")
	}
}

func TestShiftCellsKeepsColumnsAndSequences(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"ab界cd", 2, "界cd"},
		{"ab界cd", 3, " cd"}, // the wide rune cut in half is a space
		{"\x1b[31mabcdef\x1b[0m", 2, "\x1b[31mcdef\x1b[0m"},
		{"abc", 5, ""},
	} {
		got := shiftCells(tc.in, tc.n)
		if got != tc.want || ansi.StringWidth(got) != max(ansi.StringWidth(tc.in)-tc.n, 0) {
			t.Fatalf("shiftCells(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestDetailWrapToggleAndScroll(t *testing.T) {
	c := testCommon(60, 20)
	ms := longValueMsgs()
	d := newDetailPage(c, ms[1], nil, nil)
	wrapped := len(d.lines)
	for _, l := range d.lines {
		if ansi.StringWidth(l) > 60 {
			t.Fatalf("a wrapped line is %d cells: %q", ansi.StringWidth(l), l)
		}
	}
	d.Update(keyPress("w"))
	if !d.unwrap || len(d.lines) >= wrapped || d.widest <= 60 {
		t.Fatalf("unwrapped: %v, %d lines (wrapped %d), widest %d", d.unwrap, len(d.lines), wrapped, d.widest)
	}
	d.Update(keyPress("l"))
	if d.side.left != hscrollStep || !strings.Contains(d.Status(), "unwrapped ◂ +8") {
		t.Fatalf("offset %d, status %q", d.side.left, d.Status())
	}
	for range 100 {
		d.Update(arrow(tea.KeyRight))
	}
	if d.side.left != d.widest-60 || !strings.Contains(d.View(60, 17), "END") {
		t.Fatalf("offset %d of %d:\n%s", d.side.left, d.widest, d.View(60, 17))
	}
	d.Update(keyPress("w"))
	if d.unwrap || d.side.left != 0 || len(d.lines) != wrapped {
		t.Fatalf("wrapped again: %v, offset %d, %d lines", d.unwrap, d.side.left, len(d.lines))
	}
	// → on wrapped lines unwraps them to scroll.
	d.Update(arrow(tea.KeyRight))
	if !d.unwrap || d.side.left != hscrollStep {
		t.Fatalf("→ when wrapped: unwrap %v, offset %d", d.unwrap, d.side.left)
	}
}

func TestDiffWrapAndScroll(t *testing.T) {
	c := testCommon(80, 30)
	a, b := longValueMsgs()[1], longValueMsgs()[1]
	b.Value = append([]byte(nil), a.Value...)
	b.Value[len(b.Value)-1] = '!'
	p := newDiffPage(c, a, b, nil, nil)
	cut := len(p.lines)
	p.Update(keyPress("w"))
	if len(p.lines) <= cut || !strings.Contains(p.Status(), "wrapped") {
		t.Fatalf("wrapped diff has %d lines (cut %d), status %q", len(p.lines), cut, p.Status())
	}
	if v := p.View(80, 27); !strings.Contains(v, "EN!") || !strings.Contains(v, "END") {
		t.Fatalf("wrapped diff hides the ends:\n%s", v)
	}
	p.Update(keyPress("w"))
	p.Update(keyPress("l"))
	if p.side.left != hscrollStep || !strings.Contains(p.View(80, 27), "LEFT ◂ +8") || len(p.lines) != cut {
		t.Fatalf("scrolled diff: offset %d\n%s", p.side.left, p.View(80, 27))
	}
	for range 100 {
		p.Update(arrow(tea.KeyRight))
	}
	if v := p.View(80, 27); !strings.Contains(v, "END") {
		t.Fatalf("scrolled to the end, the diff hides it:\n%s", v)
	}
}

func TestStreamsHelpOffersGroupsWhereThereAre(t *testing.T) {
	c := testCommon(200, 20)
	for _, tc := range []struct {
		conn sources.Conn
		want bool
	}{{rabbitConn{}, false}, {staticConn{}, false}, {groupsConn{}, true}} {
		p := newStreamsPage(c, 1, tc.conn)
		m := newModel(c, []sources.Conn{tc.conn})
		m.stack = []page{p}
		line := m.keyLine(200)
		if strings.Contains(line, "consumer groups") != tc.want {
			t.Fatalf("%s: key line %q", tc.conn.Kind(), line)
		}
		full := helpEntries(p.FullHelp())
		has := false
		for _, e := range full {
			has = has || e.desc == "consumer groups"
		}
		if has != tc.want {
			t.Fatalf("%s: help overlay %v", tc.conn.Kind(), full)
		}
	}
}

func TestPromptShowsItsOwnKeys(t *testing.T) {
	c := testCommon(160, 20)
	p := newTestMessages(c)
	m := rootWith(c, p)
	deliver(p, orderMsgs(0, 3))
	for _, tc := range []struct{ key, want, not string }{
		{"f", "enter apply  esc cancel  tab complete  ? fields", "T triage"},
		{":", "enter apply  esc cancel", "? fields"},
		{"/", "enter apply  esc cancel", "q quit"},
	} {
		m.Update(keyPress(tc.key))
		lines := screenLines(t, m)
		line := ansi.Strip(lines[len(lines)-1])
		if !strings.Contains(line, tc.want) || strings.Contains(line, tc.not) || strings.Contains(line, "? help") {
			t.Fatalf("%s prompt: key line %q", tc.key, line)
		}
		m.Update(keyPress("esc"))
	}
}

func TestFailedStartRetries(t *testing.T) {
	c := testCommon(80, 12)
	calls := 0
	dial := func(context.Context) ([]sources.Conn, error) {
		calls++
		if calls == 1 {
			return nil, errors.New("connection refused")
		}
		return []sources.Conn{staticConn{}}, nil
	}
	m := NewConnecting(c, "test", dial)
	feed(m, m.Init())
	lines := screenLines(t, m)
	if !strings.Contains(strings.Join(lines, "\n"), "r: retry") || !strings.Contains(ansi.Strip(lines[len(lines)-1]), "r retry") {
		t.Fatalf("failed start:\n%s", strings.Join(lines, "\n"))
	}
	_, cmd := m.Update(keyPress("r"))
	feed(m, cmd)
	if calls != 2 {
		t.Fatalf("dialed %d times", calls)
	}
	if _, ok := m.stack[0].(*connectingPage); ok || m.ConnectError() != nil {
		t.Fatalf("still on the start page after a retry that connected: %T %v", m.stack[0], m.ConnectError())
	}
}

func TestCrumbsNameStreamAndPosition(t *testing.T) {
	c := testCommon(160, 20)
	p := newTestMessages(c)
	m := rootWith(c, p)
	deliver(p, orderMsgs(0, 3))
	_, cmd := m.Update(keyPress("enter"))
	feed(m, cmd)
	if got := ansi.Strip(screenLines(t, m)[0]); !strings.HasSuffix(got, "orders ▸ p2@0") {
		t.Fatalf("header %q", got)
	}
	tr := newTracePage(c, []sources.Conn{staticConn{}}, traceRequested{value: "corr-7"})
	m.Update(pagePushed{tr})
	hit := orderMsgs(7, 1)[0]
	hit.Stream = "payments"
	d := newDetailPage(c, hit, nil, nil)
	m.Update(pagePushed{d})
	if got := ansi.Strip(screenLines(t, m)[0]); !strings.HasSuffix(got, "orders ▸ p2@0 ▸ trace corr-7 ▸ payments p1@2") {
		t.Fatalf("header %q", got)
	}
	d.msg.Partition = sources.NoPartition
	if got := ansi.Strip(d.Crumb()); got != "payments @2" {
		t.Fatalf("crumb %q", got)
	}
}

func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{plural(1, "message"), "1 message"},
		{plural(0, "message"), "0 messages"},
		{plural(int64(12345), "message"), "12,345 messages"},
		{plural(2, "match"), "2 matches"},
		{plural(1, "header"), "1 header"},
	} {
		if tc.got != tc.want {
			t.Fatalf("%q, want %q", tc.got, tc.want)
		}
	}
	d := newDetailPage(testCommon(100, 20), orderMsgs(0, 1)[0], nil, nil)
	if v := d.View(100, 17); !strings.Contains(v, "1 header") || strings.Contains(v, "1 headers") {
		t.Fatalf("detail:\n%s", v)
	}
}

func TestDetailStepsFromTheMessageShownInAFollowingList(t *testing.T) {
	c := testCommon(100, 20)
	p := newTestMessages(c)
	deliver(p, orderMsgs(0, 10))
	d := p.Update(keyPress("enter"))().(pagePushed).p.(*detailPage) // the newest, ord-00009
	deliver(p, orderMsgs(10, 5))                                    // the list follows on to ord-00014
	if !p.follow || p.cur.sel != 14 {
		t.Fatalf("the list does not follow: sel %d", p.cur.sel)
	}
	d.Update(keyPress("N"))
	if string(d.msg.Key) != "ord-00008" || p.cur.sel != 8 {
		t.Fatalf("N showed %s (list sel %d), want ord-00008, the one before the message shown", d.msg.Key, p.cur.sel)
	}
	deliver(p, orderMsgs(15, 2)) // stepping paused the list
	d.Update(keyPress("n"))
	if string(d.msg.Key) != "ord-00009" {
		t.Fatalf("n showed %s, want ord-00009", d.msg.Key)
	}
}

// A message without a time (a RabbitMQ message with no timestamp
// property) shows none in the detail, not the zero time.
func TestDetailOfAMessageWithoutATime(t *testing.T) {
	c := testCommon(80, 20)
	m := longValueMsgs()[0]
	m.Timestamp = time.Time{}
	d := newDetailPage(c, m, nil, nil)
	if st, view := d.Status(), plain(d.View(80, 20)); strings.Contains(st, "0001") || strings.Contains(view, "0001-01-01") {
		t.Fatalf("the zero time is shown:\n%s\n%s", st, view)
	}
}
