package schema

import (
	"context"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

const uuidAvsc = `{"type":"record","name":"Ev","namespace":"acme","fields":[
 {"name":"id","type":{"type":"string","logicalType":"uuid"}},
 {"name":"inner","type":{"type":"record","name":"In","fields":[
  {"name":"ref","type":["null",{"type":"string","logicalType":"uuid"}]}
  ]}}]}`

// TestAvroUUIDEditRefused: an edit whose uuid string (a string of logical
// type uuid, in a union too) is not a UUID is refused with the field's
// path and the reason, and no bytes; a UUID, in capitals too, encodes.
func TestAvroUUIDEditRefused(t *testing.T) {
	reg := newFake(t)
	id := register(t, reg, "evs-value", sr.Schema{Schema: uuidAvsc})
	d := newDecoder(t, reg.URL())
	good := `{"id":"5f0c8f2e-8a5b-4c1e-9d3a-2b7c6e4f1a90","inner":{"ref":"5F0C8F2E-8A5B-4C1E-9D3A-2B7C6E4F1A90"}}`
	ref := Ref{Origin: OriginRegistry, Format: FormatAvro, ID: id}
	out, err := d.Encode(context.Background(), ref, []byte(good))
	if err != nil {
		t.Fatalf("UUIDs: %v", err)
	}
	got := value(t, d, "evs", out)
	mustJSON(t, got, good)
	for _, c := range []struct{ doc, path, reason string }{
		{`{"id":"not-a-uuid","inner":{"ref":null}}`, "id", `"not-a-uuid" is not a UUID: 10 characters`},
		{`{"id":"5f0c8f2e-8a5b-4c1e-9d3a-2b7c6e4f1a9g","inner":{"ref":null}}`, "id", "character 36 is not a hexadecimal digit"},
		{`{"id":"5f0c8f2e-8a5b-4c1e-9d3a-2b7c6e4f1a90","inner":{"ref":"5f0c8f2e8a5b-4c1e-9d3a-2b7c6e4f1a90x"}}`, "inner.ref", "want a hyphen at character 9"},
	} {
		out, err := d.Encode(context.Background(), ref, []byte(c.doc))
		var e *Error
		if out != nil || !asErr(err, &e) || e.Kind != KindMismatch || e.Path != c.path || !strings.Contains(e.Err.Error(), c.reason) {
			t.Errorf("%s: % x %v, want a refusal at %s: %s", c.doc, out, err, c.path, c.reason)
		}
	}
}

// TestAvroUUIDNotAUUIDDecoded: a body whose uuid string is not a UUID is
// shown, with the field and the reason it does not fit (so it is not
// offered for an edit that would be refused).
func TestAvroUUIDNotAUUIDDecoded(t *testing.T) {
	c, err := avroCodec{}.Compile(Named{Text: uuidAvsc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	body := append([]byte{6}, "abc"...)
	body = append(body, 0) // inner.ref null
	js, err := c.Decode(body, Selector{})
	e := asError(KindMismatch, err)
	if string(js) != `{"id":"abc","inner":{"ref":null}}` || err == nil || e.Path != "id" || !strings.Contains(e.Err.Error(), "not a UUID") {
		t.Fatalf("decoded %s, %v", js, err)
	}
}
