package filter_test

import (
	"strings"
	"testing"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/filter"
)

// TestMissingFieldComparedWithANumber: a comparison of a missing or null
// json field with a number literal (integer, decimal, beyond int64) is
// false, its negation true, as expr's integer comparison is; an ordering
// of a text field with a decimal is an error worded for users, naming no
// Go type.
func TestMissingFieldComparedWithANumber(t *testing.T) {
	missing := sources.Message{Stream: "inventory.snapshots", Value: []byte(`{"sku":"a"}`)}
	null := sources.Message{Stream: "inventory.snapshots", Value: []byte(`{"n":null}`)}
	present := sources.Message{Stream: "inventory.snapshots", Value: []byte(`{"n":0.5}`)}
	for _, tc := range []struct {
		expr string
		want [3]bool // missing, null, present
	}{
		{`json.n > 1`, [3]bool{false, false, false}},
		{`json.n > 0.1`, [3]bool{false, false, true}},
		{`json.n >= 0.1`, [3]bool{false, false, true}},
		{`json.n < 0.6`, [3]bool{false, false, true}},
		{`json.n <= -0.1`, [3]bool{false, false, false}},
		{`0.1 < json.n`, [3]bool{false, false, true}},
		{`json.n > 99999999999999999999`, [3]bool{false, false, false}},
		{`json.n == 0.5`, [3]bool{false, false, true}},
		{`json.n != 0.5`, [3]bool{true, true, false}},
		{`!(json.n > 0.1)`, [3]bool{true, true, false}},
	} {
		f, err := filter.Compile(tc.expr)
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		for i, m := range []sources.Message{missing, null, present} {
			got, err := f.Match(&m)
			if err != nil || got != tc.want[i] {
				t.Errorf("%s on message %d: %v, %v (want %v)", tc.expr, i, got, err, tc.want[i])
			}
		}
	}
	text := sources.Message{Stream: "inventory.snapshots", Value: []byte(`{"n":"lots"}`)}
	for _, expr := range []string{`json.n > 0.1`, `json.n > 99999999999999999999`} {
		f, err := filter.Compile(expr)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		got, err := f.Match(&text)
		if err == nil || got {
			t.Fatalf("%s on a text field: %v, %v (want an error)", expr, got, err)
		}
		if msg := err.Error(); strings.Contains(msg, "big.") || strings.Contains(msg, "*") || strings.Contains(msg, "exact(") ||
			!strings.Contains(msg, "text cannot be compared with a number by >") || !strings.Contains(msg, "| "+expr) {
			t.Fatalf("%s on a text field: %q", expr, msg)
		}
	}
}
