package filter_test

import (
	"context"
	"math/big"
	"testing"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
	"github.com/mqscope/mqscope/sources/schema"
)

// TestSchemaFieldsAreNilWhereTheMessageHasNone: a value that decoded (or
// was never framed) has no schema.error; one that failed has it as text.
// An unframed value has no schema.id, a value framed with id 0 has id 0;
// subject, version, format and message are nil where no schema named them,
// and an ordering on a nil id or version is false, not an error. Expr and
// the native path agree.
func TestSchemaFieldsAreNilWhereTheMessageHasNone(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	id, _, err := reg.RegisterSchema("pay-value", sr.Schema{Schema: paymentAvro})
	if err != nil {
		t.Fatal(err)
	}
	body, err := avro.Marshal(avro.MustParse(paymentAvro), payment{Status: "OK", Amount: big.NewRat(5, 1)})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: reg.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	msgs := []sources.Message{
		{Stream: "pay", Offset: 0, Value: append(schema.AppendHeader(nil, id), body...)}, // decodes
		{Stream: "pay", Offset: 1, Value: []byte(`{"status":"OK"}`)},                     // not framed
		{Stream: "pay", Offset: 2, Value: append(schema.AppendHeader(nil, 0), 1, 2)},     // framed with id 0, unknown
		{Stream: "pay", Offset: 3, Value: append(schema.AppendHeader(nil, 9999), 1, 2)},  // framed with an unknown id
		{Stream: "pay", Offset: 4, Value: []byte("plain text")},                          // not framed
		{Stream: "pay", Offset: 5}, // a tombstone
	}
	decoded := make([]schema.Decoded, len(msgs))
	for i := range msgs {
		decoded[i] = dec.Value(context.Background(), &msgs[i])
	}
	if decoded[0].Err != nil || decoded[2].Err == nil || decoded[2].Ref.ID != 0 || decoded[2].Ref.Origin != schema.OriginRegistry {
		t.Fatalf("decoded %+v and %+v", decoded[0], decoded[2])
	}
	for _, c := range []struct {
		src  string
		want [6]bool
	}{
		{`schema.error == nil`, [6]bool{true, true, false, false, true, true}},
		{`schema.error != nil`, [6]bool{false, false, true, true, false, false}},
		{`nil != schema.error`, [6]bool{false, false, true, true, false, false}},
		{`schema.error contains "unknown schema id"`, [6]bool{false, false, true, true, false, false}},
		{`schema.error != "x"`, [6]bool{true, true, true, true, true, true}},
		{`schema.id == 0`, [6]bool{false, false, true, false, false, false}},
		{`schema.id == nil`, [6]bool{false, true, false, false, true, true}},
		{`schema.id != nil`, [6]bool{true, false, true, true, false, false}},
		{`schema.id != 0`, [6]bool{true, true, false, true, true, true}},
		{`schema.id < 100`, [6]bool{id < 100, false, true, false, false, false}},
		{`schema.id >= 0`, [6]bool{true, false, true, true, false, false}},
		{`0 <= schema.id`, [6]bool{true, false, true, true, false, false}},
		{`schema.subject == nil`, [6]bool{false, true, true, true, true, true}},
		{`schema.subject == ""`, [6]bool{false, false, false, false, false, false}},
		{`schema.subject startsWith "pay"`, [6]bool{true, false, false, false, false, false}},
		{`schema.version == nil`, [6]bool{false, true, true, true, true, true}},
		{`schema.version > 0`, [6]bool{true, false, false, false, false, false}},
		{`not (schema.version >= 1)`, [6]bool{false, true, true, true, true, true}},
		{`schema.version == 0`, [6]bool{false, false, false, false, false, false}},
		{`schema.format == nil`, [6]bool{false, true, true, true, true, true}},
		{`schema.format == "avro"`, [6]bool{true, false, false, false, false, false}},
		{`schema.format != "avro"`, [6]bool{false, true, true, true, true, true}},
		{`schema.message != nil && schema.message endsWith "Payment"`, [6]bool{true, false, false, false, false, false}},
		{`schema.id == nil && json?.status == "OK"`, [6]bool{false, true, false, false, false, false}},
	} {
		fast, err := filter.Compile(c.src)
		if err != nil {
			t.Fatalf("%s: %v", c.src, err)
		}
		slow := filter.WithoutNative(fast)
		for i := range msgs {
			got, gerr := fast.MatchDecoded(&msgs[i], &decoded[i])
			want, werr := slow.MatchDecoded(&msgs[i], &decoded[i])
			if gerr != nil || werr != nil {
				t.Errorf("%s on %d: %v / %v", c.src, i, gerr, werr)
			}
			if got != c.want[i] || want != c.want[i] {
				t.Errorf("%s on %d: native or expr %v, expr %v, want %v", c.src, i, got, want, c.want[i])
			}
		}
	}
	// Without a decoder no schema decoded anything: every field is nil
	// but the id, which the framing itself carries.
	f, err := filter.Compile(`schema.error == nil && schema.format == nil && schema.version == nil`)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := filter.Compile(`schema.id != nil`)
	if err != nil {
		t.Fatal(err)
	}
	for i := range msgs {
		if ok, err := f.Match(&msgs[i]); !ok || err != nil {
			t.Errorf("undecoded message %d: %v %v", i, ok, err)
		}
		framed := i == 0 || i == 2 || i == 3
		if ok, err := ids.Match(&msgs[i]); ok != framed || err != nil {
			t.Errorf("undecoded message %d: schema.id != nil is %v (%v), want %v", i, ok, err, framed)
		}
	}
}
