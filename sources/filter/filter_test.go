package filter_test

import (
	"testing"
	"time"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
)

func msg() sources.Message {
	return sources.Message{
		Stream: "orders", Partition: 2, Offset: 41, Key: []byte("ord-1"), Value: []byte(`{"status":"FAILED","total":12.5,"lines":[{"sku":"A"}]}`),
		Headers:    []sources.Header{{Key: "tenant", Value: []byte("acme")}},
		Timestamp:  time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC),
		DeadLetter: &sources.DeadLetter{Scheme: "spring", OriginStream: "orders", ExceptionClass: "com.acme.Boom", Reason: "exception"},
	}
}

func TestMatch(t *testing.T) {
	m := msg()
	cases := map[string]bool{
		`json.status == "FAILED" && headers["tenant"] == "acme"`: true,
		`json.total > 20`:                                    false,
		`key startsWith "ord-"`:                              true,
		`value contains "FAILED"`:                            true,
		`partition == 2 && offset >= 40`:                     true,
		`deadLetter.exception endsWith "Boom"`:               true,
		`deadLetter != nil && deadLetter.origin == "orders"`: true,
		`len(json.lines) == 1`:                               true,
		`timestamp.Hour() == 10`:                             true,
		`headers["missing"] == ""`:                           false, // a missing header is nil, not empty
		`headers["missing"] == nil`:                          true,
	}
	for src, want := range cases {
		f, err := filter.Compile(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		got, err := f.Match(&m)
		if err != nil || got != want {
			t.Errorf("%s = %v (%v), want %v", src, got, err, want)
		}
	}
}

func TestNonJSONAndNoDeadLetter(t *testing.T) {
	m := sources.Message{Value: []byte{0xff, 0x00}}
	f, err := filter.Compile(`json == nil && deadLetter == nil && value != ""`)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := f.Match(&m); !ok || err != nil {
		t.Fatalf("%v %v", ok, err)
	}
}

func TestJSONArray(t *testing.T) {
	f, err := filter.Compile(`json[1] == 2`)
	if err != nil {
		t.Fatal(err)
	}
	m := sources.Message{Value: []byte(`[1,2]`)}
	if ok, err := f.Match(&m); !ok || err != nil {
		t.Fatalf("%v %v", ok, err)
	}
}

func TestCompileErrors(t *testing.T) {
	for _, bad := range []string{"", "key ==", `partition == "x"`, "1 + 2", "nosuchfield == 1"} {
		if _, err := filter.Compile(bad); err == nil {
			t.Errorf("%q compiled", bad)
		}
	}
}

func FuzzFilter(f *testing.F) {
	f.Add(`json.status == "FAILED"`, []byte(`{"status":"FAILED"}`))
	f.Add(`key matches "^a+$"`, []byte("x"))
	f.Fuzz(func(t *testing.T, src string, value []byte) {
		flt, err := filter.Compile(src)
		if err != nil {
			return
		}
		m := sources.Message{Value: value, Key: value}
		_, _ = flt.Match(&m)
	})
}

func TestTopLevelFieldsOnly(t *testing.T) {
	m := sources.Message{Value: []byte(` { "a\"b" : [1,{"x":"}"}], "status" : "FAILED", "n": -1.5e2, "nested": {"k": "v"}, "t": true}`)}
	for src, want := range map[string]bool{
		`json.status == "FAILED"`:           true,
		`json.n < -100 && json.t`:           true,
		`json.nested.k == "v"`:              true,
		`json["a\"b"][1].x == "}"`:          true,
		`json.missing == nil`:               true,
		`len(json) == 5`:                    true, // not only member access: a full decode
		`json.status == "OK" || json.n > 0`: false,
	} {
		f, err := filter.Compile(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		got, err := f.Match(&m)
		if err != nil || got != want {
			t.Errorf("%s = %v (%v), want %v", src, got, err, want)
		}
	}
	// Only the fields read are decoded: a document cut after them (a value
	// truncated in the buffer) still answers; one cut before them does not.
	f, _ := filter.Compile(`json.status == "FAILED"`)
	if ok, _ := f.Match(&sources.Message{Value: []byte(`{"status": "FAILED", "pad": "xx`)}); !ok {
		t.Fatal("a document cut after the field did not match")
	}
	if ok, _ := f.Match(&sources.Message{Value: []byte(`{"pad": "xx`)}); ok {
		t.Fatal("a document cut before the field matched")
	}
}

func FuzzTopLevel(f *testing.F) {
	f.Add([]byte(`{"status":"FAILED","n":1,"o":{"a":[1,"]"]}}`))
	f.Add([]byte(`{"a\"b":"\u00e9"}`))
	full, _ := filter.Compile(`len(json) >= 0 && json.status == "FAILED"`)
	part, _ := filter.Compile(`json.status == "FAILED"`)
	f.Fuzz(func(t *testing.T, v []byte) {
		m := sources.Message{Value: v}
		a, errA := full.Match(&m)
		b, _ := part.Match(&m)
		if errA == nil && a && !b {
			t.Fatalf("the full decode matched %q, the field scan did not", v)
		}
	})
}
