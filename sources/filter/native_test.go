package filter

import (
	"fmt"
	"testing"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// nativeExprs are expressions the native path compiles.
var nativeExprs = []string{
	`json.status == "FAILED"`,
	`json.status != "FAILED"`,
	`json.status == "FAILED" && headers["tenant"] == "acme"`,
	`headers["tenant"] == "acme" || key startsWith "k1"`,
	`!(value contains "pad") && partition == 1`,
	`key endsWith "7" and offset >= 3`,
	`headers["tenant"] != ""`,
	`stream == "t" && id == ""`,
	`"FAILED" == json.status`,
	`offset < 5 or partition > 1`,
	`json.status contains "AIL"`,
	`headers["tenant"] != nil`,
	`nil == headers["tenant"]`,
	`headers["tenant"] == ""`,
	`headers.tenant startsWith "ac" || headers["tenant"] == nil`,
}

// nativeCorpus has the awkward cases: escapes, missing and repeated
// fields, values that are not objects, missing headers, nil keys.
func nativeCorpus() []sources.Message {
	values := []string{
		`{"status":"FAILED"}`, `{"status":"OK","pad":"x"}`, `{"status":"FAIL\u0045D"}`, `{"status":"FA\"ILED"}`,
		`{"pad":1}`, `{"status":1}`, `{"status":null}`, `{"status":"FAILED","status":"OK"}`, `[1,2]`, `not json`, ``,
		`{"status":"FAILED"`, `{"st\u0061tus":"FAILED"}`, `  {"status" : "FAILED" , "x":{"status":"OK"}}`, `{"x":"}","status":"FAILED"}`,
		"{\"status\":\"\xff\"}",
	}
	var out []sources.Message
	for i, v := range values {
		for j, hs := range [][]sources.Header{
			nil,
			{{Key: "tenant", Value: []byte("acme")}},
			{{Key: "tenant", Value: []byte("acme")}, {Key: "tenant", Value: []byte("globex")}},
			{{Key: "tenant", Value: []byte{}}},
		} {
			var key []byte
			if j%2 == 1 {
				key = []byte(fmt.Sprintf("k1%d7", i))
			}
			out = append(out, sources.Message{Stream: "t", Partition: int32(j % 3), Offset: int64(i), Key: key, Value: []byte(v), Headers: hs})
		}
	}
	return out
}

// TestNativeAgreesWithExpr: wherever the native path decides, its answer
// is expr's; it decides the plain cases.
func TestNativeAgreesWithExpr(t *testing.T) {
	corpus := nativeCorpus()
	for _, src := range nativeExprs {
		fast, err := Compile(src)
		if err != nil {
			t.Fatal(err)
		}
		if fast.native == nil {
			t.Errorf("%s: not compiled natively", src)
			continue
		}
		slow, _ := Compile(src)
		slow.native = nil
		decided := 0
		for i := range corpus {
			m := &corpus[i]
			want, werr := slow.Match(m)
			got, gerr := fast.Match(m)
			if got != want || (gerr == nil) != (werr == nil) {
				t.Errorf("%s on %q %v: native %v %v, expr %v %v", src, m.Value, m.Headers, got, gerr, want, werr)
			}
			if _, ok := fast.native(&input{m: m, json: m.Value}); ok {
				decided++
			}
		}
		if decided < len(corpus)/4 {
			t.Errorf("%s: decided only %d of %d", src, decided, len(corpus))
		}
	}
	// shapes it leaves to expr
	for _, src := range []string{`json.total > 20`, `len(json.lines) == 1`, `json.a == "x" && json.b == "y"`, `headers?.["x"] == "y"`, `deadLetter.reason == "x"`, `key matches "^k"`} {
		f, err := Compile(src)
		if err != nil {
			t.Fatal(err)
		}
		if f.native != nil {
			t.Errorf("%s: compiled natively", src)
		}
	}
}

func FuzzNativeAgreesWithExpr(f *testing.F) {
	f.Add(`{"status":"FAILED"}`, "acme", "k17")
	f.Add(`{"status":"FA\u0049LED"}`, "", "")
	f.Fuzz(func(t *testing.T, value, tenant, key string) {
		m := sources.Message{Stream: "t", Value: []byte(value), Key: []byte(key), Headers: []sources.Header{{Key: "tenant", Value: []byte(tenant)}}}
		for _, src := range nativeExprs {
			fast, _ := Compile(src)
			slow, _ := Compile(src)
			slow.native = nil
			got, gerr := fast.Match(&m)
			want, werr := slow.Match(&m)
			if got != want || (gerr == nil) != (werr == nil) {
				t.Fatalf("%s on %q: native %v %v, expr %v %v", src, value, got, gerr, want, werr)
			}
		}
	})
}

// TestNativeAgreesOnDecoded: schema fields and json over a decoded value
// decide natively as expr does.
func TestNativeAgreesOnDecoded(t *testing.T) {
	msgs := []sources.Message{{Stream: "p", Value: []byte{0, 0, 0, 0, 103, 2}}, {Stream: "p", Value: []byte(`{"status":"X"}`)}, {Stream: "p", Value: nil}}
	decs := []*schema.Decoded{
		{Format: schema.FormatAvro, Ref: schema.Ref{Origin: schema.OriginRegistry, Format: schema.FormatAvro, ID: 103, Subject: "p-value", Version: 3, Message: "acme.P"}, JSON: []byte(`{"status":"PENDING_REVIEW"}`)},
		{Format: schema.FormatJSON, Ref: schema.Ref{Format: schema.FormatJSON}, JSON: []byte(`{"status":"X"}`)},
		nil,
	}
	for _, src := range []string{`schema.version == 3`, `schema.id != 103`, `schema.subject == "p-value"`, `schema.format startsWith "av"`, `schema.message == "acme.P"`,
		`json.status == "PENDING_REVIEW"`, `json.status == "X" || schema.version >= 2`} {
		fast, err := Compile(src)
		if err != nil {
			t.Fatal(err)
		}
		if fast.native == nil {
			t.Errorf("%s: not compiled natively", src)
			continue
		}
		slow, _ := Compile(src)
		slow.native = nil
		for i := range msgs {
			want, werr := slow.MatchDecoded(&msgs[i], decs[i])
			got, gerr := fast.MatchDecoded(&msgs[i], decs[i])
			if got != want || (gerr == nil) != (werr == nil) {
				t.Errorf("%s on %d: native %v %v, expr %v %v", src, i, got, gerr, want, werr)
			}
		}
	}
}
