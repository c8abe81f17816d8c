package versions

import (
	"strings"
	"testing"
)

// A verdict given against the subject's latest version whose lookup
// failed names no version 0: it says the lookup failed.
func TestCompatWithoutLatestSaysLookupFailed(t *testing.T) {
	yes, no := true, false
	for _, c := range []struct {
		compatible *bool
		want       string
	}{{&yes, "compatible with the latest version (its lookup failed)"}, {&no, "incompatible with the latest version (its lookup failed)"}} {
		s := Schema{ID: 1, Framed: true, Subject: "t-value", Version: 1, Compatible: c.compatible, LatestErr: "registry unauthorised: unauthorised for latest version of t-value"}
		if got := s.Compat(); got != c.want || strings.Contains(got, "v0") {
			t.Fatalf("Compat() = %q, want %q", got, c.want)
		}
	}
	s := Schema{ID: 1, Framed: true, Subject: "t-value", Version: 1, Latest: 2, Compatible: &yes}
	if got := s.Compat(); got != "compatible with v2" {
		t.Fatalf("Compat() = %q", got)
	}
}
