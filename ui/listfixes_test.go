package ui

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// offersKey says a page lists a key (by its help's key text).
func offersKey(c *Common, p page, k string) bool {
	return slices.ContainsFunc(listedHelp(c, p), func(b key.Binding) bool { return b.Help().Key == k })
}

func TestSchemaVersionsOfferedOnlyWithSchemas(t *testing.T) {
	c := testCommon(120, 24)
	plain := newTestMessages(c)
	deliver(plain, orderMsgs(0, 3))
	if offersKey(c, plain, "V") {
		t.Fatal("V offered on a connection with neither a registry nor local schemas")
	}
	if cmd := plain.Update(keyPress("V")); cmd != nil {
		t.Fatal("V did something where it is not offered")
	}
	streams := newStreamsPage(c, 1, staticConn{})
	streams.Update(listed())
	if offersKey(c, streams, "V") {
		t.Fatal("V offered on the stream list without schemas")
	}
	d, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: "http://127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	c.Decoders = map[string]*schema.Decoder{"test": d}
	if !offersKey(c, plain, "V") || !offersKey(c, streams, "V") {
		t.Fatal("V not offered with a registry")
	}
}

func TestNoEmptyVersionColumn(t *testing.T) {
	d, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: "http://127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	c := testCommon(120, 14)
	c.Decoders = map[string]*schema.Decoder{"test": d}
	p := newTestMessages(c)
	ms := orderMsgs(0, 40)
	ms[0].Value = []byte{0, 0, 0, 0, 7, 1, 2, 3} // framed for a registry: schema id 7
	ms[0].ValueSize = len(ms[0].Value)
	deliver(p, ms) // following: the framed value is far above the rows shown
	if v := p.View(120, 11); strings.Contains(v, "VER") {
		t.Fatalf("an empty VER column:\n%s", v)
	}
	p.Update(keyPress("g"))
	if v := p.View(120, 11); !strings.Contains(v, "VER") || !strings.Contains(v, "…") {
		t.Fatalf("no VER column with a framed value shown:\n%s", v)
	}
	plain := newTestMessages(c)
	deliver(plain, orderMsgs(0, 5))
	if v := plain.View(120, 11); strings.Contains(v, "VER") {
		t.Fatalf("a VER column on a topic without schemas:\n%s", v)
	}
}

func TestTapOffersNoPositionKeys(t *testing.T) {
	c := testCommon(120, 24)
	p := newMessagesPage(c, rabbitConn{}, sources.StreamInfo{Name: "shop", Kind: "exchange", Reading: sources.Reading{Tap: true, Live: true}})
	p.pid, p.subID, p.opened = 7, 1, true
	deliver(p, orderMsgs(0, 3))
	for _, k := range []string{"s", ":"} {
		if offersKey(c, p, k) {
			t.Fatalf("a tap offers %q", k)
		}
		if cmd := p.Update(keyPress(k)); cmd != nil || p.Capturing() {
			t.Fatalf("%q did something on a tap", k)
		}
	}
}

func TestRedriveTargetPromptReplacesTheCurrentTarget(t *testing.T) {
	c := testCommon(120, 30)
	d := newRedriveDialog(c, staticConn{}, 7, "orders.DLT", goldenDLT()[:2], false)
	d.state, d.opts.To = redrivePlanned, "orders.retry"
	d.replan() // the plan only: its targets are not checked here
	typeIn := func(keys ...string) {
		for _, k := range keys {
			d.update(keyPress(k))
		}
	}
	typeIn("t")
	if v := d.view(120, 30); !strings.Contains(v, "orders.retry") || !strings.Contains(v, "typing replaces it") {
		t.Fatalf("the prompt does not show the current target to replace:\n%s", v)
	}
	typeIn("o", "u", "t", "enter")
	if d.opts.To != "out" {
		t.Fatalf("typed over orders.retry: target %q, want out", d.opts.To)
	}
	typeIn("t")
	d.update(arrow(tea.KeyLeft)) // edit it instead: the cursor moves into it
	typeIn("x", "enter")
	if d.opts.To != "ouxt" {
		t.Fatalf("edited: target %q, want ouxt", d.opts.To)
	}
	typeIn("t")
	d.update(arrow(tea.KeyBackspace)) // deletes the whole target: back to each origin
	typeIn("enter")
	if d.opts.To != "" {
		t.Fatalf("deleted: target %q", d.opts.To)
	}
}

func TestSidewaysScrollShowsWhereTheValueEnds(t *testing.T) {
	c := testCommon(80, 12)
	p := newTestMessages(c)
	deliver(p, longValueMsgs())
	p.Update(keyPress("k")) // the long value
	for range 60 {
		p.Update(keyPress("l"))
	}
	if v := p.View(80, 9); !strings.Contains(v, "▸| end") {
		t.Fatalf("no end marker at the end of the value:\n%s", v)
	}
	p.Update(keyPress("h"))
	if v := p.View(80, 9); strings.Contains(v, "▸|") || !strings.Contains(v, "◂ +") {
		t.Fatalf("an end marker before the end:\n%s", v)
	}
	huge := orderMsgs(0, 1)
	huge[0].Value = []byte(strings.Repeat("x", 3000))
	huge[0].ValueSize = len(huge[0].Value)
	q := newTestMessages(c)
	deliver(q, huge)
	for range 100 {
		q.Update(keyPress("l"))
	}
	if v := q.View(80, 9); !strings.Contains(v, "▸| preview ends") {
		t.Fatalf("no word that the preview ends before the value:\n%s", v)
	}
}

func TestJumpThatReadsAgainLandsOnItsPosition(t *testing.T) {
	c := testCommon(100, 20)
	p := newTestMessages(c)
	deliver(p, orderMsgs(0, 30)) // offsets 0 to 9 of each partition
	p.openPrompt("jump", "offset:1=92")
	sub := p.subID
	p.Update(keyPress("enter"))
	if p.subID == sub {
		t.Fatal("a jump past what is held did not read again")
	}
	deliver(p, orderMsgs(270, 3))  // offset 90 of each partition
	deliver(p, orderMsgs(273, 15)) // 91 to 95: partition 1's 92 among them
	m := p.view.At(p.cur.sel)
	if m.Partition != 1 || m.Offset != 92 || p.follow {
		t.Fatalf("the selection is on %d@%d (follow %v), want 1@92, paused", m.Partition, m.Offset, p.follow)
	}
	deliver(p, orderMsgs(288, 3))
	if m := p.view.At(p.cur.sel); m.Partition != 1 || m.Offset != 92 || p.unseen != 3 {
		t.Fatalf("later messages moved the selection to %d@%d (unseen %d)", m.Partition, m.Offset, p.unseen)
	}
}
