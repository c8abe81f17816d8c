package triage_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
	"github.com/mqscope/mqscope/sources/kafka"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/triage"
)

// mixedDLT reads testbroker's MixedDLT over the Kafka connector.
func mixedDLT(t *testing.T) (testbroker.MixedDLT, []sources.Message, *schema.Decoder) {
	t.Helper()
	n := testbroker.NewMixedDLT(t)
	conn, err := kafka.Dial(context.Background(), kafka.Options{Name: "k", Brokers: []string{n.Addr}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: n.Registry}})
	if err != nil {
		t.Fatal(err)
	}
	return n, testbroker.ReadAll(t, conn, n.DLT), dec
}

// groupCounts is a report's groups as "key=count" (and the no-provenance
// count when there is one), in the report's order.
func groupCounts(r triage.Report) string {
	var parts []string
	for _, g := range r.Groups {
		s := fmt.Sprintf("%s=%d", g.Key, g.Count)
		if g.NoProvenance > 0 {
			s += fmt.Sprintf("/%d", g.NoProvenance)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// selectsExactly checks that every group's filter selects exactly the
// group's count of msgs, without an error on any message.
func selectsExactly(t *testing.T, r triage.Report, msgs []sources.Message) {
	t.Helper()
	for _, g := range r.Groups {
		f, err := filter.Compile(g.Filter)
		if err != nil {
			t.Fatalf("by %s: %s: %v", r.Mode, g.Filter, err)
		}
		var n int64
		for i := range msgs {
			ok, err := f.Match(&msgs[i])
			if err != nil {
				t.Fatalf("by %s: %s on %d: %v", r.Mode, g.Filter, msgs[i].Offset, err)
			}
			if ok {
				n++
			}
		}
		if n != g.Count {
			t.Errorf("by %s: group %s: %s selects %d, the group has %d", r.Mode, g.Key, g.Filter, n, g.Count)
		}
	}
}

// TestDeadLetterStreamWithoutProvenance: orders.DLT, a dead-letter topic
// by its name, holds 13 messages without provenance headers and 3 with
// Spring's. Every one is a dead letter: those without provenance are one
// failure ("no provenance headers"), of the origin the name gives
// (orders), of an unknown consumer, and of their values' versions; each
// group's filter selects exactly its messages.
func TestDeadLetterStreamWithoutProvenance(t *testing.T) {
	n, msgs, dec := mixedDLT(t)
	if len(msgs) != 16 {
		t.Fatalf("read %d messages", len(msgs))
	}
	b := triage.NewBuilder(n.DLT).WithDecoder(dec).ForStream(sources.StreamInfo{Name: n.DLT})
	for i := range msgs {
		b.Add(&msgs[i])
	}
	b.Resolve(context.Background())
	want := map[triage.Mode]string{
		triage.ByFailure:  "no-provenance=13/13 %s=2 %s=1",
		triage.ByOrigin:   "orders=15/13 payments=1",
		triage.ByConsumer: "(unknown)=13/13 order-service=2 payment-service=1",
		triage.ByVersion:  fmt.Sprintf("orders-value v3 (id %d)=9/9 json=5/2 %s v1 (id %d)=1/1 text=1/1", n.IDs[2], n.BadSubject, n.BadID),
	}
	for _, mode := range triage.Modes {
		r := b.Report(mode, 4)
		if r.Scanned != 16 || r.DeadLetters != 16 || !r.DeadLetterStream || r.NoProvenance != 13 || r.NameOrigin != "orders" {
			t.Fatalf("by %s: %+v", mode, r)
		}
		w := want[mode]
		if mode == triage.ByFailure {
			w = fmt.Sprintf(w, r.Groups[1].Key, r.Groups[2].Key)
			if g := r.Groups[0]; g.Reason() != "no provenance headers" || g.Filter != "deadLetter == nil" || len(g.Origins) != 1 || g.Origins[0].Name != "orders" || g.Consumers[0].Name != "(unknown)" {
				t.Errorf("the no-provenance group %+v", g)
			}
			if g := r.Groups[1]; g.Class != "com.acme.OrderValidationException" || g.Text != "total -<n> must be positive" || g.NoProvenance != 0 {
				t.Errorf("a failure %+v", g)
			}
		}
		if got := groupCounts(r); got != w {
			t.Errorf("by %s: %s, want %s", mode, got, w)
		}
		selectsExactly(t, r, msgs)
	}
	r := b.Report(triage.ByOrigin, 4)
	if p := r.Provenance(); p != "13 messages without provenance headers counted as dead letters (a dead-letter stream), origin orders by the stream's name" {
		t.Errorf("provenance line %q", p)
	}
	if note := r.Note(r.Groups[0]); note != "13 without provenance headers, by the stream's name" {
		t.Errorf("note %q", note)
	}
}

// TestDeadLetterStreamMarkedByItsConnector: a stream whose name says
// nothing, marked a dead-letter stream by its connector, counts every
// message too; the origin of those without provenance is unknown.
func TestDeadLetterStreamMarkedByItsConnector(t *testing.T) {
	_, msgs, _ := mixedDLT(t)
	b := triage.NewBuilder("failures").ForStream(sources.StreamInfo{Name: "failures", DeadLetter: true})
	for i := range msgs {
		b.Add(&msgs[i])
	}
	for _, mode := range triage.Modes {
		r := b.Report(mode, 4)
		if r.DeadLetters != 16 || r.NameOrigin != "" {
			t.Fatalf("by %s: %+v", mode, r)
		}
		selectsExactly(t, r, msgs)
	}
	r := b.Report(triage.ByOrigin, 4)
	if got := groupCounts(r); got != "(unknown)=13/13 orders=2 payments=1" || r.Groups[0].Filter != `deadLetter == nil || deadLetter.origin == ""` {
		t.Errorf("by origin: %s (%s)", got, r.Groups[0].Filter)
	}
	if p := r.Provenance(); !strings.HasSuffix(p, "(a dead-letter stream), origin unknown") || r.Note(r.Groups[0]) != "13 without provenance headers" {
		t.Errorf("provenance line %q, note %q", p, r.Note(r.Groups[0]))
	}
}

// TestNotADeadLetterStream: the same messages in a stream that is not a
// dead-letter stream are 3 dead letters (those with provenance), grouped
// and filtered as they always were.
func TestNotADeadLetterStream(t *testing.T) {
	_, msgs, _ := mixedDLT(t)
	b := triage.NewBuilder("orders.replayed").ForStream(sources.StreamInfo{Name: "orders.replayed", Kind: "topic"})
	for i := range msgs {
		b.Add(&msgs[i])
	}
	want := map[triage.Mode]string{
		triage.ByOrigin:   "orders=2 payments=1",
		triage.ByConsumer: "order-service=2 payment-service=1",
		triage.ByVersion:  "json=3",
	}
	for _, mode := range triage.Modes {
		r := b.Report(mode, 4)
		if r.Scanned != 16 || r.DeadLetters != 3 || r.DeadLetterStream || r.NoProvenance != 0 || r.Provenance() != "" || len(r.Groups) == 0 {
			t.Fatalf("by %s: %+v", mode, r)
		}
		if w, ok := want[mode]; ok && groupCounts(r) != w {
			t.Errorf("by %s: %s, want %s", mode, groupCounts(r), w)
		}
		for _, g := range r.Groups {
			if g.Key == "no-provenance" || !strings.HasPrefix(g.Filter, "deadLetter") || strings.Contains(g.Filter, "deadLetter == nil") {
				t.Errorf("by %s: group %s, filter %s", mode, g.Key, g.Filter)
			}
		}
		selectsExactly(t, r, msgs)
	}
	if g := b.Report(triage.ByVersion, 4).Groups[0]; g.Filter != "deadLetter != nil && json != nil && schema.format == nil" {
		t.Errorf("by version: %s", g.Filter)
	}
}
