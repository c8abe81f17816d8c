package replay

import (
	"encoding/binary"
	"reflect"
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

// longstrArray encodes an AMQP field array of one long string.
func longstrArray(s string) []byte {
	item := binary.BigEndian.AppendUint32([]byte{'S'}, uint32(len(s)))
	item = append(item, s...)
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(item))), item...)
}

func TestXDeathMemoDecodesAValueOnce(t *testing.T) {
	var memo xDeathMemo
	first, err := memo.decode('A', longstrArray("orders"))
	if err != nil || !reflect.DeepEqual(first, []any{"orders"}) {
		t.Fatalf("decode = %v, %v", first, err)
	}
	again, err := memo.decode('A', longstrArray("orders")) // equal bytes, another buffer
	if err != nil || reflect.ValueOf(again).Pointer() != reflect.ValueOf(first).Pointer() {
		t.Fatalf("the same x-death was decoded again: %v, %v", again, err)
	}
	other, err := memo.decode('A', longstrArray("payments"))
	if err != nil || !reflect.DeepEqual(other, []any{"payments"}) {
		t.Fatalf("another x-death decoded as %v, %v", other, err)
	}
	if _, err := memo.decode('A', []byte{0, 0, 0, 9, 'S'}); err == nil {
		t.Fatal("a cut array decoded without an error")
	}
	if v, err := memo.decode('A', longstrArray("payments")); err != nil || reflect.ValueOf(v).Pointer() != reflect.ValueOf(other).Pointer() {
		t.Fatalf("a failed decode replaced the remembered value: %v, %v", v, err)
	}
}
