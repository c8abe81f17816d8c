package schema

import (
	"bytes"
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/hamba/avro/v2"
)

// TestAvroUnionOfLogicalTypes: nullable unions of logical types, written
// by hamba/avro, decode to the logical values' text and encode back to
// the same bytes; null too.
func TestAvroUnionOfLogicalTypes(t *testing.T) {
	text := `{"type":"record","name":"U","fields":[
	{"name":"ts","type":["null",{"type":"long","logicalType":"timestamp-millis"}]},
	{"name":"lt","type":["null",{"type":"long","logicalType":"local-timestamp-micros"}]},
	{"name":"d","type":["null",{"type":"int","logicalType":"date"}]},
	{"name":"dec","type":["null",{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}]},
	{"name":"u","type":["null",{"type":"string","logicalType":"uuid"}]}]}`
	type record struct {
		TS  *time.Time `avro:"ts"`
		LT  *time.Time `avro:"lt"`
		D   *time.Time `avro:"d"`
		Dec *big.Rat   `avro:"dec"`
		U   *string    `avro:"u"`
	}
	ts := time.Date(2024, 1, 2, 3, 4, 5, 678000000, time.UTC)
	lt := time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC)
	day := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	uuid := "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
	codec, err := avroCodec{}.Compile(Named{Text: text}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		v    record
		want string
	}{
		{record{TS: &ts, LT: &lt, D: &day, Dec: big.NewRat(1234, 100), U: &uuid},
			`{"ts":"2024-01-02T03:04:05.678Z","lt":"2024-01-02T03:04:05.123456","d":"2024-01-02","dec":"12.34","u":"` + uuid + `"}`},
		{record{}, `{"ts":null,"lt":null,"d":null,"dec":null,"u":null}`},
	} {
		body, err := avro.Marshal(avro.MustParse(text), c.v)
		if err != nil {
			t.Fatal(err)
		}
		js, err := codec.Decode(body, Selector{})
		if err != nil || string(js) != c.want {
			t.Fatalf("decoded %s %v, want %s", js, err, c.want)
		}
		if again, err := codec.Encode(context.Background(), js, Selector{}); err != nil || !bytes.Equal(again, body) {
			t.Fatalf("%s encodes to %x %v, want %x", js, again, err, body)
		}
	}
}
