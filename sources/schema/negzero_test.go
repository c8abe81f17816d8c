package schema

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/encoding/protowire"
)

const negZeroProto = `syntax = "proto3"; package nz;
import "google/protobuf/wrappers.proto";
message Inner { double d = 1; float f = 2; }
message M { double w = 1; repeated double r = 2; optional double o = 3; Inner in = 4; google.protobuf.DoubleValue dv = 5; map<string, double> m = 6; oneof k { double od = 7; } float fl = 8; }`

// TestProtobufNegativeZero: a Protobuf double or float -0.0 (singular,
// repeated, optional, nested, wrapped, a map value, a oneof), with or
// without fields the schema does not have, decodes to -0 with nothing
// lost and encodes again to the same bytes, the sign bit kept.
func TestProtobufNegativeZero(t *testing.T) {
	reg := newFake(t)
	id := register(t, reg, "nz-value", sr.Schema{Type: sr.TypeProtobuf, Schema: negZeroProto})
	d := newDecoder(t, reg.URL())
	nz := math.Float64bits(math.Copysign(0, -1))
	f64 := func(n protowire.Number) []byte {
		return protowire.AppendFixed64(protowire.AppendTag(nil, n, protowire.Fixed64Type), nz)
	}
	f32 := func(n protowire.Number) []byte {
		return protowire.AppendFixed32(protowire.AppendTag(nil, n, protowire.Fixed32Type), math.Float32bits(float32(math.Copysign(0, -1))))
	}
	cases := []struct {
		body []byte
		doc  string
	}{
		{f64(1), `{"w":-0}`},
		{pbBytes(2, protowire.AppendFixed64(nil, nz)), `{"r":[-0]}`},
		{f64(3), `{"o":-0}`},
		{pbBytes(4, f64(1)), `{"in":{"d":-0}}`},
		{pbBytes(4, f32(2)), `{"in":{"f":-0}}`},
		{pbBytes(5, f64(1)), `{"dv":-0}`},
		{pbBytes(6, pbString(1, "a"), f64(2)), `{"m":{"a":-0}}`},
		{f64(7), `{"od":-0}`},
		{f32(8), `{"fl":-0}`},
		{cat(f64(1), pbVarint(99, 1)), `{"w":-0,"$unknown_fields":[{"field":99,"varint":1}]}`},
	}
	for _, c := range cases {
		data := framed(id, []byte{2, 2}, c.body)
		got := value(t, d, "nz", data)
		if string(got.JSON) != c.doc || got.Loss != nil {
			t.Fatalf("%x: %s %+v %v, want %s", c.body, got.JSON, got.Loss, got.Err, c.doc)
		}
		for _, over := range [][]byte{nil, data} {
			enc, err := d.EncodeOver(context.Background(), got.Ref, got.JSON, over)
			if err != nil || !bytes.Equal(enc, data) {
				t.Fatalf("%s (over %x): encoded %x %v, want %x", c.doc, over, enc, err, data)
			}
		}
	}
}

// TestAvroNegativeZero: an Avro double or float -0.0 (also in a union
// and a map) decodes to -0 with nothing lost and encodes again to the
// same bytes, the sign bit kept.
func TestAvroNegativeZero(t *testing.T) {
	reg := newFake(t)
	id := register(t, reg, "nz-value", sr.Schema{Type: sr.TypeAvro, Schema: nanAvsc})
	d := newDecoder(t, reg.URL())
	nz := binary.LittleEndian.AppendUint64(nil, math.Float64bits(math.Copysign(0, -1)))
	body := append([]byte{}, nz...)
	body = binary.LittleEndian.AppendUint32(body, math.Float32bits(float32(math.Copysign(0, -1))))
	body = append(append(body, 2), nz...)
	body = append(append(append(body, 2, 2, 'a'), nz...), 0)
	data := framed(id, body)
	got := value(t, d, "nz", data)
	mustJSON(t, got, `{"d":-0,"f":-0,"u":-0,"m":{"a":-0}}`)
	if got.Loss != nil {
		t.Fatalf("loss %+v", got.Loss)
	}
	enc, err := d.Encode(context.Background(), got.Ref, got.JSON)
	if err != nil || !bytes.Equal(enc, data) {
		t.Fatalf("encoded %x %v, want %x", enc, err, data)
	}
}

// TestProtobufUnknownFieldsLoss: a Protobuf body with fields the schema
// does not have is said lossy, at the field, when its document encodes
// to other bytes (a default written out, a field given twice), as the
// same body without them is; one that encodes back the same is not.
func TestProtobufUnknownFieldsLoss(t *testing.T) {
	reg := newFake(t)
	id := register(t, reg, "nz-value", sr.Schema{Type: sr.TypeProtobuf, Schema: negZeroProto})
	d := newDecoder(t, reg.URL())
	f := func(n protowire.Number, v float64) []byte {
		return protowire.AppendFixed64(protowire.AppendTag(nil, n, protowire.Fixed64Type), math.Float64bits(v))
	}
	unknown := pbVarint(99, 1)
	cases := []struct {
		name        string
		body, plain []byte // plain: the body without the unknown fields
		path        string
	}{
		{"a default written out", cat(f(1, 0), unknown), f(1, 0), "w"},
		{"a field twice", cat(f(1, 1), unknown, f(1, 2)), cat(f(1, 1), f(1, 2)), "w"},
		{"a nested default written out", pbBytes(4, f(1, 0), pbVarint(9, 1)), pbBytes(4, f(1, 0)), "in.d"},
	}
	for _, c := range cases {
		for _, body := range [][]byte{c.body, c.plain} {
			got := value(t, d, "nz", framed(id, []byte{2, 2}, body))
			if got.JSON == nil || got.Loss == nil || got.Loss.Kind != LossNonCanonical || got.Loss.Path != c.path {
				t.Errorf("%s (%x): %s %+v %v, want a loss at %s", c.name, body, got.JSON, got.Loss, got.Err, c.path)
			}
		}
	}
	// An unknown field before a known one: encoding writes it last; the
	// loss is at the message holding it.
	if got := value(t, d, "nz", framed(id, []byte{2, 2}, cat(unknown, f(1, 1)))); got.Loss == nil || got.Loss.Path != "nz.M" {
		t.Errorf("unknown first: %s %+v %v", got.JSON, got.Loss, got.Err)
	}
	for _, body := range [][]byte{cat(f(1, 1), unknown), cat(f(1, math.Copysign(0, -1)), unknown, pbVarint(98, 1))} {
		data := framed(id, []byte{2, 2}, body)
		got := value(t, d, "nz", data)
		if !errors.Is(got.Err, ErrUnknownFields) || got.Loss != nil {
			t.Fatalf("%x: %s %+v %v", body, got.JSON, got.Loss, got.Err)
		}
		if enc, err := d.Encode(context.Background(), got.Ref, got.JSON); err != nil || !bytes.Equal(enc, data) {
			t.Fatalf("%s: encoded %x %v, want %x", got.JSON, enc, err, data)
		}
	}
}
