package schema

import (
	"context"
	"encoding/base64"
	"math/big"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"
)

const benchAvsc = `{"type":"record","name":"Payment","namespace":"acme","fields":[
 {"name":"id","type":{"type":"string","logicalType":"uuid"}},
 {"name":"order_id","type":"string"},
 {"name":"customer","type":"string"},
 {"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":12,"scale":2}},
 {"name":"currency","type":"string"},
 {"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
 {"name":"status","type":{"type":"enum","name":"S","symbols":["NEW","PAID","FAILED"]}},
 {"name":"attempt","type":"int"},
 {"name":"note","type":["null","string"]},
 {"name":"tags","type":{"type":"map","values":"string"}},
 {"name":"lines","type":{"type":"array","items":{"type":"record","name":"L","fields":[{"name":"sku","type":"string"},{"name":"qty","type":"int"}]}}}
]}`

// benchRecord is an Avro payment of about 200 bytes, written by hamba/avro.
func benchRecord(b *testing.B) []byte {
	note := "customer asked for an invoice copy by mail"
	v := map[string]any{
		"id": "5f0c8f2e-8a5b-4c1e-9d3a-2b7c6e4f1a90", "order_id": "ord-2026-03-14-000042", "customer": "cus_0042_example_gmbh",
		"amount": mustRat("1234.56"), "currency": "EUR", "at": int64(1773500966535), "status": "PAID", "attempt": 2,
		"note": map[string]any{"string": note}, "tags": map[string]any{"region": "eu-west-1", "channel": "web"},
		"lines": []any{map[string]any{"sku": "SKU-A-0001", "qty": 2}, map[string]any{"sku": "SKU-B-0002", "qty": 1}},
	}
	return hambaBody(b, benchAvsc, v)
}

// BenchmarkAvroDecode decodes one ~200 B Avro record to JSON.
func BenchmarkAvroDecode(b *testing.B) {
	c, err := avroCodec{}.Compile(Named{Text: benchAvsc}, nil)
	if err != nil {
		b.Fatal(err)
	}
	body := benchRecord(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Decode(body, Selector{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawBase64 is the raw export's cost for the same bytes (a
// base64 JSON string), the yardstick for the decoded export.
func BenchmarkRawBase64(b *testing.B) {
	body := benchRecord(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	out := make([]byte, 0, 512)
	for i := 0; i < b.N; i++ {
		out = append(base64.StdEncoding.AppendEncode(append(out[:0], '"'), body), '"')
	}
	_ = out
}

func mustRat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(s)
	}
	return r
}

// BenchmarkProtobufDecode decodes the test's acme.Order (well-known types,
// a map, a oneof, a nested list) to JSON.
func BenchmarkProtobufDecode(b *testing.B) {
	c, err := protoCodec{}.Compile(Named{Name: "acme/order.proto", Text: orderProto}, []Named{{Name: "acme/common.proto", Text: commonProto}})
	if err != nil {
		b.Fatal(err)
	}
	body := orderMessage(b, compileOrder(b))
	sel := Selector{Indexes: []int{1}}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Decode(body, sel); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProtobufDecodeExact is BenchmarkProtobufDecode as the Decoder
// decodes: with the check that the document encodes back to the body.
func BenchmarkProtobufDecodeExact(b *testing.B) {
	c, err := protoCodec{}.Compile(Named{Name: "acme/order.proto", Text: orderProto}, []Named{{Name: "acme/common.proto", Text: commonProto}})
	if err != nil {
		b.Fatal(err)
	}
	body := orderMessage(b, compileOrder(b))
	sel := Selector{Indexes: []int{1}}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, m, err := decodeWith(c, body, sel, nil); err != nil || m.Loss != nil {
			b.Fatal(err, m.Loss)
		}
	}
}

// BenchmarkAvroDecodeAppend is BenchmarkAvroDecode into one reused
// buffer, as an export decodes.
func BenchmarkAvroDecodeAppend(b *testing.B) {
	c, err := avroCodec{}.Compile(Named{Text: benchAvsc}, nil)
	if err != nil {
		b.Fatal(err)
	}
	body := benchRecord(b)
	buf := make([]byte, 0, 1024)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := decodeWith(c, body, Selector{}, buf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecoderAvroCached is what an export pays per Avro value once
// its schema is fetched: Classify and DecodeAppend through the registry
// cache into one reused buffer.
func BenchmarkDecoderAvroCached(b *testing.B) {
	reg := srfake.New()
	defer reg.Close()
	id, _, err := reg.RegisterSchema("bench-payments-value", sr.Schema{Schema: benchAvsc})
	if err != nil {
		b.Fatal(err)
	}
	d, err := NewDecoder(Config{Registry: &RegistryConfig{URL: reg.URL()}})
	if err != nil {
		b.Fatal(err)
	}
	data := AppendHeader(nil, id)
	data = append(data, benchRecord(b)...)
	ctx := context.Background()
	if out := d.Decode(ctx, d.Classify(PartValue, "bench-payments", nil, nil, data)); out.Err != nil {
		b.Fatal(out.Err)
	}
	buf := make([]byte, 0, 1024)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out := d.DecodeAppend(ctx, d.Classify(PartValue, "bench-payments", nil, nil, data), buf)
		if out.Err != nil {
			b.Fatal(out.Err)
		}
	}
}
