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

const paymentAvro = `{"type":"record","name":"Payment","namespace":"acme","fields":[` +
	`{"name":"status","type":{"type":"enum","name":"Status","symbols":["OK","PENDING_REVIEW"]}},` +
	`{"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":12,"scale":4}}]}`

type payment struct {
	Status string   `avro:"status"`
	Amount *big.Rat `avro:"amount"`
}

// TestDecodedValues: json reads the document a schema decoded (an Avro
// value from a registry), schema names the schema, a decimal compares as
// a number, and the native path agrees with expr.
func TestDecodedValues(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	id, _, err := reg.RegisterSchema("pay-value", sr.Schema{Schema: paymentAvro})
	if err != nil {
		t.Fatal(err)
	}
	sch := avro.MustParse(paymentAvro)
	encode := func(p payment) []byte {
		body, err := avro.Marshal(sch, p)
		if err != nil {
			t.Fatal(err)
		}
		return append(schema.AppendHeader(nil, id), body...)
	}
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: reg.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	msgs := []sources.Message{
		{Stream: "pay", Offset: 0, Value: encode(payment{Status: "PENDING_REVIEW", Amount: big.NewRat(12345, 100)})},
		{Stream: "pay", Offset: 1, Value: encode(payment{Status: "OK", Amount: big.NewRat(5, 1)})},
		{Stream: "pay", Offset: 2, Value: []byte(`{"status":"PENDING_REVIEW","amount":7}`)},
		{Stream: "pay", Offset: 3, Value: append(schema.AppendHeader(nil, 9999), 1, 2)}, // an id the registry does not have
	}
	decoded := make([]schema.Decoded, len(msgs))
	for i := range msgs {
		decoded[i] = dec.Value(context.Background(), &msgs[i])
	}
	if string(decoded[0].JSON) == "" || decoded[0].Ref.Version != 1 {
		t.Fatalf("decoded %+v", decoded[0])
	}
	for _, c := range []struct {
		src  string
		want []bool
	}{
		{`json.status == "PENDING_REVIEW"`, []bool{true, false, true, false}},
		{`json.amount > 100`, []bool{true, false, false, false}},
		{`json.amount == 5`, []bool{false, true, false, false}},
		{`schema.version == 1`, []bool{true, true, false, false}},
		{`schema.id == ` + itoa(id) + ` && schema.subject == "pay-value" && schema.format == "avro"`, []bool{true, true, false, false}},
		{`schema.message == "acme.Payment"`, []bool{true, true, false, false}},
		{`schema.id == 9999 && schema.error contains "unknown schema id"`, []bool{false, false, false, true}},
		{`schema.format == nil && json.amount == 7`, []bool{false, false, true, false}},
		{`number(json.amount) >= 5 && schema.version > 0`, []bool{true, true, false, false}},
	} {
		f, err := filter.Compile(c.src)
		if err != nil {
			t.Fatalf("%s: %v", c.src, err)
		}
		for i := range msgs {
			got, err := f.MatchDecoded(&msgs[i], &decoded[i])
			if err != nil && c.want[i] {
				t.Errorf("%s on %d: %v", c.src, i, err)
			}
			if got != c.want[i] {
				t.Errorf("%s on %d (%s): got %v", c.src, i, decoded[i].JSON, got)
			}
		}
		if !f.UsesDecoded() {
			t.Errorf("%s: UsesDecoded false", c.src)
		}
	}
	// Without a decoded value json reads the bytes: the Avro values are not JSON.
	f, _ := filter.Compile(`json.status == "PENDING_REVIEW"`)
	if ok, _ := f.Match(&msgs[0]); ok {
		t.Fatal("the raw Avro bytes matched as JSON")
	}
	if ok, _ := f.Match(&msgs[2]); !ok {
		t.Fatal("plain JSON did not match")
	}
	if f2, _ := filter.Compile(`key == "x"`); f2.UsesDecoded() {
		t.Fatal("a key filter uses decoded values")
	}
}

// TestScannerDecodes: a Scanner with a Decoder filters on the decoded
// values it fetched itself.
func TestScannerDecodes(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	id, _, err := reg.RegisterSchema("pay-value", sr.Schema{Schema: paymentAvro})
	if err != nil {
		t.Fatal(err)
	}
	sch := avro.MustParse(paymentAvro)
	var msgs []sources.Message
	for i, st := range []string{"OK", "PENDING_REVIEW", "OK", "PENDING_REVIEW"} {
		body, err := avro.Marshal(sch, payment{Status: st, Amount: big.NewRat(int64(i), 1)})
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, sources.Message{Stream: "pay", Offset: int64(i), Value: append(schema.AppendHeader(nil, id), body...)})
	}
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: reg.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := filter.Compile(`json.status == "PENDING_REVIEW"`)
	if err != nil {
		t.Fatal(err)
	}
	feed := sources.NewFeed(context.Background(), 8, nil)
	feed.Go(func(context.Context) { feed.SendBatch(msgs) })
	feed.EndWhenDone()
	got, err := sources.Drain(context.Background(), filter.NewScanner(feed, f, filter.ScanOptions{Decoder: dec}), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Offset != 1 || got[1].Offset != 3 {
		t.Fatalf("matched %+v", got)
	}
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }
