package capture_test

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources"
)

// TestDecodedLineIsUTF8AndReadsBack: a document that is not UTF-8 is
// written on a UTF-8 line (U+FFFD for its bytes); reading the line back
// gives the value_schema's message and the value_schema_error.
func TestDecodedLineIsUTF8AndReadsBack(t *testing.T) {
	m := sources.Message{Stream: "ships", Value: []byte("\x00\x00\x00\x00\x01\x02\x0a\x01x")}
	id := 1
	line := capture.AppendRecordDecoded(nil, &m, nil, &capture.Decoded{
		JSON:   []byte("{\"id\":\"x\xff\"}"),
		Schema: &capture.SchemaRecord{ID: &id, Format: "protobuf", Message: "acme.Dock"},
		Err:    &capture.SchemaError{ID: &id, Kind: "mismatch", Error: "acme.Dock: fields the schema does not have"},
	})
	if !utf8.Valid(line) || !bytes.Contains(line, []byte("\"value_decoded\":{\"id\":\"x\uFFFD\"}")) {
		t.Fatalf("line %q", line)
	}
	got, dv, err := capture.NewDecoder(bytes.NewReader(append(line, '\n'))).NextDecoded()
	if err != nil || !bytes.Equal(got.Value, m.Value) || dv == nil {
		t.Fatalf("read back %+v %+v %v", got, dv, err)
	}
	if dv.Schema.Message != "acme.Dock" || dv.Err == nil || dv.Err.Kind != "mismatch" || dv.Err.ID == nil || *dv.Err.ID != 1 || dv.Err.Error != "acme.Dock: fields the schema does not have" {
		t.Fatalf("decoded value %+v %+v", dv.Schema, dv.Err)
	}
}
