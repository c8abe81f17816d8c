package replay_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// lossyRegistry is a registry with an Avro and a Protobuf schema, and a
// decoder on it.
func lossyRegistry(t *testing.T) (avroID, protoID int, dec *schema.Decoder) {
	t.Helper()
	reg := srfake.New()
	t.Cleanup(reg.Close)
	avroID, _, err := reg.RegisterSchema("pay-value", sr.Schema{Schema: `{"type":"record","name":"Pay","fields":[{"name":"id","type":"string"},{"name":"note","type":"string"},{"name":"amount","type":"double"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	protoID, _, err = reg.RegisterSchema("ship-value", sr.Schema{Type: sr.TypeProtobuf, Schema: `syntax = "proto3"; package acme; message Ship { string id = 1; double weight = 2; }`})
	if err != nil {
		t.Fatal(err)
	}
	dec, err = schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: reg.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	return avroID, protoID, dec
}

// nanBits is a NaN with payload bits no encoder writes for "NaN".
const nanBits = 0x7ff8000000000123

// patched encodes doc with id and replaces old with new in the bytes.
func patched(t *testing.T, dec *schema.Decoder, ref schema.Ref, doc string, repl ...[]byte) []byte {
	t.Helper()
	b, err := dec.Encode(context.Background(), ref, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(repl); i += 2 {
		if !bytes.Contains(b, repl[i]) || len(repl[i]) != len(repl[i+1]) {
			t.Fatalf("no %x in %x", repl[i], b)
		}
		b = bytes.Replace(b, repl[i], repl[i+1], 1)
	}
	return b
}

func le64(f uint64) []byte { return binary.LittleEndian.AppendUint64(nil, f) }

// editOf edits m's document with the replacements old -> new and parses it.
func editOf(t *testing.T, m sources.Message, d *schema.Decoded, repl ...string) replay.Edit {
	t.Helper()
	doc := string(replay.EditDocumentDecoded(m, d))
	for i := 0; i < len(repl); i += 2 {
		if !strings.Contains(doc, repl[i]) {
			t.Fatalf("no %s in\n%s", repl[i], doc)
		}
		doc = strings.Replace(doc, repl[i], repl[i+1], 1)
	}
	e, err := replay.ParseEdit([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestEditKeepsWhatItDoesNotChange: an Avro value holding a string that
// is not UTF-8 and a NaN with payload bits, and a Protobuf value holding
// such a NaN, come back byte for byte from a key-only edit; an edit of
// another field is encoded, and the review says the bytes change beyond
// the edit and why; an edit of the one field that lost its bytes is not
// a surprise.
func TestEditKeepsWhatItDoesNotChange(t *testing.T) {
	avroID, protoID, dec := lossyRegistry(t)
	ctx := context.Background()
	avroRef := schema.Ref{Origin: schema.OriginRegistry, ID: avroID}
	value := patched(t, dec, avroRef, `{"id":"p-1","note":"XXXX","amount":1.0}`,
		[]byte("XXXX"), []byte("\xffX\xfeX"), le64(math.Float64bits(1.0)), le64(nanBits))
	m := sources.Message{Stream: "pay", Key: []byte("p-1"), Value: value}
	d := dec.Value(ctx, &m)
	if d.Err != nil || d.Loss == nil || d.Loss.Kind != schema.LossInvalidUTF8 || d.Loss.Path != "note" || d.Loss.More != 1 {
		t.Fatalf("decoded %s, loss %+v, %v", d.JSON, d.Loss, d.Err)
	}

	keyOnly := editOf(t, m, &d, `"key": "p-1"`, `"key": "p-2"`)
	db, re, err := keyOnly.EncodeValue(ctx, dec, m, &d)
	if err != nil || !re.Kept || re.Surprising() || !bytes.Equal(keyOnly.Value, value) || db == nil || string(db.JSON) != string(d.JSON) {
		t.Fatalf("key-only edit: %v %+v, value %x, want %x", err, re, keyOnly.Value, value)
	}
	if got := keyOnly.Edited(m); !bytes.Equal(got.Value, value) || string(got.Key) != "p-2" {
		t.Fatalf("published %q %x", got.Key, got.Value)
	}

	idEdit := editOf(t, m, &d, `"id": "p-1"`, `"id": "p-9"`)
	_, re, err = idEdit.EncodeValue(ctx, dec, m, &d)
	if err != nil || re.Kept || !re.Surprising() || re.Bytes.Count == 0 {
		t.Fatalf("id edit: %v %+v", err, re)
	}
	if s := re.String(); !strings.Contains(s, "value: encoding the edit changes more than it shows") || !strings.Contains(s, "at note") || !strings.Contains(s, "not UTF-8") || !strings.Contains(s, "from offset") {
		t.Fatalf("review %q", s)
	}

	// Only the string lost its bytes, and the edit replaces it.
	plain := patched(t, dec, avroRef, `{"id":"p-1","note":"XXXX","amount":1.5}`, []byte("XXXX"), []byte("\xffX\xfeX"))
	pm := sources.Message{Stream: "pay", Key: []byte("p-1"), Value: plain}
	pd := dec.Value(ctx, &pm)
	fix := editOf(t, pm, &pd, `"note": "\ufffdX\ufffdX"`, `"note": "fixed"`)
	_, re, err = fix.EncodeValue(ctx, dec, pm, &pd)
	if err != nil || re.Kept || re.Surprising() {
		t.Fatalf("an edit of the lost field: %v %+v", err, re)
	}
	if again := dec.Value(ctx, &sources.Message{Stream: "pay", Value: fix.Value}); string(again.JSON) != `{"id":"p-1","note":"fixed","amount":1.5}` || again.Loss != nil {
		t.Fatalf("written %s %+v", again.JSON, again.Loss)
	}

	// Protobuf: a NaN with payload bits.
	protoRef := schema.Ref{Origin: schema.OriginRegistry, ID: protoID, Format: schema.FormatProtobuf}
	pv := patched(t, dec, protoRef, `{"id":"s-1","weight":1.5}`, le64(math.Float64bits(1.5)), le64(nanBits))
	sm := sources.Message{Stream: "ship", Key: []byte("s-1"), Value: pv}
	sd := dec.Value(ctx, &sm)
	if sd.Err != nil || sd.Loss == nil || sd.Loss.Kind != schema.LossNaNPayload || !strings.Contains(string(sd.JSON), `"NaN"`) {
		t.Fatalf("protobuf decoded %s, loss %+v, %v", sd.JSON, sd.Loss, sd.Err)
	}
	keyOnly = editOf(t, sm, &sd, `"key": "s-1"`, `"key": "s-2"`)
	if _, re, err = keyOnly.EncodeValue(ctx, dec, sm, &sd); err != nil || !re.Kept || !bytes.Equal(keyOnly.Value, pv) {
		t.Fatalf("protobuf key-only edit: %v %+v %x", err, re, keyOnly.Value)
	}
	idEdit = editOf(t, sm, &sd, `"id": "s-1"`, `"id": "s-9"`)
	if _, re, err = idEdit.EncodeValue(ctx, dec, sm, &sd); err != nil || !re.Surprising() || !strings.Contains(re.String(), "NaN") {
		t.Fatalf("protobuf id edit: %v %q", err, re)
	}
	// A value without losses: the review has nothing to add.
	clean := patched(t, dec, protoRef, `{"id":"s-1","weight":1.5}`)
	cm := sources.Message{Stream: "ship", Value: clean}
	cd := dec.Value(ctx, &cm)
	idEdit = editOf(t, cm, &cd, `"id": "s-1"`, `"id": "s-9"`)
	if _, re, err = idEdit.EncodeValue(ctx, dec, cm, &cd); err != nil || cd.Loss != nil || re.Surprising() || re.Kept {
		t.Fatalf("clean protobuf edit: %v %+v %+v", err, cd.Loss, re)
	}
}

// TestEncodeLineKeepsRawUnlessEdited: a capture line with the raw value
// and the document it decodes to replays the raw bytes, --reencode or not;
// an edited document is written only with --reencode, and then the
// outcome says the bytes change beyond the edit.
func TestEncodeLineKeepsRawUnlessEdited(t *testing.T) {
	avroID, _, dec := lossyRegistry(t)
	ctx := context.Background()
	value := patched(t, dec, schema.Ref{Origin: schema.OriginRegistry, ID: avroID}, `{"id":"p-1","note":"XXXX","amount":1.0}`,
		[]byte("XXXX"), []byte("\xffX\xfeX"), le64(math.Float64bits(1.0)), le64(nanBits))
	orig := sources.Message{Stream: "pay", Value: value}
	d := dec.Value(ctx, &orig)
	line := func(doc []byte) *capture.DecodedValue {
		return &capture.DecodedValue{JSON: doc, Schema: capture.SchemaName{ID: avroID, Format: "avro"}}
	}
	for _, reencode := range []bool{false, true} {
		m := orig
		out, err := replay.EncodeLine(ctx, dec, &m, line(d.JSON), reencode)
		if err != nil || out.Edited || out.Encoded || out.Noteworthy() || !bytes.Equal(m.Value, value) {
			t.Fatalf("reencode %v, unedited: %+v %v %x", reencode, out, err, m.Value)
		}
	}
	edited := bytes.Replace(d.JSON, []byte(`"p-1"`), []byte(`"p-9"`), 1)
	m := orig
	out, err := replay.EncodeLine(ctx, dec, &m, line(edited), false)
	if err != nil || !out.Edited || out.Encoded || !out.Noteworthy() || !bytes.Equal(m.Value, value) {
		t.Fatalf("edited without --reencode: %+v %v", out, err)
	}
	if s := (replay.LineNote{Line: 3, LineOutcome: out}).String(); !strings.Contains(s, "line 3: value_decoded was edited") || !strings.Contains(s, "--reencode") {
		t.Fatalf("note %q", s)
	}
	m = orig
	out, err = replay.EncodeLine(ctx, dec, &m, line(edited), true)
	if err != nil || !out.Edited || !out.Encoded || !out.Reencoding.Surprising() || !out.Noteworthy() || bytes.Equal(m.Value, value) {
		t.Fatalf("edited with --reencode: %+v %v", out, err)
	}
	if s := (replay.LineNote{Line: 4, LineOutcome: out}).String(); !strings.Contains(s, "line 4: value: encoding the edit changes more than it shows") || !strings.Contains(s, "at note") {
		t.Fatalf("note %q", s)
	}
	if again := dec.Value(ctx, &m); !strings.Contains(string(again.JSON), `"p-9"`) || again.Ref.ID != avroID {
		t.Fatalf("written %s %s", again.Ref, again.JSON)
	}
	// The same value spelled with other spacing and key order is not an edit.
	m = orig
	respelled := []byte(`{ "amount": "NaN", "note": "\ufffdX\ufffdX", "id": "p-1" }`)
	if out, err := replay.EncodeLine(ctx, dec, &m, line(respelled), true); err != nil || out.Edited || !bytes.Equal(m.Value, value) {
		t.Fatalf("respelled: %+v %v", out, err)
	}
}
