package versions_test

import (
	"context"
	"testing"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/kafka"
	"github.com/mqscope/mqscope/sources/schema"
	"github.com/mqscope/mqscope/versions"
)

// TestCensusNoLiveVersion: values framed with the id of a subject's only
// version, soft-deleted, are named "v1 (deleted)" and their compatibility
// says the subject has no live version (not "compatible with v0").
func TestCensusNoLiveVersion(t *testing.T) {
	d := testbroker.NewDeletedSubject(t, "lt")
	conn, err := kafka.Dial(context.Background(), kafka.Options{Name: "k", Brokers: []string{d.Addr}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: d.Registry}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := versions.Run(context.Background(), versions.Params{Open: conn.Read, Decoder: dec, Stream: "lt",
		Options: sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}}})
	if err != nil {
		t.Fatal(err)
	}
	row := r.Row(d.ID)
	if row == nil || row.Count != 3 || row.Subject != "lt-value" || row.Version != 1 || !row.Deleted || row.Latest != 0 || row.Err != "" {
		t.Fatalf("row %+v", row)
	}
	if got := row.Label(); got != "v1 (deleted)" {
		t.Fatalf("label %q", got)
	}
	if got := row.Compat(); got != "no live version" {
		t.Fatalf("compatibility %q, want %q", got, "no live version")
	}
}
