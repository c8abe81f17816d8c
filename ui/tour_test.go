package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
)

// rootWith is a root model whose stack holds the streams page and p.
func rootWith(c *Common, p page) *Model {
	m := newModel(c, []sources.Conn{staticConn{}})
	m.stack = append(m.stack, p)
	return m
}

// typeFilter types a filter expression into the message list and applies it.
func typeFilter(m *Model, src string) {
	m.Update(keyPress("f"))
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(src), Paste: true})
	m.Update(keyPress("enter"))
}

// screenLines is the root's view as lines, after checking it has exactly
// the terminal's height and no line wider than it.
func screenLines(t *testing.T, m *Model) []string {
	t.Helper()
	lines := strings.Split(m.View(), "\n")
	if len(lines) != m.c.Height {
		t.Fatalf("the screen has %d rows, the terminal %d:\n%s", len(lines), m.c.Height, m.View())
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > m.c.Width {
			t.Fatalf("row %d is %d cells wide (terminal %d): %q", i, w, m.c.Width, l)
		}
	}
	return lines
}

func TestFilterFailuresSayItInOneStatusRow(t *testing.T) {
	for _, tc := range []struct {
		expr  string
		value []byte
	}{
		{`int(json.status) == 1`, []byte{0x00, 0x01, 0xa7, 0xff}}, // binary values: json is nil, int(nil) fails
		{`int(json.nope) > 3`, []byte(`{"status":"OK"}`)},
	} {
		for _, w := range []int{40, 80, 140} {
			c := testCommon(w, 12)
			p := newTestMessages(c)
			m := rootWith(c, p)
			ms := orderMsgs(0, 5)
			for i := range ms {
				ms[i].Value = tc.value
			}
			deliver(p, ms)
			typeFilter(m, tc.expr)
			lines := screenLines(t, m)
			if !strings.HasPrefix(lines[0], "mqscope") {
				t.Fatalf("%s at %d: the title scrolled off: %q", tc.expr, w, lines[0])
			}
			if body := strings.Join(lines[1:len(lines)-2], "\n"); !strings.Contains(body, "0 matches") || strings.Contains(body, "waiting for new ones") {
				t.Fatalf("%s at %d: the list says\n%s", tc.expr, w, body)
			}
			if w >= 80 {
				status := lines[len(lines)-2]
				if !strings.Contains(status, "0/0  5 messages could not be evaluated: first at orders@0: ") {
					t.Fatalf("%s: status %q", tc.expr, status)
				}
			}
		}
	}
}

// feed runs a Cmd (batches too) and hands the root what it returns, then
// does the same with the Cmds the root answers with, a few rounds deep.
func feed(m *Model, cmd tea.Cmd) {
	for round := 0; cmd != nil && round < 6; round++ {
		var next []tea.Cmd
		for _, msg := range runBatch(cmd) {
			if msg == nil {
				continue
			}
			_, c := m.Update(msg)
			next = append(next, c)
		}
		cmd = tea.Batch(next...)
	}
}

// statusRow is the status line of the root's screen.
func statusRow(t *testing.T, m *Model) string {
	lines := screenLines(t, m)
	return lines[len(lines)-2]
}

