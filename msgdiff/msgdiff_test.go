package msgdiff_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/msgdiff"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
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

// TestDecodedValuesByPath: two Avro values of two versions of a subject
// are compared by their decoded fields, after a row naming each schema;
// raw, they would be one opaque binary row.
func TestDecodedValuesByPath(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	v1, _, err := reg.RegisterSchema("orders-value", sr.Schema{Schema: `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"qty","type":"int"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	v2, _, err := reg.RegisterSchema("orders-value", sr.Schema{Schema: `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"qty","type":"int"},{"name":"note","type":"string","default":""}]}`})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: reg.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	enc := func(id int, doc string) []byte {
		b, err := dec.Encode(ctx, schema.Ref{Origin: schema.OriginRegistry, ID: id}, []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a := sources.Message{Stream: "orders", Value: enc(v1, `{"id":"o-1","qty":2}`)}
	b := sources.Message{Stream: "orders", Value: enc(v2, `{"id":"o-1","qty":3,"note":"gift"}`)}
	rows := msgdiff.MessagesDecoded(&a, &b, msgdiff.Decode(ctx, dec, &a), msgdiff.Decode(ctx, dec, &b))
	got := map[string]msgdiff.Row{}
	for _, r := range rows {
		if r.Section == "value" {
			got[r.Field] = r
		}
	}
	if r := got["(schema)"]; r.Change != msgdiff.Changed || !strings.Contains(r.Left, "orders-value v1") || !strings.Contains(r.Right, "orders-value v2") {
		t.Fatalf("schema row %+v", r)
	}
	if got["id"].Change != msgdiff.Same || got["id"].Left != `"o-1"` || got["qty"].Change != msgdiff.Changed || got["qty"].Right != "3" ||
		got["note"].Change != msgdiff.Added || got["note"].Right != `"gift"` || len(got) != 4 {
		t.Fatalf("value rows %+v", got)
	}
	// Without the decoder the values are bytes: no field of theirs.
	for _, r := range msgdiff.Messages(&a, &b) {
		if r.Field == "qty" || r.Field == "(schema)" {
			t.Fatalf("raw diff has %+v", r)
		}
	}
	if msgdiff.Decode(ctx, dec, &sources.Message{Value: []byte(`{"a":1}`)}) != nil || msgdiff.Decode(ctx, nil, &a) != nil {
		t.Fatal("a JSON value or no decoder decodes")
	}
}

// TestEqualFieldsDifferentBytes: two Avro values whose decoded fields are
// equal but whose bytes are not (a varint written longer than it needs)
// are not called equal: a row and its note say how the bytes differ; so
// for two JSON values spelled differently. Equal bytes add no row.
func TestEqualFieldsDifferentBytes(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	id, _, err := reg.RegisterSchema("orders-value", sr.Schema{Schema: `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"qty","type":"int"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: reg.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	short, err := dec.Encode(ctx, schema.Ref{Origin: schema.OriginRegistry, ID: id}, []byte(`{"id":"o-1","qty":2}`))
	if err != nil {
		t.Fatal(err)
	}
	long := append(append([]byte{}, short[:len(short)-1]...), 0x84, 0x00) // qty 2 in two bytes
	a, b := sources.Message{Stream: "orders", Value: short}, sources.Message{Stream: "orders", Value: long}
	da, db := msgdiff.Decode(ctx, dec, &a), msgdiff.Decode(ctx, dec, &b)
	if string(da.JSON) != string(db.JSON) {
		t.Fatalf("decoded %s and %s", da.JSON, db.JSON)
	}
	rows := msgdiff.MessagesDecoded(&a, &b, da, db)
	var got *msgdiff.Row
	for i, r := range rows {
		if r.Field == msgdiff.BytesField {
			got = &rows[i]
		}
	}
	off := len(short) - 1
	if got == nil || got.Change != msgdiff.Changed || got.Note != fmt.Sprintf("decoded fields equal; bytes differ (2 bytes from offset %d)", off) ||
		!strings.Contains(got.Left, fmt.Sprintf("%d bytes; from offset %d: 04", len(short), off)) || !strings.Contains(got.Right, fmt.Sprintf("%d bytes; from offset %d: 8400", len(long), off)) {
		t.Fatalf("bytes row %+v in %+v", got, rows)
	}
	if n := msgdiff.Differences(rows); n != 1 {
		t.Fatalf("%d differences", n)
	}
	if notes := msgdiff.Notes(rows); len(notes) != 1 || notes[0] != "value: "+got.Note {
		t.Fatalf("notes %q", notes)
	}
	for _, r := range msgdiff.MessagesDecoded(&a, &a, da, da) {
		if r.Field == msgdiff.BytesField || r.Note != "" {
			t.Fatalf("equal bytes: %+v", r)
		}
	}
	j1, j2 := sources.Message{Value: []byte(`{"a":1}`)}, sources.Message{Value: []byte(`{"a": 1}`)}
	if notes := msgdiff.Notes(msgdiff.Messages(&j1, &j2)); len(notes) != 1 || !strings.Contains(notes[0], "3 bytes from offset 5") {
		t.Fatalf("JSON spelled differently: %q", notes)
	}
}
