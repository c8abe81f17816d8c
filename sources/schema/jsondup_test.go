package schema

import (
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

// TestJSONSchemaDuplicateKeys: a JSON Schema value whose object names a
// member twice (spelled alike or escaped) decodes whole, lossy at the
// second member's path, with how many more; names that differ, or the
// same name in two objects, are not duplicates.
func TestJSONSchemaDuplicateKeys(t *testing.T) {
	r := newFake(t)
	id := register(t, r, "dup-value", sr.Schema{Type: sr.TypeJSON, Schema: `{"type":"object"}`})
	d := newDecoder(t, r.URL())
	cases := []struct {
		body, path string
		more       int
	}{
		{`{"n":1,"n":2}`, "n", 0},
		{`{"n":1,"\u006e":2}`, "n", 0},
		{`{"l":[{"a":1},{"b":1,"b":2}],"m":{"x y":0,"x y":1,"x y":2}}`, "l[1].b", 2},
		{`{"a":{"n":1},"b":{"n":1},"n":"n"}`, "", -1},
		{`{"n":1,"m":2}`, "", -1},
	}
	for _, c := range cases {
		got := value(t, d, "dup", framed(id, []byte(c.body)))
		mustJSON(t, got, c.body)
		if c.more < 0 {
			if got.Loss != nil {
				t.Errorf("%s: loss %+v", c.body, got.Loss)
			}
			continue
		}
		if got.Loss == nil || got.Loss.Kind != LossDuplicateKey || got.Loss.Path != c.path || got.Loss.More != c.more {
			t.Errorf("%s: loss %+v, want duplicate_key at %s (%d more)", c.body, got.Loss, c.path, c.more)
		}
	}
}
