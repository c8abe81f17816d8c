package schema

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"testing"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
)

// TestAvroLosses: each way an Avro body can hold what its document does
// not show is reported at its field; a body without one encodes back to
// itself, hamba's sized map blocks included.
func TestAvroLosses(t *testing.T) {
	const avsc = `{"type":"record","name":"L","fields":[
 {"name":"s","type":"string"},
 {"name":"d","type":"double"},
 {"name":"f","type":"float"},
 {"name":"m","type":{"type":"map","values":"long"}},
 {"name":"u","type":["null","string","double"]},
 {"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":20,"scale":2}}]}`
	c, err := avroCodec{}.Compile(Named{Text: avsc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	str := func(s string) []byte { return append(binary.AppendVarint(nil, int64(len(s))), s...) }
	f64 := func(bits uint64) []byte { return binary.LittleEndian.AppendUint64(nil, bits) }
	f32 := func(bits uint32) []byte { return binary.LittleEndian.AppendUint32(nil, bits) }
	body := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	okMap := body([]byte{4}, str("a"), []byte{2}, str("b"), []byte{4}, []byte{0})
	okDec := []byte{4, 0x30, 0x39}
	canonical := func() [][]byte {
		return [][]byte{str("x"), f64(math.Float64bits(1.5)), f32(math.Float32bits(2.5)), okMap, {0}, okDec}
	}
	cases := []struct {
		name string
		part int
		with []byte
		kind LossKind
		path string
	}{
		{"invalid UTF-8", 0, str("a\xffb"), LossInvalidUTF8, "s"},
		{"NaN payload", 1, f64(0x7ff8000000000123), LossNaNPayload, "d"},
		{"float NaN payload", 2, f32(0x7fc00123), LossNaNPayload, "f"},
		{"map in two blocks", 3, body([]byte{2}, str("a"), []byte{2}, []byte{2}, str("b"), []byte{4}, []byte{0}), LossNonCanonical, "m"},
		{"map key twice", 3, body([]byte{4}, str("a"), []byte{2}, str("a"), []byte{4}, []byte{0}), LossNonCanonical, "m"},
		{"map key not UTF-8", 3, body([]byte{2}, str("\xff"), []byte{2}, []byte{0}), LossInvalidUTF8, "m"},
		{"long varint", 3, body([]byte{2}, str("a"), []byte{0x82, 0x00}, []byte{0}), LossNonCanonical, `m["a"]`},
		{"NaN after a string branch", 4, body([]byte{4}, f64(canonicalNaN64())), LossUnionBranch, "u"},
		{"string reading as a float", 4, body([]byte{2}, str("Infinity")), 0, ""}, // the string branch comes first
		{"wide decimal", 5, []byte{6, 0x00, 0x30, 0x39}, LossNonCanonical, "dec"},
	}
	for _, tc := range cases {
		parts := canonical()
		parts[tc.part] = tc.with
		b := body(parts...)
		js, meta, err := decodeWith(c, b, Selector{}, nil)
		loss := meta.Loss
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		switch {
		case tc.kind == 0 && loss != nil:
			t.Errorf("%s: %s reports %+v", tc.name, js, loss)
		case tc.kind != 0 && (loss == nil || loss.Kind != tc.kind || loss.Path != tc.path):
			t.Errorf("%s: %s reports %+v, want %s at %s", tc.name, js, loss, tc.kind, tc.path)
		}
		again, err := c.Encode(context.Background(), js, meta.selector())
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if exact := bytes.Equal(again, b); exact != (loss == nil) {
			t.Errorf("%s: encodes back exactly %v, loss %+v", tc.name, exact, loss)
		}
	}

	// hamba writes maps and arrays as sized blocks: no loss, and encoding
	// writes them so again.
	schema := avro.MustParse(`{"type":"record","name":"H","fields":[{"name":"m","type":{"type":"map","values":"string"}},{"name":"a","type":{"type":"array","items":"int"}}]}`)
	hb, err := avro.Marshal(schema, map[string]any{"m": map[string]any{"z": "1", "a": "2", "k": "3"}, "a": []any{1, 2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	hc, err := avroCodec{}.Compile(Named{Text: schema.String()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	js, meta, err := decodeWith(hc, hb, Selector{}, nil)
	if err != nil || meta.Loss != nil || !meta.Sized {
		t.Fatalf("hamba's body: %s %+v %v", js, meta, err)
	}
	if again, err := hc.Encode(context.Background(), js, meta.selector()); err != nil || !bytes.Equal(again, hb) {
		t.Fatalf("hamba's %x encodes back as %x (%v)", hb, again, err)
	}
}

// TestDecodedLoss: the Decoder's Decoded carries the codec's loss, for
// Avro and Protobuf from the registry; a clean value has none.
func TestDecodedLoss(t *testing.T) {
	reg := newFake(t)
	avroID := register(t, reg, "l-value", sr.Schema{Schema: `{"type":"record","name":"R","fields":[{"name":"s","type":"string"}]}`})
	protoID := register(t, reg, "p-value", sr.Schema{Type: sr.TypeProtobuf, Schema: `syntax = "proto3"; message P { double w = 1; }`})
	d := newDecoder(t, reg.URL())
	if got := value(t, d, "l", framed(avroID, []byte{6, 'a', 0xff, 'b'})); got.Loss == nil || got.Loss.Kind != LossInvalidUTF8 || got.Loss.String() != "at s: a string that is not UTF-8 (shown with U+FFFD)" {
		t.Fatalf("avro: %s %+v", got.JSON, got.Loss)
	}
	if got := value(t, d, "l", framed(avroID, []byte{2, 'a'})); got.Loss != nil || got.Err != nil {
		t.Fatalf("clean avro: %+v %v", got.Loss, got.Err)
	}
	nan := binary.LittleEndian.AppendUint64([]byte{0, 0x09}, 0x7ff8000000000123)
	if got := value(t, d, "p", framed(protoID, nan)); got.Loss == nil || got.Loss.Kind != LossNaNPayload {
		t.Fatalf("protobuf NaN: %s %+v %v", got.JSON, got.Loss, got.Err)
	}
	onePointFive := binary.LittleEndian.AppendUint64([]byte{0, 0x09}, math.Float64bits(1.5))
	if got := value(t, d, "p", framed(protoID, onePointFive)); got.Loss != nil || got.Err != nil {
		t.Fatalf("clean protobuf: %s %+v %v", got.JSON, got.Loss, got.Err)
	}
	// The field written twice: the message holds the last one.
	twice := append(append([]byte{0}, onePointFive[1:]...), onePointFive[1:]...)
	if got := value(t, d, "p", framed(protoID, twice)); got.Loss == nil || got.Loss.Kind != LossNonCanonical {
		t.Fatalf("protobuf field twice: %s %+v %v", got.JSON, got.Loss, got.Err)
	}
}

// TestDiffBytes: the count of differing bytes and the first one.
func TestDiffBytes(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want BytesDiff
		text string
	}{
		{"abc", "abc", BytesDiff{}, "no bytes"},
		{"abcd", "abXY", BytesDiff{Count: 2, Offset: 2}, "2 bytes from offset 2"},
		{"ab", "abcd", BytesDiff{Count: 2, Offset: 2}, "2 bytes from offset 2"},
		{"xb", "ab", BytesDiff{Count: 1, Offset: 0}, "1 byte from offset 0"},
	} {
		if got := DiffBytes([]byte(tc.a), []byte(tc.b)); got != tc.want || got.String() != tc.text {
			t.Errorf("%q %q: %+v %q", tc.a, tc.b, got, got.String())
		}
	}
}
