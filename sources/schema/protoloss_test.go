package schema

import (
	"math"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/encoding/protowire"
)

// lossProto is a schema with nested, repeated, packed and map fields.
const lossProto = `syntax = "proto3"; package acme;
message Item { string sku = 1; int64 price = 2; }
message Order { string id = 1; repeated Item items = 2; repeated int32 qty = 3; map<string, Item> by = 4; double w = 5; }`

// pbVarint, pbBytes and pbString write one field: a tag and a value.
func pbVarint(num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
}

func pbBytes(num protowire.Number, parts ...[]byte) []byte {
	var inner []byte
	for _, p := range parts {
		inner = append(inner, p...)
	}
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), inner)
}

func pbString(num protowire.Number, s string) []byte { return pbBytes(num, []byte(s)) }

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// TestProtobufLossNamesThePath: a Protobuf value whose bytes are not in
// the marshaller's form names the first field that is not, and counts the
// others; a NaN's payload names its field too.
func TestProtobufLossNamesThePath(t *testing.T) {
	reg := newFake(t)
	id := register(t, reg, "orders-value", sr.Schema{Type: sr.TypeProtobuf, Schema: lossProto})
	d := newDecoder(t, reg.URL())
	item := func(sku string, price uint64) []byte { return cat(pbString(1, sku), pbVarint(2, price)) }
	items := cat(pbBytes(2, item("a", 1)), pbBytes(2, item("b", 2)))
	overlong := []byte{0x10, 0x83, 0x00} // price 3 in two bytes
	packed := pbBytes(3, protowire.AppendVarint(protowire.AppendVarint(nil, 4), 5))
	cases := []struct {
		name string
		body []byte
		path string
		more int
	}{
		{"overlong varint in a repeated message", cat(pbString(1, "o"), items, pbBytes(2, pbString(1, "c"), overlong)), "items[2].price", 0},
		{"fields out of order in a nested message", cat(pbString(1, "o"), pbBytes(2, pbVarint(2, 1), pbString(1, "a"))), "items[0].sku", 0},
		{"repeated not packed", cat(pbString(1, "o"), pbVarint(3, 4), pbVarint(3, 5)), "qty", 0},
		{"a singular field twice", cat(pbString(1, "o"), pbString(1, "p")), "id", 0},
		{"fields out of order at the top", cat(packed, items), "items", 0},
		{"a default written out in a map value", cat(pbString(1, "o"), pbBytes(4, pbString(1, "x"), pbBytes(2, pbString(1, "a"), pbVarint(2, 0)))), `by["x"].price`, 0},
		{"two places", cat(pbString(1, "o"), pbString(1, "p"), pbVarint(3, 4)), "id", 1},
		{"a NaN's payload", cat(pbString(1, "o"), protowire.AppendFixed64(protowire.AppendTag(nil, 5, protowire.Fixed64Type), 0x7ff8000000000123)), "w", 0},
	}
	for _, c := range cases {
		got := value(t, d, "orders", framed(id, []byte{2, 2}, c.body))
		if got.Err != nil || got.Loss == nil {
			t.Fatalf("%s: %s %+v %v", c.name, got.JSON, got.Loss, got.Err)
		}
		if got.Loss.Path != c.path || got.Loss.More != c.more {
			t.Errorf("%s: loss at %q (+%d), want %q (+%d): %s", c.name, got.Loss.Path, got.Loss.More, c.path, c.more, got.Loss)
		}
	}
	canonical := cat(pbString(1, "o"), items, packed, protowire.AppendFixed64(protowire.AppendTag(nil, 5, protowire.Fixed64Type), math.Float64bits(1.5)))
	if got := value(t, d, "orders", framed(id, []byte{2, 2}, canonical)); got.Err != nil || got.Loss != nil {
		t.Fatalf("canonical: %s %+v %v", got.JSON, got.Loss, got.Err)
	}
}
