package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

// framedLocalAvro is the local schema of the tests here; the framing's
// five bytes before a body do not fit it.
const framedLocalAvro = `{"type":"record","name":"T","fields":[{"name":"q","type":"string"},{"name":"m","type":"long"}]}`

// localBodyHi is a body of framedLocalAvro: {"q":"hi","m":3}.
var localBodyHi = []byte{4, 'h', 'i', 6}

// localRule writes the local schema and returns the config's rule for
// streams search.*.
func localRule(t *testing.T) Rule {
	t.Helper()
	p := filepath.Join(t.TempDir(), "t.avsc")
	if err := os.WriteFile(p, []byte(framedLocalAvro), 0o600); err != nil {
		t.Fatal(err)
	}
	return Rule{Pattern: "search.*", Schema: p}
}

// mustFramedLocal fails unless got was decoded by the local schema of
// rule from the body after a framing with id, which the Ref keeps.
func mustFramedLocal(t *testing.T, got Decoded, rule Rule, id int, why Kind, note string) {
	t.Helper()
	mustJSON(t, got, `{"q":"hi","m":3}`)
	if got.Ref.Origin != OriginLocal || got.Ref.Local != rule.Schema || got.Ref.ID != id || got.Ref.Unresolved != why || got.Ref.Subject != "" ||
		!strings.Contains(got.Ref.String(), note) {
		t.Fatalf("framed local: %+v %s", got.Ref, got.Ref)
	}
}

// TestLocalRuleUnframed: a value without the framing on a stream a local
// schema maps is decoded with it, and says nothing of a framing.
func TestLocalRuleUnframed(t *testing.T) {
	rule := localRule(t)
	for _, d := range []*Decoder{
		newDecoder(t, newFake(t).URL(), func(c *Config) { c.Rules = []Rule{rule} }),
		mustDecoder(t, Config{Rules: []Rule{rule}}),
	} {
		got := value(t, d, "search.q", localBodyHi)
		mustJSON(t, got, `{"q":"hi","m":3}`)
		if got.Ref.Origin != OriginLocal || got.Ref.Local != rule.Schema || got.Ref.ID != 0 || got.Ref.Unresolved != 0 || got.Ref.FramingNote() != "" {
			t.Fatalf("unframed: %+v %s", got.Ref, got.Ref)
		}
		if c := d.Classify(PartValue, "search.q", nil, nil, localBodyHi); c.Framed() {
			t.Fatalf("unframed value classified framed: %+v", c)
		}
	}
}

// TestRegistryFramingBeatsLocalRule: a value framed with an id the
// registry has is decoded with the registry's schema even where a local
// schema is mapped to the stream.
func TestRegistryFramingBeatsLocalRule(t *testing.T) {
	reg := newFake(t)
	id := register(t, reg, "search.q-value", sr.Schema{Schema: `{"type":"record","name":"R","fields":[{"name":"name","type":"string"}]}`})
	rule := localRule(t)
	d := newDecoder(t, reg.URL(), func(c *Config) { c.Rules = []Rule{rule} })

	got := value(t, d, "search.q", framed(id, []byte{2, 'x'}))
	mustJSON(t, got, `{"name":"x"}`)
	if got.Ref.Origin != OriginRegistry || got.Ref.ID != id || got.Ref.Subject != "search.q-value" || got.Ref.Local != "" || got.Ref.Unresolved != 0 {
		t.Fatalf("registry value: %+v", got.Ref)
	}
	c := d.Classify(PartValue, "search.q", nil, nil, framed(id, []byte{2, 'x'}))
	if cached, ok := d.Cached(c); !ok || string(cached.JSON) != `{"name":"x"}` || cached.Ref.Origin != OriginRegistry {
		t.Fatalf("cached: %v %s %+v", ok, cached.JSON, cached.Ref)
	}
}

// TestLocalRuleFramedUnknownID: a value framed with an id the registry
// does not have is decoded with the local schema from the bytes after the
// framing; the Ref keeps the id and says why, the cache answers alike,
// and encoding the document again gives the framed value back.
func TestLocalRuleFramedUnknownID(t *testing.T) {
	reg := newFake(t)
	register(t, reg, "other-value", sr.Schema{Schema: `"string"`})
	rule := localRule(t)
	d := newDecoder(t, reg.URL(), func(c *Config) { c.Rules = []Rule{rule} })

	const unknown = 77
	data := framed(unknown, localBodyHi)
	got := value(t, d, "search.q", data)
	mustFramedLocal(t, got, rule, unknown, KindUnknownID, "framed with id 77, which the registry does not have")

	c := d.Classify(PartValue, "search.q", nil, nil, data)
	if !c.Framed() || c.LocalSchema() != rule.Schema {
		t.Fatalf("class: framed %v, local %q", c.Framed(), c.LocalSchema())
	}
	if cached, ok := d.Cached(c); !ok || cached.Ref.Origin != OriginLocal || cached.Ref.ID != unknown || string(cached.JSON) != string(got.JSON) {
		t.Fatalf("cached: %v %s %+v", ok, cached.JSON, cached.Ref)
	}
	for _, orig := range [][]byte{nil, data} {
		again, err := d.EncodeOver(t.Context(), got.Ref, got.JSON, orig)
		if err != nil || string(again) != string(data) {
			t.Fatalf("encoded back (original %x): %x %v", orig, again, err)
		}
	}

	// A body the local schema does not fit keeps the registry's failure.
	bad := value(t, d, "search.q", framed(unknown, []byte{4, 'h'}))
	if KindOf(bad.Err) != KindUnknownID || bad.Ref.Origin != OriginRegistry || !strings.Contains(bad.Err.Error(), "the local schema "+rule.Schema+" does not fit the value either") {
		t.Fatalf("fits neither: %+v %v", bad.Ref, bad.Err)
	}

	// A value without the framing whose first byte is 0 by chance (an
	// empty q) still decodes as what it is.
	plain := []byte{0, 0x80, 0x80, 0x80, 0x01}
	got = value(t, d, "search.q", plain)
	mustJSON(t, got, `{"q":"","m":1048576}`)
	if got.Ref.Origin != OriginLocal || got.Ref.ID != 0 || got.Ref.Unresolved != 0 {
		t.Fatalf("unframed, first byte 0: %+v", got.Ref)
	}
}

