package versions_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/kafka"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/versions"
)

// TestCensusOfANameLinkedDLT: a dead-letter topic linked to its origin by
// its name alone (orders.DLT, orders-dlq, orders.dead-letter; no
// provenance headers) is still compared with it, over the span of the
// dead letters; an id whose subject version was soft-deleted is named
// (deleted); an id whose schema does not compile is still named by its
// subject version, with the failure.
func TestCensusOfANameLinkedDLT(t *testing.T) {
	for _, dlt := range []string{"orders.DLT", "orders-dlq", "orders.dead-letter"} {
		t.Run(dlt, func(t *testing.T) {
			n := testbroker.NewNamedDLT(t, dlt)
			conn, err := kafka.Dial(context.Background(), kafka.Options{Name: "k", Brokers: []string{n.Addr}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.Close() })
			dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: n.Registry}})
			if err != nil {
				t.Fatal(err)
			}
			r, err := versions.Run(context.Background(), versions.Params{Open: conn.Read, Decoder: dec, Stream: dlt,
				Options: sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}}})
			if err != nil {
				t.Fatal(err)
			}
			if r.Scanned != 10 || r.DeadLetters != 0 || r.Origin == nil || !r.OriginByName || r.Origin.Stream != "orders" || r.Origin.Scanned != 6 {
				t.Fatalf("census %+v origin %+v", r.Census, r.Origin)
			}
			if want := dlt + ": 90% carry v3; orders: 17% v3"; r.Comparison != want {
				t.Fatalf("comparison %q, want %q", r.Comparison, want)
			}
			if !r.OriginFrom.Equal(r.From) || !r.OriginTo.Equal(r.To) {
				t.Fatalf("origin span %v..%v, census %v..%v", r.OriginFrom, r.OriginTo, r.From, r.To)
			}
			bad := r.Row(n.BadID)
			if bad == nil || bad.Subject != n.BadSubject || bad.Version != 1 || !strings.Contains(bad.Err, "bad schema") || bad.Deleted {
				t.Fatalf("the row of the schema that does not compile: %+v", bad)
			}
			v1 := r.Origin.Row(n.IDs[0])
			if v1 == nil || v1.Subject != "orders-value" || v1.Version != 1 || !v1.Deleted || v1.Label() != "v1 (deleted)" || v1.Count != 3 || v1.Err != "" {
				t.Fatalf("the soft-deleted v1 row: %+v", v1)
			}
			if v2 := r.Origin.Row(n.IDs[1]); v2 == nil || v2.Version != 2 || v2.Deleted || v2.Label() != "v2" {
				t.Fatalf("v2 row %+v", v2)
			}
		})
	}
}

// TestCensusNoOriginByName: a stream whose name looks like a dead-letter
// stream's whose origin does not exist has a census of its own, without
// an origin, and no error.
func TestCensusNoOriginByName(t *testing.T) {
	n := testbroker.NewNamedDLT(t, "invoices.DLT")
	conn, err := kafka.Dial(context.Background(), kafka.Options{Name: "k", Brokers: []string{n.Addr}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	r, err := versions.Run(context.Background(), versions.Params{Open: conn.Read, Stream: "invoices.DLT",
		Options: sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}}})
	if err != nil || r.Origin != nil || r.Comparison != "" || r.Scanned != 10 {
		t.Fatalf("census %+v: %v", r, err)
	}
}
