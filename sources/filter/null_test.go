package filter_test

import (
	"testing"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
)

func TestNilMatchesANullValueOrKey(t *testing.T) {
	tombstone := sources.Message{Stream: "orders", Key: []byte("ord-1")}
	empty := sources.Message{Stream: "orders", Key: []byte("ord-1"), Value: []byte{}}
	full := sources.Message{Stream: "orders", Value: []byte(`{"status":"OK"}`)} // a null key
	for _, tc := range []struct {
		expr string
		want [3]bool // tombstone, empty, full
	}{
		{`value == nil`, [3]bool{true, false, false}},
		{`nil == value`, [3]bool{true, false, false}},
		{`value != nil`, [3]bool{false, true, true}},
		{`tombstone && key == "ord-1"`, [3]bool{true, false, false}},
		{`key == nil`, [3]bool{false, false, true}},
		{`value == nil || json.status == "OK"`, [3]bool{true, false, true}},
		{`value == ""`, [3]bool{true, true, false}}, // as text, null is empty
	} {
		f, err := filter.Compile(tc.expr)
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		for i, m := range []sources.Message{tombstone, empty, full} {
			got, err := f.Match(&m)
			if got != tc.want[i] || err != nil && tc.want[i] {
				t.Errorf("%s on message %d: %v, %v (want %v)", tc.expr, i, got, err, tc.want[i])
			}
		}
	}
}
