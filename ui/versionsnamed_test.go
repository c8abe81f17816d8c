package ui

import (
	"strconv"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// TestVersionsPageOfANameLinkedDLT: V on orders.DLT, linked to orders by
// its name alone, reads orders over the dead letters' span and shows the
// comparison; the soft-deleted v1 of orders-value is named and marked
// (deleted); the value framed with a schema that does not compile shows
// its subject and version with the failure.
func TestVersionsPageOfANameLinkedDLT(t *testing.T) {
	n := testbroker.NewNamedDLT(t, "orders.DLT")
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: n.Registry}})
	if err != nil {
		t.Fatal(err)
	}
	c := testCommon(140, 24)
	conn := dialKafka(t, n.Addr)
	c.Decoders = map[string]*schema.Decoder{conn.Name(): dec}
	sp := newStreamsPage(c, 8, conn)
	sp.setStreams([]sources.StreamInfo{{Name: "orders.DLT", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, DeadLetter: true, DeadLetterFor: "orders", Partitions: make([]sources.PartitionInfo, 1)}})
	p, ok := sp.Update(keyPress("V"))().(pagePushed).p.(*versionsPage)
	if !ok {
		t.Fatal("V does not open the census")
	}
	p.pid = 9
	defer p.Close()
	l := newLoop(p)
	l.until(t, p.Init(), func() bool { return p.phase == 2 })
	if p.err != nil || p.origin == nil || p.origin.Stream != "orders" || p.origin.Scanned != 6 {
		t.Fatalf("origin %+v: %v", p.origin, p.err)
	}
	v := p.View(140, 22)
	for _, want := range []string{
		"orders.DLT: 90% carry v3; orders: 17% v3",
		"origin orders: v1 (deleted) 50%, v2 33%, v3 17%",
		n.BadSubject + " · bad schema",
	} {
		if !strings.Contains(v, want) {
			t.Fatalf("no %q in\n%s", want, v)
		}
	}
	bad := p.census.Row(n.BadID)
	if bad == nil || bad.Version != 1 || !strings.Contains(v, "0% v1        "+strconv.Itoa(n.BadID)+" binary") {
		t.Fatalf("the bad schema's row %+v in\n%s", bad, v)
	}
}

// TestTriageByVersionCompares: the triage's by-version grouping of a DLT
// linked to its origin by name only shows the comparison of its versions
// with the origin's, taken in a Cmd once the triage is read.
func TestTriageByVersionCompares(t *testing.T) {
	n := testbroker.NewNamedDLT(t, "orders-dlq")
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: n.Registry}})
	if err != nil {
		t.Fatal(err)
	}
	c := testCommon(140, 24)
	conn := dialKafka(t, n.Addr)
	c.Decoders = map[string]*schema.Decoder{conn.Name(): dec}
	tp := newTriagePage(c, conn, sources.StreamInfo{Name: "orders-dlq", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, DeadLetter: true})
	tp.pid = 11
	defer tp.Close()
	pump(t, tp, tp.Init(), func() bool { return tp.done })
	if v := plain(tp.View(140, 22)); strings.Contains(v, "carry") {
		t.Fatalf("by failure shows the comparison:\n%s", v)
	}
	var cmd tea.Cmd
	for range 3 {
		cmd = tp.Update(keyPress("tab"))
	}
	if tp.mode.String() != "version" || cmd == nil || !tp.comparing {
		t.Fatalf("by version: mode %s, comparing %v", tp.mode, tp.comparing)
	}
	if v := plain(tp.View(140, 22)); !strings.Contains(v, "comparing with the origin's versions…") {
		t.Fatalf("while comparing:\n%s", v)
	}
	pump(t, tp, cmd, func() bool { return !tp.comparing })
	if v := plain(tp.View(140, 22)); !strings.Contains(v, "orders-dlq: 90% carry v3; orders: 17% v3") {
		t.Fatalf("by version:\n%s", v)
	}
	if tp.Update(keyPress("tab")); strings.Contains(plain(tp.View(140, 22)), "carry v3") {
		t.Fatal("the comparison stays in the next grouping")
	}
}
