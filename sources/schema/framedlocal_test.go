package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

// framedLocalAvro is a local schema that the bytes of a framed value fit
// too: the framing's five bytes read as five ints, then a string.
const framedLocalAvro = `{"type":"record","name":"L","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"},{"name":"c","type":"int"},{"name":"d","type":"int"},{"name":"e","type":"int"},{"name":"s","type":"string"}]}`

// localRule writes the local schema and returns the config's rule for
// stream orders.
func localRule(t *testing.T) Rule {
	t.Helper()
	p := filepath.Join(t.TempDir(), "orders.avsc")
	if err := os.WriteFile(p, []byte(framedLocalAvro), 0o600); err != nil {
		t.Fatal(err)
	}
	return Rule{Pattern: "orders*", Schema: p}
}

// TestRegistryFramingBeatsLocalRule: a value framed with an id the
// registry has is decoded with the registry's schema even where a local
// schema is mapped to the stream; one framed with an id the registry does
// not have, or with no registry configured, is decoded with the local
// schema, and the Ref says so; one the local schema does not fit either
// keeps the registry's failure and says the local schema was tried.
func TestRegistryFramingBeatsLocalRule(t *testing.T) {
	reg := newFake(t)
	id := register(t, reg, "orders-value", sr.Schema{Schema: `{"type":"record","name":"R","fields":[{"name":"name","type":"string"}]}`})
	rule := localRule(t)
	d := newDecoder(t, reg.URL(), func(c *Config) { c.Rules = []Rule{rule} })

	got := value(t, d, "orders", framed(id, []byte{2, 'x'}))
	mustJSON(t, got, `{"name":"x"}`)
	if got.Ref.Origin != OriginRegistry || got.Ref.ID != id || got.Ref.Subject != "orders-value" || got.Ref.Local != "" {
		t.Fatalf("registry value: %+v", got.Ref)
	}
	c := d.Classify(PartValue, "orders", nil, nil, framed(id, []byte{2, 'x'}))
	if cached, ok := d.Cached(c); !ok || string(cached.JSON) != `{"name":"x"}` || cached.Ref.Origin != OriginRegistry {
		t.Fatalf("cached: %v %s %+v", ok, cached.JSON, cached.Ref)
	}

	const unknown = 5
	got = value(t, d, "orders", framed(unknown, []byte{2, 'y'}))
	mustJSON(t, got, `{"a":0,"b":0,"c":0,"d":0,"e":-3,"s":"y"}`)
	if got.Ref.Origin != OriginLocal || got.Ref.Local != rule.Schema || got.Ref.ID != unknown || got.Ref.Unresolved != KindUnknownID ||
		!strings.Contains(got.Ref.String(), "framed with id 5, which the registry does not have") {
		t.Fatalf("unknown id: %+v %s", got.Ref, got.Ref)
	}
	c = d.Classify(PartValue, "orders", nil, nil, framed(unknown, []byte{2, 'y'}))
	if cached, ok := d.Cached(c); !ok || cached.Ref.Origin != OriginLocal || string(cached.JSON) != string(got.JSON) {
		t.Fatalf("cached unknown id: %v %s %+v", ok, cached.JSON, cached.Ref)
	}
	if c.LocalSchema() != rule.Schema {
		t.Fatalf("class local schema %q", c.LocalSchema())
	}
	again, err := d.Encode(t.Context(), got.Ref, got.JSON)
	if err != nil || string(again) != string(framed(unknown, []byte{2, 'y'})) {
		t.Fatalf("encoded back: %x %v", again, err)
	}

	got = value(t, d, "orders", framed(unknown))
	if KindOf(got.Err) != KindUnknownID || got.Ref.Origin != OriginRegistry || !strings.Contains(got.Err.Error(), "the local schema "+rule.Schema+" does not fit the value either") {
		t.Fatalf("fits neither: %+v %v", got.Ref, got.Err)
	}

	plain := value(t, d, "orders", []byte{2, 4, 6, 8, 10, 2, 'z'})
	mustJSON(t, plain, `{"a":1,"b":2,"c":3,"d":4,"e":5,"s":"z"}`)
	if plain.Ref.Origin != OriginLocal || plain.Ref.Unresolved != 0 || strings.Contains(plain.Ref.String(), "framed") {
		t.Fatalf("unframed: %+v %s", plain.Ref, plain.Ref)
	}

	noReg, err := NewDecoder(Config{Rules: []Rule{rule}})
	if err != nil {
		t.Fatal(err)
	}
	got = value(t, noReg, "orders", framed(id, []byte{2, 'x'}))
	mustJSON(t, got, `{"a":0,"b":0,"c":0,"d":0,"e":-1,"s":"x"}`)
	if got.Ref.Origin != OriginLocal || got.Ref.Unresolved != KindNoRegistry || !strings.Contains(got.Ref.String(), "framed with id 1; no registry configured") {
		t.Fatalf("no registry: %+v %s", got.Ref, got.Ref)
	}
}
