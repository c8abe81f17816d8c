package schema

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/encoding/protowire"
)

// An older schema: the writer's had Ship.flag = 8, Part.serial = 3.
const shipOldProto = `syntax = "proto3"; package acme;
message Ship { string id = 1; Part engine = 2; repeated Part parts = 3; }
message Part { string name = 1; }`

// shipWithUnknown is a Ship written with fields the old schema lacks: at
// the top (8, a varint; 9, a string), in engine (3) and in parts[1] (4).
func shipWithUnknown() []byte {
	part := func(name string, extra []byte) []byte {
		return append(protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), name), extra...)
	}
	b := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "s-1")
	b = protowire.AppendBytes(protowire.AppendTag(b, 2, protowire.BytesType), part("v8", protowire.AppendVarint(protowire.AppendTag(nil, 3, protowire.VarintType), 77)))
	b = protowire.AppendBytes(protowire.AppendTag(b, 3, protowire.BytesType), part("a", nil))
	b = protowire.AppendBytes(protowire.AppendTag(b, 3, protowire.BytesType), part("b", protowire.AppendFixed32(protowire.AppendTag(nil, 4, protowire.Fixed32Type), 5)))
	b = protowire.AppendVarint(protowire.AppendTag(b, 8, protowire.VarintType), 1)
	return protowire.AppendString(protowire.AppendTag(b, 9, protowire.BytesType), "x")
}

const shipDoc = `{"id":"s-1","engine":{"name":"v8","$unknown_fields":[{"field":3,"varint":77}]},"parts":[{"name":"a"},{"name":"b","$unknown_fields":[{"field":4,"fixed32":5}]}],"$unknown_fields":[{"field":8,"varint":1},{"field":9,"bytes":"eA=="}]}`

// TestProtobufUnknownFieldsShownAndKept: fields the schema lacks are shown
// message by message under $unknown_fields with their numbers and values,
// with a one-line note; an edit of the document keeps them (written back
// from the document, or, when the edited document leaves them out, from
// the original with EncodeOver), and an edit that drops a message holding
// them is refused rather than losing them.
func TestProtobufUnknownFieldsShownAndKept(t *testing.T) {
	reg := newFake(t)
	id := register(t, reg, "ships-value", sr.Schema{Type: sr.TypeProtobuf, Schema: shipOldProto})
	d := newDecoder(t, reg.URL())
	data := framed(id, []byte{0}, shipWithUnknown())
	got := value(t, d, "ships", data)
	if string(got.JSON) != shipDoc {
		t.Fatalf("decoded\n %s\nwant\n %s", got.JSON, shipDoc)
	}
	if !errors.Is(got.Err, ErrUnknownFields) || strings.Contains(got.Err.Error(), "\n") || !strings.Contains(got.Err.Error(), "fields the schema does not have") {
		t.Fatalf("note: %v", got.Err)
	}
	ctx := context.Background()
	// Unchanged, the document is the bytes.
	if out, err := d.Encode(ctx, got.Ref, got.JSON); err != nil || !bytes.Equal(out, data) {
		t.Fatalf("encoded back % x %v", out, err)
	}
	// An edit of a known field keeps every unknown field.
	edited := strings.Replace(shipDoc, `"id":"s-1"`, `"id":"s-2"`, 1)
	out, err := d.Encode(ctx, got.Ref, []byte(edited))
	if err != nil {
		t.Fatal(err)
	}
	again := value(t, d, "ships", out)
	if string(again.JSON) != edited {
		t.Fatalf("edit decoded again\n %s\nwant\n %s", again.JSON, edited)
	}
	// The edited document without them: EncodeOver keeps the original's.
	bare := `{"parts":[{"name":"a"},{"name":"B"}],"engine":{"name":"v12"},"id":"s-3"}`
	out, err = d.EncodeOver(ctx, got.Ref, []byte(bare), data)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer(`"id":"s-1"`, `"id":"s-3"`, `"name":"v8"`, `"name":"v12"`, `"name":"b"`, `"name":"B"`).Replace(shipDoc)
	if again := value(t, d, "ships", out); string(again.JSON) != want {
		t.Fatalf("EncodeOver decoded again\n %s\nwant\n %s", again.JSON, want)
	}
	// Dropping parts[1], which holds some, is refused with its place.
	_, err = d.EncodeOver(ctx, got.Ref, []byte(`{"id":"s-1","engine":{"name":"v8"},"parts":[{"name":"a"}]}`), data)
	var e *Error
	if !asErr(err, &e) || e.Path != "parts.1" || !strings.Contains(e.Err.Error(), "would drop them") {
		t.Fatalf("dropped a message holding unknown fields: %v", err)
	}
	// A malformed entry is refused.
	if _, err := d.Encode(ctx, got.Ref, []byte(`{"id":"s-1","$unknown_fields":[{"field":8}]}`)); err == nil || !strings.Contains(err.Error(), "want one value") {
		t.Fatalf("malformed entry: %v", err)
	}
}