func TestStatusBelongsToThePageThatSetIt(t *testing.T) {
	c := testCommon(120, 16)
	msgs := orderMsgs(0, 6)
	p := newMessagesPage(c, fixedConn{msgs: msgs}, sources.StreamInfo{Reading: sources.Reading{HasPositions: true, Live: true}, Name: "orders", Partitions: make([]sources.PartitionInfo, 3), Messages: 6})
	m := newModel(c, []sources.Conn{staticConn{}})
	_, cmd := m.Update(pagePushed{p})
	feed(m, cmd)
	if p.buf.Len() != 6 {
		t.Fatalf("read %d messages", p.buf.Len())
	}

	// An editor's answer is the message list's: the page below never shows it.
	_, cmd = m.Update(editRead{page: p.pid, orig: msgs[0], unchanged: true})
	feed(m, cmd)
	if !strings.Contains(statusRow(t, m), "the file was not changed") {
		t.Fatalf("the list does not say the edit changed nothing: %q", statusRow(t, m))
	}
	m.Update(keyPress("esc"))
	if row := statusRow(t, m); strings.Contains(row, "file was not changed") {
		t.Fatalf("the streams page shows the list's status: %q", row)
	}
	p = newMessagesPage(c, fixedConn{msgs: msgs}, sources.StreamInfo{Reading: sources.Reading{HasPositions: true, Live: true}, Name: "orders", Partitions: make([]sources.PartitionInfo, 3), Messages: 6})
	_, cmd = m.Update(pagePushed{p})
	feed(m, cmd)

	// "looking for the other copy…" ends when the copy is shown.
	_, cmd = m.Update(keyPress("d"))
	for _, msg := range runBatch(cmd) {
		if st, ok := msg.(statusSet); ok {
			m.Update(st)
		}
	}
	if !strings.Contains(statusRow(t, m), "looking for the other copy") {
		t.Fatalf("no search announced: %q", statusRow(t, m))
	}
	_, cmd = m.Update(diffReady{page: p.pid, a: msgs[0], b: msgs[1]})
	feed(m, cmd)
	if _, ok := m.top().(*diffPage); !ok {
		t.Fatalf("the diff is not shown: top is %T", m.top())
	}
	if row := statusRow(t, m); strings.Contains(row, "looking for") {
		t.Fatalf("the diff page still looks for the copy: %q", row)
	}
	m.Update(keyPress("esc"))
	if row := statusRow(t, m); strings.Contains(row, "looking for") {
		t.Fatalf("back on the list, it still looks for the copy: %q", row)
	}

	// A jump past what is held reads again from there: the info line says
	// where from, and nothing stays behind in the status line.
	m.Update(keyPress(":"))
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("offset:999999"), Paste: true})
	_, cmd = m.Update(keyPress("enter"))
	feed(m, cmd)
	if row := statusRow(t, m); strings.Contains(row, "reading from") {
		t.Fatalf("status after the read opened: %q", row)
	}
	if info := p.infoLine(); !strings.Contains(info, "from offset:999999") {
		t.Fatalf("info line %q", info)
	}

	// A failed open's error goes once a read opens.
	_, cmd = m.Update(subscriptionOpened{page: p.pid, sub: p.subID, err: errTest("broker down")})
	feed(m, cmd)
	if !strings.Contains(statusRow(t, m), "broker down") {
		t.Fatalf("the error is not shown: %q", statusRow(t, m))
	}
	feed(m, p.restart())
	if row := statusRow(t, m); strings.Contains(row, "broker down") {
		t.Fatalf("the error outlived the read that failed: %q", row)
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }

func TestTriageExportIsAnnouncedOnce(t *testing.T) {
	c := testCommon(160, 16)
	tp := newTriagePage(c, staticConn{}, sources.StreamInfo{Reading: sources.Reading{HasPositions: true, Live: true}, Name: "orders.DLT", DeadLetter: true})
	m := newModel(c, []sources.Conn{staticConn{}})
	m.Update(pagePushed{tp})
	_, cmd := m.Update(groupExported{page: tp.pid, path: "/tmp/orders.DLT-399680f1.jsonl", n: 3})
	feed(m, cmd)
	row := statusRow(t, m)
	if n := strings.Count(row, "orders.DLT-399680f1.jsonl"); n != 1 || !strings.Contains(row, "exported 3 dead letters to /tmp/orders.DLT-399680f1.jsonl") {
		t.Fatalf("the export is announced %d times: %q", n, row)
	}
}

func TestHelpFitsOrScrolls(t *testing.T) {
	// At 80x24 every key of a dead-letter list shows at once.
	c := testCommon(80, 24)
	p := newTestMessages(c)
	p.dlq = true
	m := rootWith(c, p)
	m.Update(keyPress("?"))
	view := strings.Join(screenLines(t, m), "\n")
	for _, g := range m.helpGroups() {
		for _, b := range g {
			if !strings.Contains(view, b.Help().Desc) {
				t.Fatalf("help at 80x24 lacks %q:\n%s", b.Help().Desc, view)
			}
		}
	}
	if strings.Contains(view, "↑↓ scroll") {
		t.Fatalf("help at 80x24 scrolls:\n%s", view)
	}

	// At 40x12 it scrolls to its last key, and any other key closes it.
	c = testCommon(40, 12)
	p = newTestMessages(c)
	m = rootWith(c, p)
	m.Update(keyPress("?"))
	if view := strings.Join(screenLines(t, m), "\n"); !strings.Contains(view, "↑↓ scroll: 1–") {
		t.Fatalf("help at 40x12 does not say it scrolls:\n%s", view)
	}
	for i := 0; i < 60; i++ {
		m.Update(keyPress("j"))
	}
	if view := strings.Join(screenLines(t, m), "\n"); !strings.Contains(view, "quit") || strings.Contains(view, "page down") {
		t.Fatalf("help scrolled to its end shows:\n%s", view)
	}
	m.Update(keyPress("x"))
	if m.showHelp {
		t.Fatal("x did not close the help")
	}
}

