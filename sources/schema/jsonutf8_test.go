package schema

import (
	"testing"
	"unicode/utf8"
)

// TestJSONSchemaDocumentIsUTF8: a JSON Schema value whose strings are not
// UTF-8 decodes to a UTF-8 document with U+FFFD in their place and an
// invalid_utf8 loss at the first such string (a value, an array's item,
// a key that needs quoting), counting the others.
func TestJSONSchemaDocumentIsUTF8(t *testing.T) {
	c, err := jsonSchemaCodec{}.Compile(Named{Text: `{"type":"object"}`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := c.(*jsonSchema)
	cases := []struct {
		body, doc, path string
		more            int
	}{
		{"{\"a\":{\"b\":[\"ok\",\"x\xff\"]},\"c\":\"\xfe\"}", "{\"a\":{\"b\":[\"ok\",\"x\uFFFD\"]},\"c\":\"\uFFFD\"}", "a.b[1]", 1},
		{"{\"we ird\": {\"k\xff\": 1}}", "{\"we ird\":{\"k\uFFFD\":1}}", "[\"we ird\"][\"k\uFFFD\"]", 0},
		{"{\"q\\\"\": [1, {\"z\": \"\xc3\"}]}", "{\"q\\\"\":[1,{\"z\":\"\uFFFD\"}]}", `["q\""][1].z`, 0},
	}
	for _, c := range cases {
		doc, loss, err := s.decodeLoss([]byte(c.body))
		if err != nil || !utf8.Valid(doc) || string(doc) != c.doc {
			t.Fatalf("%q: %q %v", c.body, doc, err)
		}
		if loss == nil || loss.Kind != LossInvalidUTF8 || loss.Path != c.path || loss.More != c.more {
			t.Fatalf("%q: loss %+v, want at %s and %d more", c.body, loss, c.path, c.more)
		}
	}
	if doc, loss, err := s.decodeLoss([]byte(`{"a":"é"}`)); err != nil || loss != nil || string(doc) != `{"a":"é"}` {
		t.Fatalf("a clean value: %s %+v %v", doc, loss, err)
	}
}
