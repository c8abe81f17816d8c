package schema

import (
	"context"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/sources"
)

// TestProtobufTypeHeaderNotInSources: a Protobuf content-type whose type
// names a message no local Protobuf source has shows the value raw, with
// a one-line note naming the type and the sources; a value whose type is
// there still decodes with the same decoder.
func TestProtobufTypeHeaderNotInSources(t *testing.T) {
	dir := writeProtoDir(t)
	d, err := NewDecoder(Config{Protos: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	body := orderMessage(t, compileOrder(t))
	props := func(typ string) []sources.Property {
		return []sources.Property{{Name: "content-type", Value: "application/x-protobuf"}, {Name: "type", Value: typ}}
	}
	missing := d.Value(context.Background(), &sources.Message{Stream: "q", Value: body, Properties: props("acme.Invoice")})
	if missing.Format != FormatBinary || missing.JSON != nil || missing.Err == nil {
		t.Fatalf("missing type: %+v", missing)
	}
	if msg := missing.Err.Error(); !strings.Contains(msg, "acme.Invoice") || !strings.Contains(msg, dir) || !strings.Contains(msg, "do not have") || strings.Contains(msg, "\n") {
		t.Fatalf("missing type note: %q", msg)
	}
	if cached, ok := d.Cached(d.Classify(PartValue, "q", nil, props("acme.Invoice"), body)); !ok || cached.Err == nil || cached.Err.Error() != missing.Err.Error() {
		t.Fatalf("cached: %+v %v", cached, ok)
	}
	mustJSON(t, d.Value(context.Background(), &sources.Message{Stream: "q", Value: body, Properties: props("acme.Order")}), orderJSON)
	// Not a Protobuf content type: no note, the bytes are sniffed.
	if got := d.Value(context.Background(), &sources.Message{Stream: "q", Value: []byte("hi"), Properties: []sources.Property{{Name: "content-type", Value: "text/plain"}, {Name: "type", Value: "acme.Invoice"}}}); got.Err != nil || got.Format != FormatText {
		t.Fatalf("text: %+v", got)
	}
}

// TestProtobufIndexesOutOfRange: framed message indexes the schema has no
// message for show the value raw with a one-line note naming the id and
// the indexes; the next value decodes.
func TestProtobufIndexesOutOfRange(t *testing.T) {
	url, id := registerOrder(t)
	d := newDecoder(t, url)
	body := orderMessage(t, compileOrder(t))
	for _, idx := range [][]byte{{2, 10}, {4, 2, 14}} {
		got := value(t, d, "orders", framed(id, idx, body))
		if got.Format != FormatBinary || got.JSON != nil || KindOf(got.Err) != KindMismatch {
			t.Fatalf("indexes % x: %+v", idx, got)
		}
		if msg := got.Err.Error(); !strings.Contains(msg, "schema id "+itoa(id)) || !strings.Contains(msg, "out of range") || strings.Contains(msg, "\n") {
			t.Fatalf("indexes % x: %q", idx, msg)
		}
	}
	mustJSON(t, value(t, d, "orders", framed(id, []byte{2, 2}, body)), orderJSON)
}
