package ui

import (
	"slices"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/sources"
)

// rowIDs are the message ids of the rows, in the order shown.
func rowIDs(p *messagesPage) []string {
	var out []string
	for i := range p.view.Len() {
		out = append(out, p.view.At(i).ID)
	}
	return out
}

func peekedDLQ(t *testing.T) *messagesPage {
	t.Helper()
	p := newMessagesPage(testCommon(100, 24), staticConn{}, sources.StreamInfo{Name: "orders.parking", Kind: "classic", Reading: sources.Reading{Queue: true}, DeadLetter: true})
	p.pid, p.subID, p.opened = 7, 1, true
	deliver(p, rabbitDLQ()) // rejected, rejected, expired
	return p
}

func TestMessagesSortOnceTheReadEnded(t *testing.T) {
	p := peekedDLQ(t)
	cmd := p.Update(keyPress("5")) // ID TIME KEY ORIGIN ERROR VALUE
	if cmd == nil || !slices.Equal(rowIDs(p), []string{"msg-0", "msg-1", "msg-2"}) {
		t.Fatalf("sorted while peeking: %v", rowIDs(p))
	}
	if msg, ok := cmd().(statusSet); !ok || !strings.Contains(msg.text, "once the read has ended") {
		t.Fatalf("no word on why it does not sort: %#v", cmd())
	}
	p.Update(batchReceived{page: p.pid, sub: p.subID, err: sources.ErrEndOfStream})
	p.Update(keyPress("g")) // msg-0 selected
	p.Update(keyPress("5"))
	if got, want := rowIDs(p), []string{"msg-2", "msg-0", "msg-1"}; !slices.Equal(got, want) {
		t.Fatalf("by error: %v, want %v (expired first, the rejected ones in the read's order)", got, want)
	}
	if p.view.At(p.cur.sel).ID != "msg-0" {
		t.Fatalf("the cursor left msg-0 for %s", p.view.At(p.cur.sel).ID)
	}
	if !strings.Contains(p.View(100, 21), "ERROR ▲") {
		t.Fatalf("the header does not show the sort:\n%s", p.View(100, 21))
	}
	p.Update(keyPress("5"))
	if got, want := rowIDs(p), []string{"msg-0", "msg-1", "msg-2"}; !slices.Equal(got, want) {
		t.Fatalf("by error, reversed: %v, want %v", got, want)
	}
	p.Update(keyPress("1"))
	p.Update(keyPress("1"))
	if got, want := rowIDs(p), []string{"msg-2", "msg-1", "msg-0"}; !slices.Equal(got, want) {
		t.Fatalf("by id, descending: %v, want %v", got, want)
	}
	// a filter keeps the sort
	if err := p.applyFilter(`value contains "ord-0" || value contains "ord-2"`); err != nil {
		t.Fatal(err)
	}
	if got, want := rowIDs(p), []string{"msg-2", "msg-0"}; !slices.Equal(got, want) {
		t.Fatalf("filtered: %v, want %v", got, want)
	}
	// a new peek (through the same filter) is in the read's order until
	// it ends, then sorted again
	p.restart()
	deliver(p, rabbitDLQ())
	if got := rowIDs(p); !slices.Equal(got, []string{"msg-0", "msg-2"}) || strings.Contains(p.View(100, 21), "ID ▼") {
		t.Fatalf("peeking again: %v", got)
	}
	p.Update(batchReceived{page: p.pid, sub: p.subID, err: sources.ErrEndOfStream})
	if got, want := rowIDs(p), []string{"msg-2", "msg-0"}; !slices.Equal(got, want) {
		t.Fatalf("peeked again: %v, want %v", got, want)
	}
}
