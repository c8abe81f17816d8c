package schema

import (
	"context"
	"strings"
	"testing"
)

const formatsSchema = `{"type":"object","properties":{
 "id":{"type":"string","format":"uuid"},
 "email":{"type":"string","format":"email"},
 "at":{"type":"string","format":"date-time"},
 "qty":{"type":"integer","minimum":1}},
 "required":["id"]`

// TestJSONSchemaFormatAsserted: format (uuid, email, date-time) is
// asserted for a draft-07 schema and for one without $schema, as
// Confluent's serialisers assert it; a draft 2020-12 schema keeps it an
// annotation, as the draft says.
func TestJSONSchemaFormatAsserted(t *testing.T) {
	good := `{"id":"5f0c8f2e-8a5b-4c1e-9d3a-2b7c6e4f1a90","email":"a@example.com","at":"2026-01-02T03:04:05Z","qty":1}`
	for _, c := range []struct {
		name, schema string
		asserted     bool
	}{
		{"draft-07", `{"$schema":"http://json-schema.org/draft-07/schema#",` + formatsSchema[1:] + `}`, true},
		{"no $schema", formatsSchema + `}`, true},
		{"2020-12", `{"$schema":"https://json-schema.org/draft/2020-12/schema",` + formatsSchema[1:] + `}`, false},
	} {
		sc, err := jsonSchemaCodec{}.Compile(Named{Text: c.schema}, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if _, err := sc.Encode(context.Background(), []byte(good), Selector{}); err != nil {
			t.Fatalf("%s: good document: %v", c.name, err)
		}
		for _, bad := range []struct{ doc, path string }{
			{`{"id":"not-a-uuid"}`, "id"},
			{`{"id":"5f0c8f2e-8a5b-4c1e-9d3a-2b7c6e4f1a90","email":"nobody"}`, "email"},
			{`{"id":"5f0c8f2e-8a5b-4c1e-9d3a-2b7c6e4f1a90","at":"yesterday"}`, "at"},
		} {
			_, err := sc.Encode(context.Background(), []byte(bad.doc), Selector{})
			if !c.asserted {
				if err != nil {
					t.Errorf("%s: %s refused: %v", c.name, bad.doc, err)
				}
				continue
			}
			e := asError(KindMismatch, err)
			if err == nil || e.Path != bad.path || !strings.Contains(e.Err.Error(), "is not valid") {
				t.Errorf("%s: %s: %v, want a refusal at %s", c.name, bad.doc, err, bad.path)
			}
		}
	}
}

// TestJSONSchemaAllViolations: a document breaking several rules is
// refused with every one of them, each with its place and reason, on
// encode and on decode alike.
func TestJSONSchemaAllViolations(t *testing.T) {
	sc, err := jsonSchemaCodec{}.Compile(Named{Text: formatsSchema + `}`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	doc := []byte(`{"email":"nobody","at":"yesterday","qty":0}`)
	want := []Violation{
		{Path: "", Reason: "missing property 'id'"},
		{Path: "at", Reason: "'yesterday' is not valid date-time"},
		{Path: "email", Reason: "'nobody' is not valid email"},
		{Path: "qty", Reason: "minimum: got 0, want 1"},
	}
	_, encErr := sc.Encode(context.Background(), doc, Selector{})
	js, decErr := sc.Decode(doc, Selector{})
	if string(js) != string(doc) {
		t.Fatalf("decoded %s", js)
	}
	for what, err := range map[string]error{"encode": encErr, "decode": decErr} {
		e := asError(KindMismatch, err)
		if len(e.Violations) != len(want) {
			t.Fatalf("%s: %v: %+v", what, err, e.Violations)
		}
		for i, v := range want {
			if e.Violations[i].Path != v.Path || !strings.Contains(e.Violations[i].Reason, v.Reason) {
				t.Errorf("%s: violation %d: %+v, want %+v", what, i, e.Violations[i], v)
			}
		}
		msg := e.Error()
		for _, v := range want[1:] {
			if !strings.Contains(msg, "at "+v.Path+": ") {
				t.Errorf("%s: %q does not say %s", what, msg, v.Path)
			}
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("%s: not one line: %q", what, msg)
		}
	}
}
