package ui

import (
	"strconv"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
)

// typeText sends s to the page a key at a time.
func typeText(p page, s string) {
	for _, r := range s {
		p.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

// TestRedriveOfManyAsksForTheCount: R with nothing marked plans every
// dead letter read; y asks for the count; an empty answer, a wrong count
// and esc run nothing; the count runs the redrive.
func TestRedriveOfManyAsksForTheCount(t *testing.T) {
	conn := demoConn(t, 40, 9)
	c := testCommon(120, 40)
	c.StateDir = t.TempDir()
	c.BreakerShare = -1
	p := newMessagesPage(c, conn, sources.StreamInfo{Reading: sources.Reading{HasPositions: true, Live: true}, Name: demo.TopicOrdersDLT, Partitions: make([]sources.PartitionInfo, 3), DeadLetter: true})
	p.pid, p.start, p.bounded = 41, sources.Start{Kind: sources.StartOldest}, true
	defer p.Close()
	pump(t, p, p.restart(), func() bool { return p.ended })
	pump(t, p, p.Update(keyPress("R")), func() bool { return redriveOf(p) != nil && redriveOf(p).checked })
	n := redriveOf(p).plan.Summary().Redrive
	if n < 2 {
		t.Fatalf("a plan of %d messages", n)
	}
	count := strconv.Itoa(n)
	for _, answer := range []string{"", "y", strconv.Itoa(n + 1), "orders"} {
		p.Update(keyPress("y"))
		if v := p.View(120, 37); !redriveOf(p).many.open || !strings.Contains(v, "type "+count+" or orders.DLT ›") {
			t.Fatalf("y did not ask for the count:\n%s", v)
		}
		typeText(p, answer)
		if cmd := p.Update(keyPress("enter")); cmd != nil || redriveOf(p).state != redrivePlanned {
			t.Fatalf("answer %q started the redrive", answer)
		}
		if v := p.View(120, 37); !strings.Contains(v, "not confirmed: type "+count+" or orders.DLT") {
			t.Fatalf("answer %q: no refusal shown:\n%s", answer, v)
		}
	}
	p.Update(keyPress("enter"))
	typeText(p, count)
	p.Update(keyPress("esc"))
	if redriveOf(p) == nil || redriveOf(p).state != redrivePlanned || redriveOf(p).many.open {
		t.Fatal("esc did not step back from the question")
	}
	p.Update(keyPress("y"))
	typeText(p, count)
	pump(t, p, p.Update(keyPress("enter")), func() bool { return redriveOf(p).state == redriveDone })
	if redriveOf(p).err != nil || redriveOf(p).res.Done != n {
		t.Fatalf("redrive: %+v %v", redriveOf(p).res, redriveOf(p).err)
	}
}
