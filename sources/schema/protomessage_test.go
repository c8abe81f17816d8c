package schema

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

// TestProtobufEncodeAsNamedMessage: a registry ref that names its
// Protobuf message and no indexes is encoded as that message, framed
// with its indexes (nested ones too); indexes that pick another message
// than the name are refused.
func TestProtobufEncodeAsNamedMessage(t *testing.T) {
	reg := newFake(t)
	id := register(t, reg, "ships-value", sr.Schema{Type: sr.TypeProtobuf, Schema: `syntax = "proto3"; package acme;
message Ship { string id = 1; message Crew { string id = 1; } }
message Dock { string id = 1; }`})
	d := newDecoder(t, reg.URL())
	ctx := context.Background()
	for _, c := range []struct {
		message string
		indexes []int
	}{{"acme.Ship", []int{0}}, {"acme.Dock", []int{1}}, {"acme.Ship.Crew", []int{0, 0}}} {
		out, err := d.Encode(ctx, Ref{Origin: OriginRegistry, ID: id, Format: FormatProtobuf, Message: c.message}, []byte(`{"id":"x"}`))
		if err != nil {
			t.Fatalf("%s: %v", c.message, err)
		}
		want := AppendIndexes(AppendHeader(nil, id), c.indexes)
		if !bytes.HasPrefix(out, want) {
			t.Fatalf("%s framed %x, want %x", c.message, out, want)
		}
		if got := value(t, d, "ships", out); got.Err != nil || got.Ref.Message != c.message || string(got.JSON) != `{"id":"x"}` {
			t.Fatalf("%s decodes as %s %s %v", c.message, got.Ref.Message, got.JSON, got.Err)
		}
	}
	_, err := d.Encode(ctx, Ref{Origin: OriginRegistry, ID: id, Format: FormatProtobuf, Message: "acme.Dock", Indexes: []int{0}}, []byte(`{"id":"x"}`))
	if err == nil || !strings.Contains(err.Error(), "message indexes [0] pick acme.Ship, not acme.Dock") {
		t.Fatalf("mismatch: %v", err)
	}
	if _, err := d.Encode(ctx, Ref{Origin: OriginRegistry, ID: id, Format: FormatProtobuf, Message: "acme.Pier"}, []byte(`{"id":"x"}`)); err == nil {
		t.Fatal("a message the schema has not encoded")
	}
}
