package ui

import (
	"math"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
)

// heldPage is a message list holding n benchMessages, not following.
func heldPage(t testing.TB, n int) *messagesPage {
	t.Helper()
	c := testCommon(160, 50)
	c.BufferBudget = 8 << 30
	p := newTestMessages(c)
	ms := benchMessages(n)
	for i := 0; i < n; i += 5000 {
		deliver(p, ms[i:min(i+5000, n)])
	}
	if p.view.Len() != n {
		t.Fatalf("held %d, want %d", p.view.Len(), n)
	}
	p.cur.sel, p.follow = 0, false
	return p
}

// search types text at the / prompt and presses enter.
func search(p *messagesPage, text string) tea.Cmd {
	p.Update(keyPress("/"))
	p.input.SetValue(text)
	return p.Update(keyPress("enter"))
}

// splitSearch runs cmd and returns the status it set ("" none) and the
// search step it asks for (nil none).
func splitSearch(t *testing.T, cmd tea.Cmd) (string, *searchStepped) {
	t.Helper()
	var status string
	var step *searchStepped
	for _, msg := range runBatch(cmd) {
		switch msg := msg.(type) {
		case statusSet:
			status = msg.text
		case searchStepped:
			step = &msg
		}
	}
	return status, step
}

// finish runs a search's steps to its end, checking that each looks at no
// more than searchChunk rows; it returns the status and the steps taken.
func finish(t *testing.T, p *messagesPage, cmd tea.Cmd) (string, int) {
	t.Helper()
	steps := 0
	for {
		status, step := splitSearch(t, cmd)
		if step == nil {
			if p.srch != nil {
				t.Fatalf("a search still runs but no step was asked for (status %q)", status)
			}
			return status, steps
		}
		done := p.srch.done
		cmd = p.Update(*step)
		steps++
		if p.srch != nil && p.srch.done-done > searchChunk {
			t.Fatalf("a step looked at %d rows, more than %d", p.srch.done-done, searchChunk)
		}
	}
}

func TestSearchHeldRunsInSteps(t *testing.T) {
	const n = 200_000
	p := heldPage(t, n)

	cmd := search(p, "K0150000") // the case does not matter
	if p.srch == nil || p.srch.done != searchChunk {
		t.Fatalf("the first step looked at %v rows, want %d", p.srch, searchChunk)
	}
	if st := p.Status(); !strings.Contains(st, "searching") || !strings.Contains(st, "20,000 of 200,000") {
		t.Fatalf("the status line does not say how far the search is: %q", st)
	}
	status, steps := finish(t, p, cmd)
	if got := string(p.view.At(p.cur.sel).Key); got != "k0150000" || p.follow {
		t.Fatalf("the search landed on %s (follow %v, %q)", got, p.follow, status)
	}
	if steps != 150000/searchChunk || !strings.Contains(status, "row 150,001 of 200,000") || strings.Contains(status, "wrapped") {
		t.Fatalf("%d steps, status %q", steps, status)
	}
	if strings.Contains(p.Status(), "searching") {
		t.Fatalf("a finished search is still announced: %q", p.Status())
	}

	// n goes on from there, wrapping round to the top.
	p.cur.sel = 190_000
	p.search = "k0000005"
	status, _ = finish(t, p, p.Update(keyPress("n")))
	if string(p.view.At(p.cur.sel).Key) != "k0000005" || !strings.Contains(status, "wrapped") {
		t.Fatalf("n after the end landed on %s (%q)", p.view.At(p.cur.sel).Key, status)
	}
	// N wraps round to the bottom.
	p.search = "k0199990"
	status, _ = finish(t, p, p.Update(keyPress("N")))
	if string(p.view.At(p.cur.sel).Key) != "k0199990" || !strings.Contains(status, "wrapped") {
		t.Fatalf("N before the start landed on %s (%q)", p.view.At(p.cur.sel).Key, status)
	}

	// Nothing found: every row looked at once, then said.
	sel := p.cur.sel
	status, steps = finish(t, p, search(p, "no such text"))
	if !strings.Contains(status, "no more matches") || p.cur.sel != sel || steps != n/searchChunk-1 {
		t.Fatalf("no match: status %q, sel %d (was %d), %d steps", status, p.cur.sel, sel, steps)
	}
}