func TestKeyLineKeepsHelpAndQuit(t *testing.T) {
	for _, w := range []int{30, 50, 80} {
		c := testCommon(w, 12)
		p := newTestMessages(c)
		p.dlq = true
		m := rootWith(c, p)
		lines := screenLines(t, m)
		if keys := lines[len(lines)-1]; !strings.Contains(keys, "? help  q quit") {
			t.Fatalf("key line at %d: %q", w, keys)
		}
	}
}

func TestRedriveDialogKeepsItsKeyLine(t *testing.T) {
	for _, size := range [][2]int{{50, 12}, {50, 9}, {80, 14}, {120, 40}} {
		c := testCommon(size[0], size[1])
		p := newTestMessages(c)
		m := rootWith(c, p)
		deliver(p, orderMsgs(0, 3))
		m.Update(keyPress("R"))
		redriveOf(p).opts.To = "orders.retry" // plain messages have no origin: give them a target
		feed(m, redriveOf(p).replan())        // the target check
		view := strings.Join(screenLines(t, m), "\n")
		if !strings.Contains(view, "y/enter: redrive") {
			t.Fatalf("at %dx%d the dialog has no key line:\n%s", size[0], size[1], view)
		}
		redriveOf(p).state = redriveRunning
		if view := strings.Join(screenLines(t, m), "\n"); !strings.Contains(view, "esc/q: stop") {
			t.Fatalf("at %dx%d the running redrive has no key line:\n%s", size[0], size[1], view)
		}
		redriveOf(p).state = redriveDone
		if view := strings.Join(screenLines(t, m), "\n"); !strings.Contains(view, "enter: close") {
			t.Fatalf("at %dx%d the summary has no key line:\n%s", size[0], size[1], view)
		}
	}
}

func TestOnBrokerCountFollowsTheTopic(t *testing.T) {
	conn := filledTopic(t, "orders", 5, []byte(`{"status":"OK"}`))
	c := testCommon(100, 12)
	// As the consumer groups page opens it: the partitions the group
	// committed on, no count yet.
	p := newMessagesPage(c, conn, sources.StreamInfo{Name: "orders", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, Partitions: []sources.PartitionInfo{{ID: 0}}})
	m := rootWith(c, p)
	p.pid = 9
	m.Update(p.count()())
	if info := p.infoLine(); !strings.Contains(info, "5 on broker") {
		t.Fatalf("info line %q", info)
	}
	if err := testbroker.FillKafka(conn.Address(), "orders", 7, []byte(`{"status":"OK"}`)); err != nil {
		t.Fatal(err)
	}
	_, cmd := m.Update(countDue{page: p.pid})
	if cmd == nil {
		t.Fatal("no count asked for on the refresh tick")
	}
	m.Update(cmd())
	if info := p.infoLine(); !strings.Contains(info, "12 on broker") || !strings.Contains(info, "1 partition") {
		t.Fatalf("after 7 more: info line %q", info)
	}
}

func TestRedriveProgressStartsFromThePlan(t *testing.T) {
	c := testCommon(100, 24)
	p := newTestMessages(c)
	m := rootWith(c, p)
	deliver(p, orderMsgs(0, 3))
	m.Update(keyPress("R"))
	redriveOf(p).state = redriveRunning // started: no progress reported yet
	view := strings.Join(screenLines(t, m), "\n")
	if !strings.Contains(view, "0/3  — msg/s  ETA —") || strings.Contains(view, "0/0") {
		t.Fatalf("a redrive that just started shows:\n%s", view)
	}
}

func TestNilFilterFindsTheTombstoneShownAsNull(t *testing.T) {
	c := testCommon(100, 12)
	p := newTestMessages(c)
	m := rootWith(c, p)
	ms := orderMsgs(0, 4)
	ms[2].Value, ms[2].ValueSize = nil, 0
	deliver(p, ms)
	typeFilter(m, `value == nil`)
	if p.view.Len() != 1 || p.view.At(0).Offset != ms[2].Offset {
		t.Fatalf("value == nil kept %d rows", p.view.Len())
	}
	if view := strings.Join(screenLines(t, m), "\n"); !strings.Contains(view, "∅ null") || !strings.Contains(view, "matched 1") {
		t.Fatalf("the tombstone is not the match:\n%s", view)
	}
}