// TestLocalRuleFramedNoRegistry: with no registry configured a framed
// value is decoded with the local schema from the bytes after the
// framing, and the Ref keeps the id.
func TestLocalRuleFramedNoRegistry(t *testing.T) {
	rule := localRule(t)
	d := mustDecoder(t, Config{Rules: []Rule{rule}})
	data := framed(1, localBodyHi)
	got := value(t, d, "search.q", data)
	mustFramedLocal(t, got, rule, 1, KindNoRegistry, "framed with id 1; no registry configured")
	c := d.Classify(PartValue, "search.q", nil, nil, data)
	if cached, ok := d.Cached(c); !ok || !c.Framed() || cached.Ref.ID != 1 || string(cached.JSON) != string(got.JSON) {
		t.Fatalf("cached: %v %v %s %+v", ok, c.Framed(), cached.JSON, cached.Ref)
	}
	again, err := d.Encode(t.Context(), got.Ref, got.JSON)
	if err != nil || string(again) != string(data) {
		t.Fatalf("encoded back: %x %v", again, err)
	}
}

// TestFramedMaxID: id 0xFFFFFFFF is an id like any other (the wire
// format's ids are unsigned 32 bits): framed, unknown to the registry,
// and a local schema decodes the body after it.
func TestFramedMaxID(t *testing.T) {
	const maxID = 4294967295
	reg := newFake(t)
	rule := localRule(t)
	data := framed(maxID, localBodyHi)
	if !strings.HasPrefix(string(data), "\x00\xff\xff\xff\xff") {
		t.Fatalf("framing %x", data)
	}

	d := newDecoder(t, reg.URL())
	got := value(t, d, "search.q", data)
	if KindOf(got.Err) != KindUnknownID || got.Ref.Origin != OriginRegistry || got.Ref.ID != maxID {
		t.Fatalf("no rule: %+v %v", got.Ref, got.Err)
	}
	if c := d.Classify(PartValue, "search.q", nil, nil, data); !c.Framed() || c.ID != maxID {
		t.Fatalf("class: %+v", c)
	}

	d = newDecoder(t, reg.URL(), func(c *Config) { c.Rules = []Rule{rule} })
	mustFramedLocal(t, value(t, d, "search.q", data), rule, maxID, KindUnknownID, "framed with id 4294967295, which the registry does not have")

	mustFramedLocal(t, value(t, mustDecoder(t, Config{Rules: []Rule{rule}}), "search.q", data), rule, maxID, KindNoRegistry, "framed with id 4294967295; no registry")
}

// mustDecoder is NewDecoder that fails the test on an error.
func mustDecoder(t *testing.T, cfg Config) *Decoder {
	t.Helper()
	d, err := NewDecoder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestLocalProtoFramedNoRegistry: a framed Protobuf value a local .proto
// decodes is read after the framing and its message indexes, and is
// encoded back with both.
func TestLocalProtoFramedNoRegistry(t *testing.T) {
	p := filepath.Join(t.TempDir(), "t.proto")
	if err := os.WriteFile(p, []byte("syntax = \"proto3\";\npackage t;\nmessage M { string q = 1; }\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rule := Rule{Pattern: "search.*", Schema: p, Message: "t.M"}
	d := mustDecoder(t, Config{Rules: []Rule{rule}})
	data := framed(7, []byte{0}, []byte{0x0a, 2, 'h', 'i'})
	got := value(t, d, "search.q", data)
	mustJSON(t, got, `{"q":"hi"}`)
	if got.Ref.Origin != OriginLocal || got.Ref.ID != 7 || got.Ref.Unresolved != KindNoRegistry || got.Ref.Local != p || got.Ref.Message != "t.M" {
		t.Fatalf("ref %+v", got.Ref)
	}
	again, err := d.Encode(t.Context(), got.Ref, got.JSON)
	if err != nil || string(again) != string(data) {
		t.Fatalf("encoded back: %x %v", again, err)
	}
}
