package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// TestNumbersShownAsWritten: a value decoded with a JSON Schema from the
// registry whose numbers a float64 cannot hold (1.0000000000000000001,
// 12345678901234567890123) shows them as the document writes them, in
// the list's preview, the detail and the diff of two such values.
func TestNumbersShownAsWritten(t *testing.T) {
	reg := srfake.New()
	t.Cleanup(reg.Close)
	id, _, err := reg.RegisterSchema("nums-value", sr.Schema{Type: sr.TypeJSON, Schema: `{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"integer"}}}`})
	if err != nil {
		t.Fatal(err)
	}
	doc := `{"a":1.0000000000000000001,"b":12345678901234567890123}`
	conn := filledTopic(t, "nums", 2, append(schema.AppendHeader(nil, id), doc...))
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: reg.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	c := testCommon(140, 24)
	c.Decoders = map[string]*schema.Decoder{conn.Name(): dec}
	mp := newMessagesPage(c, conn, sources.StreamInfo{Name: "nums", Kind: "topic", Reading: sources.Reading{HasPositions: true, Live: true}, Partitions: make([]sources.PartitionInfo, 1)})
	mp.start, mp.bounded = sources.Start{Kind: sources.StartOldest}, true
	mp.pid = 5
	defer mp.Close()
	pump(t, mp, mp.Init(), func() bool { return mp.ended && mp.buf.Len() == 2 })
	if list := plain(mp.View(140, 22)); !strings.Contains(list, `{"a":1.0000000000000000001,"b":12345678901234567890123}`) {
		t.Fatalf("the list's preview:\n%s", list)
	}
	a := *mp.buf.At(0)
	d := newDetailPage(c, a, nil, nil)
	detail := plain(d.View(140, 40))
	for _, want := range []string{`"a": 1.0000000000000000001`, `"b": 12345678901234567890123`, "nums-value"} {
		if !strings.Contains(detail, want) {
			t.Fatalf("no %q in the detail:\n%s", want, detail)
		}
	}
	b := a
	b.Offset = 9
	b.Value = append(schema.AppendHeader(nil, id), `{"a":1.0000000000000000002,"b":12345678901234567890124}`...)
	da, db := dec.Value(context.Background(), &a), dec.Value(context.Background(), &b)
	diff := plain(newDiffPage(c, a, b, &da, &db).View(140, 30))
	for _, want := range []string{"1.0000000000000000001", "1.0000000000000000002", "12345678901234567890123", "12345678901234567890124"} {
		if !strings.Contains(diff, want) {
			t.Fatalf("no %q in the diff:\n%s", want, diff)
		}
	}
	if strings.Count(diff, "≠") < 2 {
		t.Fatalf("the diff does not tell the numbers apart:\n%s", diff)
	}
}
