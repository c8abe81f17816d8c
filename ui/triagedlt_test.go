package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// TestTriagePageOfADLTWithoutProvenance: the triage page of orders.DLT
// (as the Kafka connector lists it), 13 of whose 16 messages carry no
// provenance headers, counts all 16 in every tab, shows how those without
// provenance were counted, and enter opens exactly a group's messages,
// those without provenance included.
func TestTriagePageOfADLTWithoutProvenance(t *testing.T) {
	n := testbroker.NewMixedDLT(t)
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: n.Registry}})
	if err != nil {
		t.Fatal(err)
	}
	c := testCommon(140, 30)
	conn := dialKafka(t, n.Addr)
	c.Decoders = map[string]*schema.Decoder{conn.Name(): dec}
	all, err := conn.ListStreams(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var st sources.StreamInfo
	for _, s := range all {
		if s.Name == n.DLT {
			st = s
		}
	}
	if !st.DeadLetter {
		t.Fatalf("the connector lists %+v", st)
	}
	p := newTriagePage(c, conn, st)
	p.pid = 21
	defer p.Close()
	pump(t, p, p.Init(), func() bool { return p.done })
	want := map[string][]string{
		"failure":  {"13 no provenance headers", "2 OrderValidationException: total -<n> must be positive", "1 SocketTimeoutException: Read timed out after <n> ms"},
		"origin":   {"15 orders  (13 without provenance headers, by the stream's name)", "1 payments"},
		"consumer": {"13 (unknown)  (13 without provenance headers)", "2 order-service", "1 payment-service"},
		"version": {fmt.Sprintf("9 orders-value v3 (id %d)  (9 without provenance headers)", n.IDs[2]), "5 json  (2 without provenance headers)",
			fmt.Sprintf("1 %s v1 (id %d)  (1 without provenance headers)", n.BadSubject, n.BadID), "1 text  (1 without provenance headers)"},
	}
	for range 4 {
		mode := p.mode.String()
		r := p.report
		if r.DeadLetters != 16 || r.NoProvenance != 13 || p.err != nil {
			t.Fatalf("by %s: %+v (%v)", mode, r, p.err)
		}
		var got []string
		for _, g := range r.Groups {
			got = append(got, fmt.Sprintf("%d %s", g.Count, p.groupName(g)))
		}
		if strings.Join(got, "|") != strings.Join(want[mode], "|") {
			t.Errorf("by %s: %q, want %q", mode, got, want[mode])
		}
		v := plain(p.View(140, 27))
		for _, s := range []string{"16 dead letters in 16 messages read", "13 messages without provenance headers counted as dead letters (a dead-letter stream), origin orders by the stream's name", "Selected  " + r.Groups[0].Filter} {
			if !strings.Contains(v, s) {
				t.Fatalf("by %s: no %q in\n%s", mode, s, v)
			}
		}
		// enter on each group opens exactly its messages
		for i, g := range p.report.Groups {
			p.cur.sel = i
			mp := p.Update(keyPress("enter"))().(pagePushed).p.(*messagesPage)
			mp.pid = 22 + i
			pump(t, mp, mp.Init(), func() bool { return mp.ended })
			var bare int64
			for j := 0; j < mp.buf.Len(); j++ {
				if mp.buf.At(j).DeadLetter == nil {
					bare++
				}
			}
			mp.Close()
			if int64(mp.buf.Len()) != g.Count || bare != g.NoProvenance || mp.err != nil {
				t.Fatalf("by %s: group %s of %d (%d without provenance) opens %d (%d): %v", mode, g.Key, g.Count, g.NoProvenance, mp.buf.Len(), bare, mp.err)
			}
		}
		p.cur.sel = 0
		p.Update(keyPress("tab"))
	}
}

// TestTriagePageOfAnEmptyDLT: a dead-letter stream with no message says
// so, not that its messages lack provenance.
func TestTriagePageOfAnEmptyDLT(t *testing.T) {
	p := newTriagePage(testCommon(120, 24), fixedConn{}, sources.StreamInfo{Name: "empty.DLT", Kind: "topic", Reading: sources.Reading{HasPositions: true}})
	p.pid = 40
	defer p.Close()
	pump(t, p, p.Init(), func() bool { return p.done })
	if v := plain(p.View(120, 22)); !strings.Contains(v, "no dead letters: empty.DLT holds no message") || strings.Contains(v, "provenance") {
		t.Fatalf("view:\n%s", v)
	}
}
