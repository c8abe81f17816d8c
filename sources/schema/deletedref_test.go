package schema_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/kafka"
	"github.com/mqscope/mqscope/sources/schema"
)

// TestRefOfDeletedVersion: a value framed with an id whose only subject
// version was soft-deleted decodes with a ref that still names the
// subject version, marked deleted, by Decode and by Cached alike.
func TestRefOfDeletedVersion(t *testing.T) {
	d := testbroker.NewDeletedSubject(t, "lt")
	conn, err := kafka.Dial(context.Background(), kafka.Options{Name: "k", Brokers: []string{d.Addr}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	sub, err := conn.Read(context.Background(), "lt", sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	ms, err := sub.Next(context.Background(), 1)
	if err != nil || len(ms) == 0 {
		t.Fatalf("read %d: %v", len(ms), err)
	}
	m := ms[0]
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: d.Registry}})
	if err != nil {
		t.Fatal(err)
	}
	c := dec.Classify(schema.PartValue, m.Stream, m.Headers, m.Properties, m.Value)
	got := dec.Decode(context.Background(), c)
	if got.Err != nil || string(got.JSON) != `{"id":"a"}` {
		t.Fatalf("decoded %s: %v", got.JSON, got.Err)
	}
	r := got.Ref
	if r.ID != d.ID || r.Subject != "lt-value" || r.Version != 1 || !r.Deleted || r.Latest != 0 {
		t.Fatalf("ref %+v", r)
	}
	if s := r.String(); !strings.Contains(s, "lt-value v1 (deleted)") {
		t.Fatalf("ref line %q", s)
	}
	cached, ok := dec.Cached(c)
	if !ok || !cached.Ref.Deleted || cached.Ref.Version != 1 || cached.Ref.Subject != "lt-value" {
		t.Fatalf("cached %v: %+v", ok, cached.Ref)
	}
}
