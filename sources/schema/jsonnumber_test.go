package schema

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

// TestJSONSchemaNumbersKeptExactly: a JSON Schema value's numbers (an
// integer beyond 64 bits, a number with more digits than a double holds)
// decode as the body writes them, with no loss, and encode again byte
// for byte.
func TestJSONSchemaNumbersKeptExactly(t *testing.T) {
	r := newFake(t)
	id := register(t, r, "nums-value", sr.Schema{Type: sr.TypeJSON, Schema: `{"type":"object","properties":{"x":{"type":"integer"},"n":{"type":"number"}},"required":["x"],"additionalProperties":false}`})
	d := newDecoder(t, r.URL())
	for _, body := range []string{
		`{"x":12345678901234567890,"n":0.1000000000000000055511151231257827}`,
		`{"x":-0,"n":-0.0}`,
		`{"x":1E+400,"n":1.00000000000000000000000000000000000001e-400}`,
	} {
		got := value(t, d, "nums", framed(id, []byte(body)))
		mustJSON(t, got, body)
		if got.Loss != nil {
			t.Fatalf("%s: loss %+v", body, got.Loss)
		}
		c, err := jsonSchemaCodec{}.Compile(Named{Text: `{"type":"object","properties":{"x":{"type":"number"},"n":{"type":"number"}}}`}, nil)
		if err != nil {
			t.Fatal(err)
		}
		enc, err := c.Encode(context.Background(), got.JSON, Selector{})
		if err != nil || string(enc) != body {
			t.Fatalf("%s: encoded %s %v", body, enc, err)
		}
	}
}
