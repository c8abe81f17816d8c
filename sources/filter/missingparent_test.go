package filter_test

import (
	"testing"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
)

// TestMissingParentIsNil: a json path whose parent the message has not
// (a value that is not JSON, a tombstone, a null or missing member) reads
// as nil, silently: == a number is false, != true, an ordered comparison
// false, == nil true.
func TestMissingParentIsNil(t *testing.T) {
	values := [][]byte{
		[]byte("not json"),
		nil,
		[]byte(`{"u":null}`),
		[]byte(`{"v":1}`),
		[]byte(`{"u":{"r":null}}`),
		[]byte(`{"u":{}}`),
	}
	for _, tc := range []struct {
		expr string
		want bool
	}{
		{`json.d1 == -0.0000000001`, false},
		{`json.d1 != -0.0000000001`, true},
		{`json.u.r == 1`, false},
		{`json.u.r != 1`, true},
		{`json.u.r > 0`, false},
		{`json.u.r <= 0`, false},
		{`json["u"]["r"] < 1.5`, false},
		{`json.u.r.s == "x"`, false},
		{`json.u.r == nil`, true},
		{`json.u.r.s != "x" && json.z.w == nil`, true},
	} {
		f, err := filter.Compile(tc.expr)
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		for i, v := range values {
			m := sources.Message{Stream: "orders", Offset: int64(i), Value: v}
			got, err := f.Match(&m)
			if got != tc.want || err != nil {
				t.Errorf("%s on %q: %v, %v (want %v)", tc.expr, v, got, err, tc.want)
			}
		}
	}
	// A present path still matches.
	f, err := filter.Compile(`json.u.r == 1 && json.u.r > 0.5`)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := f.Match(&sources.Message{Value: []byte(`{"u":{"r":1}}`)}); !got || err != nil {
		t.Fatalf("present: %v %v", got, err)
	}
}
