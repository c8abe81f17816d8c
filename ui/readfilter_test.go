package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
)

// pump runs cmds (and the cmds their messages return) against the page
// until stop holds or the time is up; it is the Bubble Tea loop, in a test.
func pump(t *testing.T, p page, cmd tea.Cmd, stop func() bool) {
	t.Helper()
	newLoop(p).until(t, cmd, stop)
}

// loop is a Bubble Tea loop for one page that lasts across waits: Cmds
// still running when a wait ends deliver to the next one.
type loop struct {
	p    page
	msgs chan tea.Msg
}

func newLoop(p page) *loop { return &loop{p: p, msgs: make(chan tea.Msg, 64)} }

func (l *loop) run(c tea.Cmd) {
	if c != nil {
		go func() { l.msgs <- c() }()
	}
}

// until runs cmd and what follows until stop holds (15 s at most).
func (l *loop) until(t *testing.T, cmd tea.Cmd, stop func() bool) {
	t.Helper()
	l.run(cmd)
	deadline := time.After(15 * time.Second)
	for !stop() {
		select {
		case m := <-l.msgs:
			switch m := m.(type) {
			case tea.BatchMsg:
				for _, c := range m {
					l.run(c)
				}
			case nil:
			default:
				l.run(l.p.Update(m))
			}
		case <-deadline:
			t.Fatalf("timed out; status: %s\n%s", l.p.Status(), l.p.View(120, 20))
		}
	}
}

// TestReadFilterKeepsOnlyMatchesWithinItsBudget reads a real topic through
// a read-time filter: only matches reach the buffer, the scan stops at its
// budget and + goes on.
func TestReadFilterKeepsOnlyMatchesWithinItsBudget(t *testing.T) {
	conn := filledTopic(t, "events", 5000, []byte(`{"status":"OK"}`))
	c := testCommon(120, 20)
	c.ScanBudget = 2000
	p := newMessagesPage(c, conn, sources.StreamInfo{Reading: sources.Reading{HasPositions: true, Live: true}, Name: "events", Partitions: make([]sources.PartitionInfo, 1)})
	defer p.Close()
	p.start = sources.Start{Kind: sources.StartOldest}
	p.Update(keyPress("F"))
	for _, r := range `key endsWith "00"` {
		p.Update(keyPress(string(r)))
	}
	cmd := p.Update(keyPress("enter"))
	if p.prompt != "" {
		t.Fatalf("prompt still open: %s", p.promptErr)
	}
	pump(t, p, cmd, func() bool { return p.budgetHit })
	if p.buf.Len() != 20 || p.scan.Scanned() != 2000 || p.scan.Matched() != 20 {
		t.Fatalf("held %d, scanned %d, matched %d", p.buf.Len(), p.scan.Scanned(), p.scan.Matched())
	}
	if st := p.Status(); !strings.Contains(st, "read filter: scanned 2,000, matched 20 (budget reached") {
		t.Fatalf("status: %s", st)
	}
	if v := p.View(120, 20); !strings.Contains(v, `only key endsWith "00"`) || !strings.Contains(v, "k0001900") {
		t.Fatalf("view:\n%s", v)
	}
	cmd = p.Update(keyPress("+"))
	pump(t, p, cmd, func() bool { return p.scan.Scanned() == 4000 && p.budgetHit })
	cmd = p.Update(keyPress("+"))
	pump(t, p, cmd, func() bool { return p.scan.Scanned() == 5000 && p.buf.Len() == 50 })
	for i := 0; i < p.buf.Len(); i++ {
		if k := string(p.buf.At(i).Key); !strings.HasSuffix(k, "00") {
			t.Fatalf("a message that does not match was kept: %s", k)
		}
	}
	// A bad expression is refused in place, with the position.
	p.Update(keyPress("F"))
	p.input.SetValue(`key ==`)
	p.Update(keyPress("enter"))
	if p.prompt != "read" || !strings.Contains(p.promptErr, "line 1, column") {
		t.Fatalf("bad expression: prompt %q err %q", p.prompt, p.promptErr)
	}
}
