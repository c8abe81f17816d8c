package msgdiff_test

import (
	"strings"
	"testing"

	"github.com/mqscope/mqscope/msgdiff"
	"github.com/mqscope/mqscope/sources"
)

func TestMessagesFieldByField(t *testing.T) {
	a := sources.Message{Stream: "orders.DLT", Partition: 0, Offset: 18, Key: []byte("ord-1"),
		Value: []byte(`{"total":-12.5,"lines":[{"sku":"A","qty":1}],"status":"NEW"}`),
		Headers: []sources.Header{{Key: "tenant", Value: []byte("acme")}, {Key: "kafka_dlt-exception-fqcn", Value: []byte("Boom")},
			{Key: "dup", Value: []byte("1")}, {Key: "dup", Value: []byte("2")}}}
	b := sources.Message{Stream: "orders", Partition: 0, Offset: 140, Key: []byte("ord-1"),
		Value: []byte(`{"total":12.5,"lines":[{"sku":"A","qty":1},{"sku":"B","qty":2}],"status":"NEW"}`),
		Headers: []sources.Header{{Key: "tenant", Value: []byte("acme")}, {Key: "x-mqscope-redrive-id", Value: []byte("rd-1")},
			{Key: "dup", Value: []byte("1")}, {Key: "dup", Value: []byte("3")}}}
	rows := msgdiff.Messages(&a, &b)
	got := map[string]msgdiff.Row{}
	for _, r := range rows {
		got[r.Section+" "+r.Field] = r
	}
	want := map[string]msgdiff.Change{
		"message stream": msgdiff.Changed, "message key": msgdiff.Same,
		"headers tenant": msgdiff.Same, "headers kafka_dlt-exception-fqcn": msgdiff.Removed, "headers x-mqscope-redrive-id": msgdiff.Added,
		"headers dup": msgdiff.Same, "headers dup[1]": msgdiff.Changed,
		"value total": msgdiff.Changed, "value lines[0].sku": msgdiff.Same, "value lines[1].sku": msgdiff.Added, "value status": msgdiff.Same,
	}
	for k, c := range want {
		if r, ok := got[k]; !ok || r.Change != c {
			t.Errorf("%s: %+v, want %s", k, r, c.Mark())
		}
	}
	if r := got["value total"]; r.Left != "-12.5" || r.Right != "12.5" {
		t.Errorf("total: %+v", r)
	}
	if n := msgdiff.Differences(rows); n != 8 {
		t.Errorf("%d differences", n)
	}
}

func TestMessagesTextAndBinary(t *testing.T) {
	a := sources.Message{Value: []byte("line one\nline two")}
	b := sources.Message{Value: []byte("line one\nline 2\nline three")}
	var lines []string
	for _, r := range msgdiff.Messages(&a, &b) {
		if r.Section == "value" {
			lines = append(lines, r.Field+r.Change.Mark())
		}
	}
	if strings.Join(lines, ",") != "line 1=,line 2≠,line 3+" {
		t.Fatalf("text: %v", lines)
	}
	bin := sources.Message{Value: []byte{0, 0xff, 0xfe}}
	for _, r := range msgdiff.Messages(&bin, &a) {
		if r.Section == "value" && (r.Change != msgdiff.Changed || !strings.Contains(r.Left, "00fffe")) {
			t.Fatalf("binary: %+v", r)
		}
	}
}

// TestEqualValuesThatAreNotJSONShowTheirText: two equal values that are
// not JSON (here for their raw control characters) give one row with the
// text, not their size; a text value against a binary one shows its text.
func TestEqualValuesThatAreNotJSONShowTheirText(t *testing.T) {
	v := []byte("{\"note\":\"a\x1b[2J\"}")
	a, b := sources.Message{Value: v}, sources.Message{Value: v}
	for _, r := range msgdiff.Messages(&a, &b) {
		if r.Section == "value" && (r.Left != string(v) || r.Right != string(v) || r.Change != msgdiff.Same) {
			t.Fatalf("equal text: %+v", r)
		}
	}
	bin := sources.Message{Value: []byte{0, 0xff}}
	for _, r := range msgdiff.Messages(&bin, &a) {
		if r.Section == "value" && r.Right != string(v) {
			t.Fatalf("text against binary: %+v", r)
		}
	}
}
