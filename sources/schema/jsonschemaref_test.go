package schema

import (
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

// TestJSONSchemaRefToAnotherSubject: a JSON Schema that refers to another
// subject's schema validates with it, whether the reference's name is the
// $ref itself or, relative, is resolved against the main schema's $id (as
// Confluent's serialisers resolve it), a fragment into it too.
func TestJSONSchemaRefToAnotherSubject(t *testing.T) {
	reg := newFake(t)
	register(t, reg, "address", sr.Schema{Type: sr.TypeJSON, Schema: `{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`})
	refs := []sr.SchemaReference{{Name: "address.json", Subject: "address", Version: 1}}
	cases := []struct{ subject, schema string }{
		{"plain-value", `{"type":"object","properties":{"addr":{"$ref":"address.json"}},"required":["addr"]}`},
		{"based-value", `{"$id":"https://example.com/schemas/customer.json","type":"object","properties":{"addr":{"$ref":"address.json"}},"required":["addr"]}`},
		{"fragment-value", `{"$id":"https://example.com/schemas/customer.json","type":"object","properties":{"addr":{"type":"object","properties":{"city":{"$ref":"address.json#/properties/city"}}}}}`},
	}
	d := newDecoder(t, reg.URL())
	for _, c := range cases {
		id := register(t, reg, c.subject, sr.Schema{Type: sr.TypeJSON, Schema: c.schema, References: refs})
		stream := strings.TrimSuffix(c.subject, "-value")
		mustJSON(t, value(t, d, stream, framed(id, []byte(`{"addr":{"city":"Oslo"}}`))), `{"addr":{"city":"Oslo"}}`)
		got := value(t, d, stream, framed(id, []byte(`{"addr":{"city":5}}`)))
		if KindOf(got.Err) != KindMismatch || !strings.Contains(got.Err.Error(), "want string") {
			t.Fatalf("%s: a city that is a number: %+v %v", c.subject, got.Ref, got.Err)
		}
	}
}
