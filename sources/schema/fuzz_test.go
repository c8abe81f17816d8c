package schema

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// FuzzParseHeader: any bytes give an id and the rest, or ErrNotFramed;
// AppendHeader writes the header back.
func FuzzParseHeader(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 1, 'x'})
	f.Add([]byte{0, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		id, rest, err := ParseHeader(b)
		if err != nil {
			return
		}
		if got := append(AppendHeader(nil, id), rest...); !bytes.Equal(got, b) {
			t.Fatalf("header of %x written back as %x", b, got)
		}
	})
}

// FuzzReadIndexes: any bytes are read or refused without panicking or
// allocating without bound; what is read writes back to a prefix that
// reads the same.
func FuzzReadIndexes(f *testing.F) {
	f.Add([]byte{0})
	f.Add([]byte{4, 2, 0})
	f.Add([]byte{0xfe, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		idx, rest, err := ReadIndexes(b)
		if err != nil {
			return
		}
		if len(idx) > maxIndexes || len(rest) > len(b) {
			t.Fatalf("read %d indexes", len(idx))
		}
		again, _, err := ReadIndexes(AppendIndexes(nil, idx))
		if err != nil || !equalInts(again, idx) {
			t.Fatalf("indexes %v read back as %v, %v", idx, again, err)
		}
	})
}

// fuzzSchemas are compiled once per fuzz target.
func fuzzCompile(f *testing.F, codec Codec, main Named, refs ...Named) Compiled {
	c, err := codec.Compile(main, refs)
	if err != nil {
		f.Fatal(err)
	}
	return c
}

// checkDecode runs one decode with a time bound and checks that what
// decodes is JSON.
func checkDecode(t *testing.T, c Compiled, b []byte, sel Selector) {
	start := time.Now()
	js, err := c.Decode(b, sel)
	if el := time.Since(start); el > time.Second {
		t.Fatalf("decode of %d bytes took %s", len(b), el)
	}
	if js != nil && !json.Valid(js) {
		t.Fatalf("decoded to invalid JSON %q (err %v)", js, err)
	}
}

// FuzzAvroDecode: any body against the order schema decodes to JSON or
// an error, in bounded time; what decodes encodes back to bytes that
// decode to the same JSON, and to the very bytes it was read from unless
// the decoder reported a loss.
func FuzzAvroDecode(f *testing.F) {
	c := fuzzCompile(f, avroCodec{}, Named{Text: orderAvsc})
	f.Add(hambaBody(f, orderAvsc, sampleOrder()))
	f.Add([]byte{0x48})
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecode(t, c, b, Selector{})
		js, meta, err := decodeWith(c, b, Selector{}, nil)
		if err != nil {
			return
		}
		again, err := c.Encode(context.Background(), js, meta.selector())
		if err != nil {
			t.Fatalf("decoded %s does not encode: %v", js, err)
		}
		js2, err := c.Decode(again, Selector{})
		if err != nil || !bytes.Equal(js, js2) && (meta.Loss == nil || !sameJSON(js, js2)) {
			t.Fatalf("round trip: %s -> %s (%v)", js, js2, err)
		}
		if meta.Loss == nil && !bytes.Equal(again, b) {
			t.Fatalf("no loss reported, yet %x encodes back as %x (%s)", b, again, js)
		}
	})
}

// sameJSON compares two documents as values (a string that held invalid
// UTF-8 is "\ufffd" in one and U+FFFD itself in the other).
func sameJSON(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

// FuzzAvroExact: a schema of floats, unions, maps and decimals; a body
// the decoder reports no loss for encodes back to itself.
func FuzzAvroExact(f *testing.F) {
	c := fuzzCompile(f, avroCodec{}, Named{Text: exactAvsc})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{2, 0, 0, 0xf8, 0x7f, 2, 2, 'a', 2, 'b', 0, 2, 0x01, 0x00, 0, 0, 0})
	f.Add([]byte{0, 0, 3, 8, 2, 'a', 2, 'b', 0, 2, 0, 3, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		js, meta, err := decodeWith(c, b, Selector{}, nil)
		if err != nil || meta.Loss != nil {
			return
		}
		again, err := c.Encode(context.Background(), js, meta.selector())
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("no loss reported, yet %x encodes back as %x, %v (%s)", b, again, err, js)
		}
	})
}

// exactAvsc has the types whose bytes JSON may not show.
const exactAvsc = `{"type":"record","name":"Exact","fields":[
 {"name":"u","type":["null","string","double"]},
 {"name":"v","type":["string","float"]},
 {"name":"m","type":{"type":"map","values":"string"}},
 {"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":30,"scale":2}},
 {"name":"a","type":{"type":"array","items":"long"}},
 {"name":"f","type":"float"},
 {"name":"e","type":"double"}
]}`

// FuzzProtobufDecode: any body and indexes against the order schema; a
// body the decoder reports no loss for encodes back to itself.
func FuzzProtobufDecode(f *testing.F) {
	c := fuzzCompile(f, protoCodec{}, Named{Name: "acme/order.proto", Text: orderProto}, Named{Name: "acme/common.proto", Text: commonProto})
	f.Add([]byte{2, 2}, orderMessage(f, compileOrder(f)))
	f.Add([]byte{4, 2, 0}, []byte{0x0a, 1, 'x'})
	f.Fuzz(func(t *testing.T, idx, b []byte) {
		indexes, _, err := ReadIndexes(idx)
		if err != nil {
			indexes = nil
		}
		checkDecode(t, c, b, Selector{Indexes: indexes})
		js, meta, err := decodeWith(c, b, Selector{Indexes: indexes}, nil)
		if err != nil || meta.Loss != nil {
			return
		}
		if again, err := c.Encode(context.Background(), js, Selector{Indexes: indexes}); err != nil || !bytes.Equal(again, b) {
			t.Fatalf("no loss reported, yet %x encodes back as %x, %v (%s)", b, again, err, js)
		}
	})
}

// FuzzJSONSchemaDecode: any body against a JSON Schema.
func FuzzJSONSchemaDecode(f *testing.F) {
	c := fuzzCompile(f, jsonSchemaCodec{}, Named{Text: customerJSONSchema}, Named{Name: "address.json", Text: addressJSONSchema})
	f.Add([]byte(`{"id":"c","qty":1}`))
	f.Add([]byte(`[[[[`))
	f.Fuzz(func(t *testing.T, b []byte) { checkDecode(t, c, b, Selector{}) })
}

// FuzzDecoderContent: any key or value classifies and decodes without a
// registry, never panicking; JSON output is valid JSON.
func FuzzDecoderContent(f *testing.F) {
	d, err := NewDecoder(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(`{"a":1}`))
	f.Add([]byte("text"))
	f.Add([]byte{0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		got := d.Decode(context.Background(), d.Classify(PartValue, "s", nil, nil, b))
		if got.JSON != nil && !json.Valid(got.JSON) {
			t.Fatalf("%q decoded to invalid JSON %q", b, got.JSON)
		}
	})
}