func TestSearchHeldEscAndReplace(t *testing.T) {
	p := heldPage(t, 200_000)
	_, step := splitSearch(t, search(p, "no such text"))
	if step == nil || !p.Capturing() {
		t.Fatal("a long search did not go on in a step")
	}
	status, _ := splitSearch(t, p.Update(keyPress("esc")))
	if p.srch != nil || !strings.Contains(status, "cancelled") {
		t.Fatalf("esc did not stop the search (%q)", status)
	}
	if cmd := p.Update(*step); cmd != nil || p.srch != nil {
		t.Fatal("a step of a cancelled search ran")
	}
	if p.Capturing() {
		t.Fatal("the page keeps the keys after the search stopped")
	}

	// A new search replaces one running: the old one's steps are dropped.
	_, old := splitSearch(t, search(p, "no such text"))
	cmd := search(p, "k0100000")
	if p.Update(*old) != nil || p.srch.done != searchChunk {
		t.Fatalf("the replaced search's step ran (done %d)", p.srch.done)
	}
	if status, _ := finish(t, p, cmd); string(p.view.At(p.cur.sel).Key) != "k0100000" {
		t.Fatalf("the new search landed on %s (%q)", p.view.At(p.cur.sel).Key, status)
	}
	// and n replaces it too.
	_, old = splitSearch(t, search(p, "no such text"))
	p.search = "k0000001"
	cmd = p.Update(keyPress("n"))
	if p.Update(*old) != nil {
		t.Fatal("the step of the search n replaced ran")
	}
	if _, _ = finish(t, p, cmd); string(p.view.At(p.cur.sel).Key) != "k0000001" {
		t.Fatalf("n landed on %s", p.view.At(p.cur.sel).Key)
	}
}

func TestSearchMarksTheMatchInTheRow(t *testing.T) {
	p := heldPage(t, 50)
	finish(t, p, search(p, "K0000003"))
	view := p.View(160, 47)
	want := p.c.Styles.Match.Render("k0000003")
	if !strings.Contains(view, want) {
		t.Fatalf("the match is not marked:\n%s", view)
	}
}

func TestFoldNeedle(t *testing.T) {
	for _, c := range []struct {
		needle, hay string
		want        int
	}{
		{"failed", `{"status":"FAILED"}`, 11},
		{"FaIlEd", `{"status":"failed"}`, 11},
		{"abc", "ab", -1},
		{"xb", "xxxxxxxxxxXB", 10},
		{"ab", "aAaAaAB", 5},
		{"1", "0001", 3},
		{"ärger", "kein ÄRGER", 5},
		{"ÄRGER", "kein ärger", 5},
		{"σ", "ΣΑΣ", 0},
		{"ß", "strasse", -1},
		{"ü", "u", -1},
	} {
		n := newFoldNeedle(c.needle)
		if got := n.index([]byte(c.hay)); got != c.want {
			t.Errorf("%q in %q at %d, want %d", c.needle, c.hay, got, c.want)
		}
		if got := n.inString(c.hay); got != (c.want >= 0) {
			t.Errorf("%q in the string %q: %v", c.needle, c.hay, got)
		}
		// the same answer as lower-casing both, which the search did before
		if old := strings.Contains(strings.ToLower(c.hay), strings.ToLower(c.needle)); old != (c.want >= 0) {
			t.Errorf("%q in %q: lower-cased %v", c.needle, c.hay, old)
		}
	}
}

func TestSearchLooksAtHeadersAndAllocatesNothing(t *testing.T) {
	m := sources.Message{Key: []byte("k"), Value: []byte("v"), Headers: []sources.Header{{Key: "X-Tenant", Value: []byte("ACME")}}}
	for _, s := range []string{"x-tenant", "acme", "Acme", "K"} {
		n := newFoldNeedle(s)
		if !matchesFold(&m, nil, &n) {
			t.Errorf("%q not found", s)
		}
	}
	n := newFoldNeedle("riskscore")
	if matchesFold(&m, nil, &n) || !matchesFold(&m, []byte(`{"riskScore":0}`), &n) {
		t.Error("the decoded value is not searched")
	}
	p := heldPage(t, 3*searchChunk)
	p.search = "no such text"
	// AllocsPerRun counts the whole process's allocations, and goroutines
	// other tests left winding down allocate too: the least of a few
	// measures is the step's own (one allocation a row would be 20,000).
	least := math.Inf(1)
	for range 5 {
		least = min(least, testing.AllocsPerRun(3, func() {
			p.cur.sel = 0
			p.findNext(1)
		}))
	}
	if least > 10 {
		t.Fatalf("a step of %d rows allocates %v times", searchChunk, least)
	}
}
