package ui

import (
	"errors"
	"testing"

	"github.com/mqscope/mqscope/sources/schema"
)

// TestVersionCellMarksValuesThatDoNotFit: a value that does not fit its
// schema shows the version and ✖ whether or not part of it decoded; a
// value whose schema is not known shows ✖; a cut value its version.
func TestVersionCellMarksValuesThatDoNotFit(t *testing.T) {
	mismatch := &schema.Error{Kind: schema.KindMismatch, Err: errors.New("does not fit the schema at amount")}
	down := &schema.Error{Kind: schema.KindRegistryDown, Err: errors.New("HTTP 503")}
	v1 := schema.Ref{Origin: schema.OriginRegistry, ID: 7, Version: 1}
	for _, c := range []struct {
		name string
		v    shown
		want string
	}{
		{"fits", shown{typed: true, ready: true, dec: schema.Decoded{Ref: v1, JSON: []byte(`{}`)}}, "v1"},
		{"does not fit, nothing decoded", shown{typed: true, ready: true, dec: schema.Decoded{Ref: v1, Err: mismatch}}, "v1 ✖"},
		{"does not fit, part decoded", shown{typed: true, ready: true, dec: schema.Decoded{Ref: v1, Err: mismatch, JSON: []byte(`{"a":1}`)}}, "v1 ✖"},
		{"schema not known", shown{typed: true, ready: true, dec: schema.Decoded{Ref: schema.Ref{Origin: schema.OriginRegistry, ID: 7}, Err: down}}, "✖"},
		{"cut", shown{typed: true, ready: true, cut: true, dec: schema.Decoded{Ref: v1, Err: mismatch}}, "v1"},
		{"fetching", shown{typed: true}, "…"},
	} {
		if got := versionCell(c.v); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
