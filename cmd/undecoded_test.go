package cmd

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/encoding/protowire"
)

// TestReplayReencodeOfUndecodedProtobuf: Protobuf values holding fields
// their schema does not have (one of the file's second message) export
// with value_schema_error; replay --reencode writes them byte for byte,
// unknown fields and message indexes kept, and says so per line; an edit
// of such a line's document is encoded, its unknown fields kept; a line
// with no raw value is encoded as the message its value_schema names, not
// as the file's first.
func TestReplayReencodeOfUndecodedProtobuf(t *testing.T) {
	const topic, copyTopic, bareTopic = "ships", "ships.copy", "ships.bare"
	c := newSchemaCluster(t, topic, copyTopic, bareTopic)
	id := c.register(t, "ships-value", sr.Schema{Type: sr.TypeProtobuf, Schema: `syntax = "proto3"; package acme;
message Ship { string id = 1; double weight = 2; }
message Dock { string id = 1; }`})
	ship := func(id string, weight float64) []byte {
		b := protowire.AppendTag(nil, 1, protowire.BytesType)
		b = protowire.AppendString(b, id)
		b = protowire.AppendTag(b, 2, protowire.Fixed64Type)
		return protowire.AppendFixed64(b, math.Float64bits(weight))
	}
	dock := func(id string) []byte {
		return protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), id)
	}
	unknownVarint := protowire.AppendVarint(protowire.AppendTag(nil, 7, protowire.VarintType), 42)
	unknownString := protowire.AppendString(protowire.AppendTag(nil, 9, protowire.BytesType), "x")
	values := [][]byte{
		framedWith(id, ship("s-1", 1.5), 0),
		framedWith(id, append(dock("d-1"), unknownVarint...), 1),
		framedWith(id, append(ship("s-2", 2.5), unknownString...), 0),
		framedWith(id, dock("d-2"), 1),
	}
	c.produce(t, topic, values...)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	dir := t.TempDir()
	file := filepath.Join(dir, "ships.jsonl")
	if code, _, errOut := run(t, append(c.args(), "export", topic, "-o", file)...); code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	recs := records(t, string(data))
	if len(recs) != 4 || recs[1].ValueSchemaError == nil || recs[1].ValueDecoded == nil || recs[1].ValueSchema == nil || recs[1].ValueSchema.Message != "acme.Dock" ||
		recs[2].ValueSchemaError == nil || recs[0].ValueSchemaError != nil || recs[3].ValueSchemaError != nil || recs[3].ValueSchema.Message != "acme.Dock" {
		t.Fatalf("export:\n%s", data)
	}

	code, out, errOut := run(t, append(c.args(), "replay", file, "--to", copyTopic, "--yes", "--reencode")...)
	if code != 0 {
		t.Fatalf("replay: %d %s %s", code, out, errOut)
	}
	for _, line := range []string{"line 2: ", "line 3: "} {
		if !strings.Contains(errOut, line+"the value did not decode cleanly with its schema (value_schema_error ") || !strings.Contains(errOut, "not encoded again, the raw value was written byte for byte") {
			t.Fatalf("replay notes:\n%s", errOut)
		}
	}
	if strings.Contains(errOut, "line 1:") || strings.Contains(errOut, "line 4:") {
		t.Fatalf("notes of clean lines:\n%s", errOut)
	}
	got := readTopic(t, c.addr, copyTopic)
	if len(got) != len(values) {
		t.Fatalf("replayed %d of %d", len(got), len(values))
	}
	for i := range values {
		if !bytes.Equal(got[i], values[i]) {
			t.Fatalf("message %d replayed as %x, want %x", i, got[i], values[i])
		}
	}

	// An edit of a line holding fields the schema lacks (its document
	// shows them, under $unknown_fields) is encoded, keeping them.
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	editedFile := filepath.Join(dir, "edited.jsonl")
	edited := strings.Replace(lines[2], `"id":"s-2"`, `"id":"s-9"`, 1)
	if edited == lines[2] {
		t.Fatalf("no id in %s", lines[2])
	}
	if err := os.WriteFile(editedFile, []byte(lines[0]+"\n"+edited+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = run(t, append(c.args(), "replay", editedFile, "--to", copyTopic, "--yes", "--reencode")...)
	if code != 0 {
		t.Fatalf("edited replay: %d %s %s", code, out, errOut)
	}
	got = readTopic(t, c.addr, copyTopic)
	if want := framedWith(id, append(ship("s-9", 2.5), unknownString...), 0); len(got) != len(values)+2 || !bytes.Equal(got[len(values)], values[0]) || !bytes.Equal(got[len(values)+1], want) {
		t.Fatalf("edited replay wrote %x, want the edit %x, its unknown field kept", got[len(values):], want)
	}

	// A line without its raw value is encoded as the message it names.
	var rec map[string]json.RawMessage
	if err := json.Unmarshal([]byte(lines[3]), &rec); err != nil {
		t.Fatal(err)
	}
	delete(rec, "value")
	delete(rec, "value_b64")
	bare, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	bareFile := filepath.Join(dir, "bare.jsonl")
	if err := os.WriteFile(bareFile, append(bare, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut = run(t, append(c.args(), "replay", bareFile, "--to", bareTopic, "--yes")...); code != 0 {
		t.Fatalf("bare replay: %d %s %s", code, out, errOut)
	}
	if got := readTopic(t, c.addr, bareTopic); len(got) != 1 || !bytes.Equal(got[0], values[3]) {
		t.Fatalf("bare line written as %x, want %x", got, values[3])
	}
}
