package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/kafka"
)

// TestDetailSchemaOfDeletedVersion: the detail of a value framed with the
// id of a soft-deleted subject version names the subject and the version,
// marked deleted, once the schema is fetched (in a Cmd).
func TestDetailSchemaOfDeletedVersion(t *testing.T) {
	ds := testbroker.NewDeletedSubject(t, "lt")
	conn, err := kafka.Dial(context.Background(), kafka.Options{Name: "test", Brokers: []string{ds.Addr}})
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
	m.Conn = "test"
	c := schemaCommon(t, 100, 40, ds.Registry)
	p := newDetailPage(c, m, nil, nil)
	p.Update(p.fetchSchemas()())
	text := plain(strings.Join(p.lines, "\n"))
	for _, want := range []string{"Subject     lt-value", "Version     v1 (deleted)", "Message     t.L"} {
		if !strings.Contains(text, want) {
			t.Fatalf("detail lacks %q:\n%s", want, text)
		}
	}
}
