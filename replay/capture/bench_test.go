package capture

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/mqscope/mqscope/sources"
)

// BenchmarkAppendRecordDecoded writes one line of an Avro export: a
// ~200 B value that is not UTF-8 (base64) and its decoded document.
func BenchmarkAppendRecordDecoded(b *testing.B) {
	value := append([]byte{0, 0, 0, 0, 1, 0xff}, bytes.Repeat([]byte("payment-"), 25)...)
	doc := []byte(`{"id":"5f0c8f2e-8a5b-4c1e-9d3a-2b7c6e4f1a90","order_id":"ord-2026-03-14-000042","customer":"cus_0042_example_gmbh","amount":"1234.56","currency":"EUR","at":"2026-03-14T15:09:26.535Z","status":"PAID","attempt":2,"note":"customer asked for an invoice copy by mail","tags":{"region":"eu-west-1","channel":"web"},"lines":[{"sku":"SKU-A-0001","qty":2},{"sku":"SKU-B-0002","qty":1}]}`)
	m := &sources.Message{Stream: "payments", Partition: 1, Offset: 123456, Timestamp: time.UnixMilli(1773500966535), Key: []byte("ord-2026-03-14-000042"), Value: value}
	id := 1
	schema := &SchemaRecord{ID: &id, Subject: "payments-value", Version: 1, Format: "avro", Message: "acme.Payment"}
	for _, compact := range []bool{false, true} {
		name := "scanned"
		if compact {
			name = "compact"
		}
		b.Run(name, func(b *testing.B) {
			d := &Decoded{JSON: doc, Schema: schema, Compact: compact}
			buf := make([]byte, 0, 2048)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				buf = AppendRecordDecoded(buf[:0], m, nil, d)
			}
		})
	}
}

// BenchmarkEncodeDecoded is BenchmarkAppendRecordDecoded/compact through
// an Encoder, as an export writes its lines: one schema for every line.
func BenchmarkEncodeDecoded(b *testing.B) {
	value := append([]byte{0, 0, 0, 0, 1, 0xff}, bytes.Repeat([]byte("payment-"), 25)...)
	doc := []byte(`{"id":"5f0c8f2e-8a5b-4c1e-9d3a-2b7c6e4f1a90","order_id":"ord-2026-03-14-000042","customer":"cus_0042_example_gmbh","amount":"1234.56","currency":"EUR","at":"2026-03-14T15:09:26.535Z","status":"PAID","attempt":2,"note":"customer asked for an invoice copy by mail","tags":{"region":"eu-west-1","channel":"web"},"lines":[{"sku":"SKU-A-0001","qty":2},{"sku":"SKU-B-0002","qty":1}]}`)
	m := &sources.Message{Stream: "payments", Partition: 1, Offset: 123456, Timestamp: time.UnixMilli(1773500966535), Key: []byte("ord-2026-03-14-000042"), Value: value}
	id := 1
	rec := SchemaRecord{ID: &id, Subject: "payments-value", Version: 1, Format: "avro", Message: "acme.Payment"}
	d := &Decoded{JSON: doc, Schema: &rec, Compact: true}
	enc := NewEncoder(io.Discard)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := enc.EncodeDecoded(m, nil, d); err != nil {
			b.Fatal(err)
		}
	}
}
