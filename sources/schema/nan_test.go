package schema

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

const nanAvsc = `{"type":"record","name":"N","fields":[
 {"name":"d","type":"double"},
 {"name":"f","type":"float"},
 {"name":"u","type":["null","double"]},
 {"name":"m","type":{"type":"map","values":"double"}}]}`

// TestAvroNaNEncodesCanonical: a NaN an edit writes ("NaN", as Decode
// shows one) is the canonical quiet NaN, 0x7ff8000000000000 for a double
// and 0x7fc00000 for a float, which decodes back to "NaN" with nothing
// lost; infinities go both ways as "+Inf" and "-Inf"; a NaN with other
// bits (Go's math.NaN()) decodes to "NaN" with its payload said lost.
func TestAvroNaNEncodesCanonical(t *testing.T) {
	c, err := avroCodec{}.Compile(Named{Text: nanAvsc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	doc := `{"d":"NaN","f":"NaN","u":"NaN","m":{"a":"+Inf","b":"-Inf","c":"NaN"}}`
	body, err := c.Encode(context.Background(), []byte(doc), Selector{})
	if err != nil {
		t.Fatal(err)
	}
	d64 := binary.LittleEndian.AppendUint64(nil, 0x7ff8000000000000)
	want := append([]byte{}, d64...)
	want = binary.LittleEndian.AppendUint32(want, 0x7fc00000)
	want = append(append(want, 2), d64...)
	want = append(want, 6, 2, 'a')
	want = binary.LittleEndian.AppendUint64(want, math.Float64bits(math.Inf(1)))
	want = append(want, 2, 'b')
	want = binary.LittleEndian.AppendUint64(want, math.Float64bits(math.Inf(-1)))
	want = append(append(want, 2, 'c'), d64...)
	want = append(want, 0)
	if !bytes.Equal(body, want) {
		t.Fatalf("encoded\n % x\nwant\n % x", body, want)
	}
	js, meta, err := c.(*avroSchema).appendLoss(nil, body)
	if err != nil || string(js) != doc || meta.Loss != nil {
		t.Fatalf("decoded back %s loss %+v: %v", js, meta.Loss, err)
	}
	goNaN := binary.LittleEndian.AppendUint64(nil, math.Float64bits(math.NaN()))
	other := append(append([]byte{}, goNaN...), want[8:]...)
	js, meta, err = c.(*avroSchema).appendLoss(nil, other)
	if err != nil || string(js) != doc || meta.Loss == nil || meta.Loss.Kind != LossNaNPayload || meta.Loss.Path != "d" {
		t.Fatalf("Go's NaN decoded %s loss %+v: %v", js, meta.Loss, err)
	}
}

// TestProtobufNaNEncodesCanonical: a Protobuf double and float NaN an
// edit writes are the canonical quiet NaN too, and a body holding those
// decodes with nothing said lost.
func TestProtobufNaNEncodesCanonical(t *testing.T) {
	c, err := protoCodec{}.Compile(Named{Text: `syntax = "proto3"; package acme;
message M { double d = 1; float f = 2; repeated double l = 3; map<string, double> m = 4; }`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, err := c.Encode(context.Background(), []byte(`{"d":"NaN","f":"NaN","l":["NaN",1],"m":{"a":"NaN"}}`), Selector{})
	if err != nil {
		t.Fatal(err)
	}
	want := protowire.AppendFixed64(protowire.AppendTag(nil, 1, protowire.Fixed64Type), 0x7ff8000000000000)
	want = protowire.AppendFixed32(protowire.AppendTag(want, 2, protowire.Fixed32Type), 0x7fc00000)
	packed := protowire.AppendFixed64(protowire.AppendFixed64(nil, 0x7ff8000000000000), math.Float64bits(1))
	want = protowire.AppendBytes(protowire.AppendTag(want, 3, protowire.BytesType), packed)
	entry := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "a")
	entry = protowire.AppendFixed64(protowire.AppendTag(entry, 2, protowire.Fixed64Type), 0x7ff8000000000000)
	want = protowire.AppendBytes(protowire.AppendTag(want, 4, protowire.BytesType), entry)
	if !bytes.Equal(body, want) {
		t.Fatalf("encoded\n % x\nwant\n % x", body, want)
	}
	js, loss, err := c.(*protoSchema).decodeLoss(body, Selector{})
	if err != nil || loss != nil {
		t.Fatalf("decoded back %s loss %+v: %v", js, loss, err)
	}
}
