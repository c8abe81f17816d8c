package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/twmb/franz-go/pkg/sr"
)

// TestJSONSchemaValueNotUTF8: a JSON Schema framed value whose string is
// not UTF-8 is exported on a line that is UTF-8, its document showing
// U+FFFD and value_decoded_lossy naming the field, its bytes kept in
// value_b64 (the export replays byte for byte); an edit of a value not
// in compact form is refused with --yes unless --accept-reencoding; tail
// shows the JSON as the message holds it (its spacing and order), not the
// document compacted.
func TestJSONSchemaValueNotUTF8(t *testing.T) {
	const topic, copyTopic = "people", "people.copy"
	c := newSchemaCluster(t, topic, copyTopic)
	id := c.register(t, "people-value", sr.Schema{Type: sr.TypeJSON, Schema: `{"type":"object","properties":{"name":{"type":"string"},"tags":{"type":"array","items":{"type":"string"}}}}`})
	lossy := framedWith(id, []byte("{\"name\": \"Zo\xff\",  \"tags\": [\"a\", \"b\xfe\"]}"))
	spaced := framedWith(id, []byte(`{"tags": ["x"],   "name": "Ann"}`))
	c.produce(t, topic, lossy, spaced)
	t.Setenv("XDG_STATE_HOME", t.TempDir())

	file := filepath.Join(t.TempDir(), "people.jsonl")
	if code, _, errOut := run(t, append(c.args(), "export", topic, "-o", file)...); code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !utf8.Valid(data) {
		t.Fatalf("the export is not UTF-8:\n%q", data)
	}
	recs := records(t, string(data))
	if len(recs) != 2 {
		t.Fatalf("%d lines:\n%s", len(recs), data)
	}
	l := recs[0].ValueDecodedLossy
	if l == nil || l.Kind != "invalid_utf8" || l.Path != "name" || l.More != 1 || string(recs[0].ValueDecoded) != "{\"name\":\"Zo\ufffd\",\"tags\":[\"a\",\"b\ufffd\"]}" || recs[0].ValueB64 == nil {
		t.Fatalf("the lossy line:\n%s", strings.SplitN(string(data), "\n", 2)[0])
	}
	if l := recs[1].ValueDecodedLossy; l == nil || l.Kind != "non_canonical" || string(recs[1].ValueDecoded) != `{"tags":["x"],"name":"Ann"}` {
		t.Fatalf("the spaced line:\n%s", data)
	}

	if code, out, errOut := run(t, append(c.args(), "replay", file, "--to", copyTopic, "--yes", "--reencode")...); code != 0 {
		t.Fatalf("replay: %d %s %s", code, out, errOut)
	}
	read := readTopic(t, c.addr, copyTopic)
	if len(read) != 2 || !bytes.Equal(read[0], lossy) || !bytes.Equal(read[1], spaced) {
		t.Fatalf("replayed %q", read)
	}

	// An edit of the spaced value: encoding it writes the JSON compact,
	// bytes the edit does not touch: refused with --yes, written with
	// --accept-reencoding.
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	edited := strings.Replace(lines[1], `"name":"Ann"`, `"name":"Bea"`, 1)
	if edited == lines[1] {
		t.Fatalf("no name in %s", lines[1])
	}
	editedFile := filepath.Join(t.TempDir(), "edited.jsonl")
	if err := os.WriteFile(editedFile, []byte(edited+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	replayArgs := append(c.args(), "replay", editedFile, "--to", copyTopic, "--yes", "--reencode")
	if code, out, errOut := run(t, replayArgs...); code == 0 || !strings.Contains(errOut, "capture line 1: value: encoding the edit changes more than it shows") ||
		!strings.Contains(errOut, "bytes not in the form the encoder writes") || !strings.Contains(errOut, beyondEdit) {
		t.Fatalf("edited replay: %d %s %s", code, out, errOut)
	}
	if code, out, errOut := run(t, append(replayArgs, "--accept-reencoding")...); code != 0 {
		t.Fatalf("edited replay, accepted: %d %s %s", code, out, errOut)
	}
	if read := readTopic(t, c.addr, copyTopic); len(read) != 3 || !bytes.Equal(read[2], framedWith(id, []byte(`{"tags":["x"],"name":"Bea"}`))) {
		t.Fatalf("replayed %q", read)
	}

	code, out, errOut := run(t, append(c.args(), "tail", topic, "--from", "oldest", "--limit", "2")...)
	if code != 0 {
		t.Fatalf("tail: %d %s", code, errOut)
	}
	lines = strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "{\"name\": \"Zo\ufffd\", \"tags\": [\"a\", \"b\ufffd\"]}") || !strings.Contains(lines[1], `{"tags": ["x"], "name": "Ann"}`) {
		t.Fatalf("tail:\n%s", out)
	}
}
