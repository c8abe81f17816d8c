package replay

import (
	"strings"
	"testing"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/rabbitmq/wire"
)

func TestFingerprintSet(t *testing.T) {
	var s fingerprintSet
	if s.has("anything") {
		t.Fatal("the zero set holds something")
	}
	hexFP := "0123456789abcdef0123456789abcdef"
	for _, fp := range []string{hexFP, strings.ToUpper(hexFP), "short", "0123456789abcdef0123456789abcdeg", ""} {
		if s.has(fp) {
			t.Fatalf("%q is in the set before it was added", fp)
		}
		s.add(fp)
		if !s.has(fp) {
			t.Fatalf("%q is not in the set after it was added", fp)
		}
	}
	if len(s.packed) != 1 || len(s.other) != 4 {
		t.Fatalf("packed %d, other %d; want the one lower-case fingerprint packed", len(s.packed), len(s.other))
	}
	// The packed form is the fingerprint's bytes: one differing digit is
	// another key.
	if s.has("0123456789abcdef0123456789abcdee") {
		t.Fatal("a fingerprint one digit off is in the set")
	}
	if fp := Fingerprint(sources.Message{ID: "m", Key: []byte("k"), Value: []byte("v")}); !func() bool { _, ok := packFingerprint(fp); return ok }() {
		t.Fatalf("Fingerprint's %q is not packed", fp)
	}
	var x wire.Identifier
	if id, err := x.Raw("key", []byte{0, 0}, []byte("body")); err != nil || !func() bool { _, ok := packFingerprint(id.String()); return ok }() {
		t.Fatalf("the identity %s (%v) is not packed", id, err)
	}
}
