package filter_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
	"github.com/mqscope/mqscope/sources/schema"
)

// TestIntegersCompareExactly: JSON integers beyond a float64's 53 bits
// compare as integers, at the top level and nested, through the whole
// document and through the one field read; literals up to uint64 and
// beyond compare exactly too, as do numeric strings.
func TestIntegersCompareExactly(t *testing.T) {
	doc := []byte(`{"m":{"big":4611686018427387904},"i64":-9223372036854775808,"w64":9007199254740993,` +
		`"u64":18446744073709551615,"huge":123456789012345678901234567890,"dec":"120.5000","f":0.5,"s":"x"}`)
	m := sources.Message{Stream: "t", Value: doc}
	for _, tc := range []struct {
		expr string
		want bool
	}{
		{`json.m.big == 4611686018427387905`, false},
		{`json.m.big == 4611686018427387904`, true},
		{`json.m.big < 4611686018427387905`, true},
		{`json.i64 == -9223372036854775807`, false},
		{`json.i64 == -9223372036854775808`, true},
		{`json.i64 < -9223372036854775807`, true},
		{`json.w64 > 9007199254740992`, true},
		{`json.w64 == 9007199254740992`, false},
		{`json.w64 != 9007199254740992 && json.s == "x"`, true},
		{`json.u64 > 18446744073709551614`, true},
		{`json.u64 == 18446744073709551615`, true},
		{`json.u64 > 9223372036854775807`, true},
		{`json.u64 > -1`, true},
		{`json.huge == 123456789012345678901234567890`, true},
		{`json.huge > 123456789012345678901234567889`, true},
		{`json.huge == 123456789012345678901234567891`, false},
		{`json.dec > 120.4999`, true},
		{`json.dec == 120.5`, true},
		{`json.f < 1`, true},
		{`json.f == 0.5 && json.w64 >= 9007199254740993.0`, true},
		{`json.s == 5`, false},
		{`json.missing == 18446744073709551615`, false},
		{`offset < 18446744073709551615`, true},
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
}

// TestNotFiniteLiteralsStaySyntaxErrors: exact literals do not let Inf
// or NaN in, and an ordering of text with a number is still an error.
func TestNotFiniteLiteralsStaySyntaxErrors(t *testing.T) {
	for _, src := range []string{`json.x > Inf`, `json.x == NaN`, `json.x < -Infinity`} {
		var se *filter.SyntaxError
		if _, err := filter.Compile(src); !errors.As(err, &se) {
			t.Errorf("%s: %v, want a syntax error", src, err)
		}
	}
	f, err := filter.Compile(`json.s > 18446744073709551615`)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := f.Match(&sources.Message{Value: []byte(`{"s":"x"}`)}); ok || err == nil {
		t.Errorf("text ordered with a number: %v %v, want an error", ok, err)
	}
}

// TestDecodedLongsCompareExactly: an Avro long decoded through the
// registry compares as the integer it is, where a float64 would round it.
func TestDecodedLongsCompareExactly(t *testing.T) {
	reg := srfake.New()
	defer reg.Close()
	const counter = `{"type":"record","name":"Counter","fields":[{"name":"n","type":"long"},{"name":"tag","type":"string"}]}`
	id, _, err := reg.RegisterSchema("c-value", sr.Schema{Schema: counter})
	if err != nil {
		t.Fatal(err)
	}
	type record struct {
		N   int64  `avro:"n"`
		Tag string `avro:"tag"`
	}
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: reg.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []sources.Message
	for i, n := range []int64{1<<53 + 1, 1 << 53, 1<<62 + 1, -1 << 63} {
		body, err := avro.Marshal(avro.MustParse(counter), record{N: n, Tag: "t"})
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, sources.Message{Stream: "c", Offset: int64(i), Value: append(schema.AppendHeader(nil, id), body...)})
	}
	for _, tc := range []struct {
		expr string
		want []bool
	}{
		{`json.n == 9007199254740993`, []bool{true, false, false, false}},
		{`json.n > 9007199254740992`, []bool{true, false, true, false}},
		{`json.n == 4611686018427387905 && json.tag == "t"`, []bool{false, false, true, false}},
		{`json.n < -9223372036854775807`, []bool{false, false, false, true}},
	} {
		f, err := filter.Compile(tc.expr)
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		for i := range msgs {
			d := dec.Value(context.Background(), &msgs[i])
			if d.Err != nil {
				t.Fatal(d.Err)
			}
			if got, err := f.MatchDecoded(&msgs[i], &d); err != nil || got != tc.want[i] {
				t.Errorf("%s on %d: %v %v, want %v", tc.expr, i, got, err, tc.want[i])
			}
		}
	}
}

// TestExactLiteralErrorsPointAtTheSource: an error after a literal beyond
// int64 is placed in the expression as written.
func TestExactLiteralErrorsPointAtTheSource(t *testing.T) {
	_, err := filter.Compile(`json.u64 > 18446744073709551614 && nosuch == 1`)
	var se *filter.SyntaxError
	if !errors.As(err, &se) || se.Column != 36 || se.Expr != `json.u64 > 18446744073709551614 && nosuch == 1` {
		t.Fatalf("%#v", err)
	}
}

// TestExactLiteralErrorsOnALaterLine: the place of an error on a line
// after a rewritten literal is kept.
func TestExactLiteralErrorsOnALaterLine(t *testing.T) {
	_, err := filter.Compile("json.u64 > 18446744073709551614 &&\n  nosuch == 18446744073709551615")
	var se *filter.SyntaxError
	if !errors.As(err, &se) || se.Line != 2 || se.Column != 3 {
		t.Fatalf("%#v", err)
	}
}
