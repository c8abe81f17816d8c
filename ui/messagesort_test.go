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

func TestMessagesSortWhileAndAfterTheRead(t *testing.T) {
	p := peekedDLQ(t)
	cmd := p.Update(keyPress("5")) // ID TIME KEY ORIGIN ERROR VALUE
	if cmd == nil || !slices.Equal(rowIDs(p), []string{"msg-2", "msg-0", "msg-1"}) || p.follow {
		t.Fatalf("not sorted while peeking: %v (follow %v)", rowIDs(p), p.follow)
	}
	if msg, ok := cmd().(statusSet); !ok || msg.text != "sorted by ERROR ▲: paused, p to follow in arrival order" {
		t.Fatalf("no word on the pause: %#v", cmd())
	}
	p.Update(keyPress("p")) // back in the read's order
	if !slices.Equal(rowIDs(p), []string{"msg-0", "msg-1", "msg-2"}) || !p.follow || strings.Contains(p.View(100, 21), "▲") {
		t.Fatalf("p did not follow in arrival order: %v (follow %v)", rowIDs(p), p.follow)
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

func TestLiveListSortsWhatItHoldsAndPauses(t *testing.T) {
	c := testCommon(100, 20)
	p := newTestMessages(c)
	deliver(p, orderMsgs(0, 6)) // offsets 0 0 0 1 1 1
	p.Update(keyPress("k"))     // ord-00004 selected
	cmd := p.Update(keyPress("2"))
	if got, want := rowKeys(p), []string{"ord-00003", "ord-00004", "ord-00005", "ord-00000", "ord-00001", "ord-00002"}; !slices.Equal(got, want) {
		t.Fatalf("by offset, descending: %v, want %v", got, want)
	}
	if msg, ok := cmd().(statusSet); !ok || msg.text != "sorted by OFFSET ▼: paused, p to follow in arrival order" || p.follow {
		t.Fatalf("status %#v, follow %v", cmd(), p.follow)
	}
	if v := p.View(100, 18); !strings.Contains(v, "OFFSET ▼") || !strings.Contains(v, "PAUSED") {
		t.Fatalf("the header or the mode does not show the sort:\n%s", v)
	}
	if string(p.view.At(p.cur.sel).Key) != "ord-00004" {
		t.Fatalf("the selection left ord-00004 for %s", p.view.At(p.cur.sel).Key)
	}
	deliver(p, orderMsgs(6, 3)) // offsets 2 2 2: held back after the sorted rows, counted new
	if got := rowKeys(p); len(got) != 9 || !slices.Equal(got[6:], []string{"ord-00006", "ord-00007", "ord-00008"}) || got[0] != "ord-00003" {
		t.Fatalf("arrivals while sorted: %v", got)
	}
	if string(p.view.At(p.cur.sel).Key) != "ord-00004" || p.unseen != 3 || !strings.Contains(p.infoLine(), "PAUSED +3 new") {
		t.Fatalf("sel %s unseen %d info %q", p.view.At(p.cur.sel).Key, p.unseen, p.infoLine())
	}
	p.Update(keyPress("G")) // to the bottom: still paused, the list is sorted
	if p.follow {
		t.Fatal("G followed a sorted list")
	}
	p.Update(keyPress("2")) // again: all held sorted the other way
	if got := rowKeys(p); got[0] != "ord-00000" || got[8] != "ord-00008" {
		t.Fatalf("by offset, ascending: %v", got)
	}
	p.Update(keyPress("p"))
	if got := rowKeys(p); !p.follow || got[0] != "ord-00000" || got[3] != "ord-00003" || p.cur.sel != 8 || p.sort.by != "" {
		t.Fatalf("p: follow %v, rows %v, sel %d", p.follow, got, p.cur.sel)
	}
}

// rowKeys are the message keys of the rows, in the order shown.
func rowKeys(p *messagesPage) []string {
	var out []string
	for i := range p.view.Len() {
		out = append(out, string(p.view.At(i).Key))
	}
	return out
}

func TestSortedLiveListKeepsItsOrderAsTheBufferEvicts(t *testing.T) {
	v := msgView{order: []int{3, 0, 2, 1}, heldOnly: true} // four rows held, sorted
	// rows 0 and 1 went from the front, three came: of those held, 3 (now
	// 1) then 2 (now 0) are left in their sorted order, the new 2 3 4 after
	v.keepOrder(2, 5)
	if want := []int{1, 0, 2, 3, 4}; !slices.Equal(v.order, want) {
		t.Fatalf("order %v, want %v", v.order, want)
	}
}
