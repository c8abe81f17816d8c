package filter_test

import (
	"context"
	"errors"
	"math/big"
	"testing"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
	"github.com/mqscope/mqscope/sources/schema"
)

// TestDecimalLiteralsCompareExactly: a decimal literal compared with an
// Avro decimal (decoded from a registry value) is its decimal value:
// 99999999999999999.99 and 100000000000000000.00, one float64 apart from
// nothing (both are 1e17 as float64), are told apart, and 10.10 equals the
// decimal 10.10, which the float64 10.1 does not exactly.
func TestDecimalLiteralsCompareExactly(t *testing.T) {
	const bigAvro = `{"type":"record","name":"Total","namespace":"acme","fields":[` +
		`{"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":20,"scale":2}}]}`
	reg := srfake.New()
	defer reg.Close()
	id, _, err := reg.RegisterSchema("total-value", sr.Schema{Schema: bigAvro})
	if err != nil {
		t.Fatal(err)
	}
	sch := avro.MustParse(bigAvro)
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: reg.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	rat := func(s string) *big.Rat {
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			t.Fatal(s)
		}
		return r
	}
	amounts := []string{"10.10", "99999999999999999.99", "100000000000000000.00", "100000000000000000.01"}
	msgs := make([]sources.Message, len(amounts))
	decoded := make([]schema.Decoded, len(amounts))
	for i, a := range amounts {
		body, err := avro.Marshal(sch, struct {
			Amount *big.Rat `avro:"amount"`
		}{rat(a)})
		if err != nil {
			t.Fatal(err)
		}
		msgs[i] = sources.Message{Stream: "totals", Offset: int64(i), Value: append(schema.AppendHeader(nil, id), body...)}
		decoded[i] = dec.Value(context.Background(), &msgs[i])
		if decoded[i].Err != nil || decoded[i].JSON == nil {
			t.Fatalf("%s: %+v", a, decoded[i])
		}
	}
	for _, c := range []struct {
		src  string
		want []bool
	}{
		{`json.amount == 10.10`, []bool{true, false, false, false}},
		{`json.amount == 10.1`, []bool{true, false, false, false}},
		{`json.amount != 10.10`, []bool{false, true, true, true}},
		{`json.amount > 99999999999999999.99`, []bool{false, false, true, true}},
		{`json.amount >= 99999999999999999.99`, []bool{false, true, true, true}},
		{`json.amount == 100000000000000000.00`, []bool{false, false, true, false}},
		{`json.amount < 100000000000000000.01 && json.amount > 10.10`, []bool{false, true, true, false}},
		{`99999999999999999.99 < json.amount`, []bool{false, false, true, true}},
		{`json.amount > -0.01`, []bool{true, true, true, true}},
		{`json.amount > 1e17`, []bool{false, false, false, true}},
	} {
		f, err := filter.Compile(c.src)
		if err != nil {
			t.Fatalf("%s: %v", c.src, err)
		}
		for i := range msgs {
			got, err := f.MatchDecoded(&msgs[i], &decoded[i])
			if err != nil || got != c.want[i] {
				t.Errorf("%s on %s (%s): %v %v, want %v", c.src, amounts[i], decoded[i].JSON, got, err, c.want[i])
			}
		}
	}
}

// TestDecimalLiteralsInJSON: JSON numbers and numeric strings compare with
// decimal literals exactly; a JSON number a float64 cannot hold keeps its
// digits; a float64 compares as the number its document wrote; decimal
// literals in arithmetic are float64s as before; an error's column is in
// the expression as written.
func TestDecimalLiteralsInJSON(t *testing.T) {
	doc := []byte(`{"s":"10.10","n":10.10,"big":100000000000000000.01,"bigs":"99999999999999999.99","third":0.1,"q":4}`)
	m := sources.Message{Stream: "t", Value: doc}
	for _, tc := range []struct {
		expr string
		want bool
	}{
		{`json.s == 10.10`, true},
		{`json.s == 10.100000000000001`, false},
		{`json.n == 10.10`, true},
		{`json.n == 10.100000000000001`, false},
		{`json.big == 100000000000000000.00`, false},
		{`json.big == 100000000000000000.01`, true},
		{`json.big > 100000000000000000.00`, true},
		{`json.bigs < 100000000000000000.00`, true},
		{`json.bigs == 100000000000000000.00`, false},
		{`json.third == 0.1`, true},
		{`json.third + 0.2 > 0.3`, true}, // float64 arithmetic, as expr's
		{`json.q * 2.5 == 10`, true},
		{`json.q > 3.99 && json.q < 4.01`, true},
		{`partition < 0.5`, true},
	} {
		f, err := filter.Compile(tc.expr)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got, err := f.Match(&m); err != nil || got != tc.want {
			t.Errorf("%s: %v %v, want %v", tc.expr, got, err, tc.want)
		}
	}
	_, err := filter.Compile(`json.n == 10.10 && json.q ==`)
	var se *filter.SyntaxError
	if !errors.As(err, &se) || se.Line != 1 || se.Column != 28 {
		t.Fatalf("syntax error %#v", err)
	}
}
