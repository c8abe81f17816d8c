package filter

import (
	"testing"

	"github.com/mqscope/mqscope/sources"
)

// TestMissingHeaderIsNil: headers["x"] != nil selects the messages that
// have header x, == nil those that lack it, and == "" only an empty value,
// on the native path and through expr alike.
func TestMissingHeaderIsNil(t *testing.T) {
	without := sources.Message{Stream: "orders", Headers: []sources.Header{{Key: "tenant", Value: []byte("acme")}}}
	empty := sources.Message{Stream: "orders", Headers: []sources.Header{{Key: "x-mqscope-redrive-position", Value: []byte{}}}}
	with := sources.Message{Stream: "orders", Headers: []sources.Header{{Key: "x-mqscope-redrive-position", Value: []byte("orders.DLT[0]@4")}}}
	const h = `headers["x-mqscope-redrive-position"]`
	for _, tc := range []struct {
		expr string
		want [3]bool // without, empty, with
	}{
		{h + ` != nil`, [3]bool{false, true, true}},
		{`nil != ` + h, [3]bool{false, true, true}},
		{h + ` == nil`, [3]bool{true, false, false}},
		{h + ` == ""`, [3]bool{false, true, false}},
		{h + ` != ""`, [3]bool{true, false, true}},
		{h + ` startsWith "orders"`, [3]bool{false, false, true}},
		{h + ` != nil && headers["tenant"] == nil`, [3]bool{false, true, true}},
		{`not (` + h + ` != nil)`, [3]bool{true, false, false}},
		{`"x-mqscope-redrive-position" in headers`, [3]bool{false, true, true}},
		{`(` + h + ` ?? "none") == "none"`, [3]bool{true, false, false}},
	} {
		for _, native := range []bool{true, false} {
			f, err := Compile(tc.expr)
			if err != nil {
				t.Fatalf("%s: %v", tc.expr, err)
			}
			if !native {
				f.native = nil
			}
			for i, m := range []sources.Message{without, empty, with} {
				got, err := f.Match(&m)
				if err != nil || got != tc.want[i] {
					t.Errorf("%s (native %v) on message %d: %v, %v; want %v", tc.expr, native, i, got, err, tc.want[i])
				}
			}
		}
	}
	for _, src := range []string{h + ` != nil`, `nil == ` + h, h + ` == ""`} {
		if f, _ := Compile(src); f.native == nil {
			t.Errorf("%s: not compiled natively", src)
		}
	}
}
