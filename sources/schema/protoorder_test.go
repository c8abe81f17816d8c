package schema

import (
	"bytes"
	"context"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// shuffledProto declares fields out of number order, a oneof among them.
const shuffledProto = `syntax = "proto3"; package acme;
message Shuffled {
  string b = 2;
  oneof pick { string x = 6; int32 y = 3; }
  Inner inner = 4;
  string a = 1;
  repeated Inner list = 7;
  map<string, Inner> by = 5;
}
message Inner { int32 q = 2; string p = 1; }`

// TestProtobufFieldNumberOrder: a document shows a message's fields in
// field-number order, nested, listed and mapped messages too, whatever
// order the .proto declares them in; encoding takes them in any order,
// a oneof's member placed after the other fields too, and writes the
// same bytes.
func TestProtobufFieldNumberOrder(t *testing.T) {
	c, err := protoCodec{}.Compile(Named{Text: shuffledProto}, nil)
	if err != nil {
		t.Fatal(err)
	}
	inner := func(p string, q uint64) []byte {
		b := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), p)
		return protowire.AppendVarint(protowire.AppendTag(b, 2, protowire.VarintType), q)
	}
	body := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "A")
	body = protowire.AppendString(protowire.AppendTag(body, 2, protowire.BytesType), "B")
	body = protowire.AppendBytes(protowire.AppendTag(body, 4, protowire.BytesType), inner("i", 1))
	entry := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "<k>")
	entry = protowire.AppendBytes(protowire.AppendTag(entry, 2, protowire.BytesType), inner("m", 2))
	body = protowire.AppendBytes(protowire.AppendTag(body, 5, protowire.BytesType), entry)
	body = protowire.AppendBytes(protowire.AppendTag(body, 7, protowire.BytesType), inner("l", 3))
	body = protowire.AppendVarint(protowire.AppendTag(body, 3, protowire.VarintType), 9) // Go's marshaller writes a oneof's member last
	want := `{"a":"A","b":"B","y":9,"inner":{"p":"i","q":1},"by":{"<k>":{"p":"m","q":2}},"list":[{"p":"l","q":3}]}`
	js, err := c.Decode(body, Selector{})
	if err != nil || string(js) != want {
		t.Fatalf("decoded\n %s (%v)\nwant\n %s", js, err, want)
	}
	for _, doc := range []string{
		want,
		`{"list":[{"q":3,"p":"l"}],"inner":{"q":1,"p":"i"},"by":{"<k>":{"q":2,"p":"m"}},"b":"B","a":"A","y":9}`,
		`{"b":"B","inner":{"p":"i","q":1},"a":"A","by":{"<k>":{"p":"m","q":2}},"list":[{"p":"l","q":3}],"y":9}`,
	} {
		out, err := c.Encode(context.Background(), []byte(doc), Selector{})
		if err != nil || !bytes.Equal(out, body) {
			t.Errorf("%s encoded % x (%v), want % x", doc, out, err, body)
		}
	}
	js, loss, err := c.(*protoSchema).decodeLoss(body, Selector{})
	if err != nil || loss != nil || string(js) != want {
		t.Fatalf("decodeLoss: %s %+v %v", js, loss, err)
	}
}
