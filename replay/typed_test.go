package replay_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// TestEditDocumentDecoded: a framed value is edited as its decoded
// document with its schema; read back, it is encoded with the same id; a
// document that does not fit, another id, or several values are refused;
// a plan refuses an edit not yet encoded.
func TestEditDocumentDecoded(t *testing.T) {
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
	value, err := dec.Encode(ctx, schema.Ref{Origin: schema.OriginRegistry, ID: id}, []byte(`{"id":"o-1","qty":2}`))
	if err != nil {
		t.Fatal(err)
	}
	m := sources.Message{Stream: "orders", Key: []byte("o-1"), Value: value, Headers: []sources.Header{{Key: "tenant", Value: []byte("acme")}}}
	d := dec.Value(ctx, &m)
	doc := replay.EditDocumentDecoded(m, &d)
	for _, want := range []string{`"value_decoded": {`, `"qty": 2`, `"value_schema": {`, `"subject": "orders-value"`, `"format": "avro"`} {
		if !bytes.Contains(doc, []byte(want)) {
			t.Fatalf("no %s in\n%s", want, doc)
		}
	}
	if bytes.Contains(doc, []byte(`"value_b64"`)) || bytes.Contains(doc, []byte("\n  \"value\":")) {
		t.Fatalf("the raw value is in the document too:\n%s", doc)
	}
	e, err := replay.ParseEdit(bytes.Replace(doc, []byte(`"qty": 2`), []byte(`"qty": 5`), 1))
	if err != nil || e.Decoded == nil || e.Value != nil || e.Schema == nil || e.Schema.ID != id {
		t.Fatalf("parsed %+v %v", e, err)
	}
	if _, err := replay.NewPlan("orders.DLT", []sources.Message{m}, replay.Options{Edits: map[string]replay.Edit{replay.Fingerprint(m): e}}); err == nil {
		t.Fatal("a plan took an edit still to be encoded")
	}
	got, _, err := e.EncodeValue(ctx, dec, m, &d)
	if err != nil || got == nil || string(got.JSON) != `{"id":"o-1","qty":5}` || e.Decoded != nil {
		t.Fatalf("encoded %+v %v", got, err)
	}
	if again := dec.Value(ctx, &sources.Message{Stream: "orders", Value: e.Value}); again.Ref.ID != id || string(again.JSON) != `{"id":"o-1","qty":5}` {
		t.Fatalf("the encoded value decodes to %s %s", again.Ref, again.JSON)
	}

	bad, _ := replay.ParseEdit(bytes.Replace(doc, []byte(`"qty": 2`), []byte(`"qty": "five"`), 1))
	if _, _, err := bad.EncodeValue(ctx, dec, m, &d); schema.KindOf(err) != schema.KindMismatch || !strings.Contains(err.Error(), "at qty") {
		t.Fatalf("a string for an int: %v", err)
	}
	other, _ := replay.ParseEdit(bytes.Replace(doc, []byte(`"id": 1,`), []byte(`"id": 99,`), 1))
	if _, _, err := other.EncodeValue(ctx, dec, m, &d); err == nil || !strings.Contains(err.Error(), "an edit keeps the schema") {
		t.Fatalf("another id: %v", err)
	}
	for _, b := range []string{`{"value":"x","value_decoded":{},"value_schema":{"id":1}}`, `{"value_decoded":{"a":1}}`} {
		if _, err := replay.ParseEdit([]byte(b)); err == nil {
			t.Errorf("%s parsed", b)
		}
	}
	// A JSON value stays value_json.
	if doc := replay.EditDocumentDecoded(sources.Message{Value: []byte(`{"a":1}`)}, nil); !bytes.Contains(doc, []byte(`"value_json"`)) {
		t.Fatalf("JSON value:\n%s", doc)
	}
}
