package schema

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/encoding/protowire"
)

// anyProto has Any fields singular, repeated, in a map and inside a
// message packed in an Any.
const anyProto = `syntax = "proto3"; package acme;
import "google/protobuf/any.proto";
message Env { string id = 1; google.protobuf.Any detail = 2; repeated google.protobuf.Any list = 3; map<string, google.protobuf.Any> by = 4; map<string, Holder> holders = 5; }
message Holder { google.protobuf.Any a = 1; string note = 2; }`

// pbAny is a google.protobuf.Any field of the type url and value.
func pbAny(num protowire.Number, url string, value []byte) []byte {
	return pbBytes(num, pbString(1, url), pbBytes(2, value))
}

// TestProtobufUnresolvableAny: an Any whose type the schema does not have
// is shown plainly (its type URL, its bytes in base64, why) wherever it
// is, singular, repeated, a map value, inside a message packed in another
// Any; the rest of the message is decoded, and the document encodes back
// to the same bytes.
func TestProtobufUnresolvableAny(t *testing.T) {
	reg := newFake(t)
	id := register(t, reg, "env-value", sr.Schema{Type: sr.TypeProtobuf, Schema: anyProto})
	d := newDecoder(t, reg.URL())
	gone := []byte{0x08, 0x96, 0x01, 0x12, 0x01, 'x'} // some message acme.Gone
	const goneURL = "type.googleapis.com/acme.Gone"
	holder := cat(pbAny(1, goneURL, gone), pbString(2, "inside"))
	body := cat(
		pbString(1, "e-1"),
		pbAny(2, goneURL, gone),
		pbAny(3, "type.googleapis.com/acme.Holder", holder),
		pbAny(3, "type.example.com/other.Thing", []byte{0xff, 0x00}),
		pbBytes(4, pbString(1, "j"), pbAny(2, "type.googleapis.com/acme.Holder", pbString(2, "known"))),
		pbBytes(4, pbString(1, "k"), pbAny(2, goneURL, gone)),
		pbBytes(5, pbString(1, "h"), pbBytes(2, holder)),
	)
	got := value(t, d, "env", framed(id, []byte{0}, body))
	if got.Err != nil {
		t.Fatalf("decode: %v (%s)", got.Err, got.JSON)
	}
	plain := `{"@type":"` + goneURL + `","value":"` + base64.StdEncoding.EncodeToString(gone) + `","error":"unknown type acme.Gone"}`
	for _, want := range []string{
		`"id":"e-1"`,
		`"detail":` + plain,
		`"list":[{"@type":"type.googleapis.com/acme.Holder","a":` + plain + `,"note":"inside"},{"@type":"type.example.com/other.Thing","value":"/wA=","error":"unknown type other.Thing"}]`,
		`"by":{"j":{"@type":"type.googleapis.com/acme.Holder","note":"known"},"k":` + plain + `}`,
		`"holders":{"h":{"a":` + plain + `,"note":"inside"}}`,
	} {
		if !strings.Contains(string(got.JSON), want) {
			t.Fatalf("no %s in\n%s", want, got.JSON)
		}
	}
	if got.Loss != nil {
		t.Fatalf("loss %s", got.Loss)
	}
	again, err := d.Encode(t.Context(), got.Ref, got.JSON)
	if err != nil || !bytes.Equal(again, framed(id, []byte{0}, body)) {
		t.Fatalf("encoded back to %x %v, want %x", again, err, framed(id, []byte{0}, body))
	}
	// An edit of the rest keeps the Any's bytes.
	edited, err := d.Encode(t.Context(), got.Ref, bytes.Replace(got.JSON, []byte(`"e-1"`), []byte(`"e-2"`), 1))
	if err != nil || !bytes.Contains(edited, pbAny(2, goneURL, gone)) {
		t.Fatalf("edited: %x %v", edited, err)
	}
}
