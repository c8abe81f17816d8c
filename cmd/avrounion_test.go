package cmd

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

// TestAvroUnionOfSameShapes: a union value in the second of two records
// of one shape is exported with value_decoded_lossy union_branch at its
// path; a line with the document alone (no raw value) is refused rather
// than written as the first record, and written byte-exact when the
// document names the branch as Avro's JSON encoding does; an edit
// elsewhere of a line with its raw value keeps the branch.
func TestAvroUnionOfSameShapes(t *testing.T) {
	const topic, copyTopic = "shapes", "shapes.copy"
	c := newSchemaCluster(t, topic, copyTopic)
	id := c.register(t, "shapes-value", sr.Schema{Schema: `{"type":"record","name":"S","fields":[{"name":"u","type":["null",
	  {"type":"record","name":"A","fields":[{"name":"a","type":"int"}]},
	  {"type":"record","name":"B","fields":[{"name":"a","type":"int"}]}]},{"name":"n","type":"int"}]}`})
	value := framedWith(id, []byte{4, 14, 2}) // u: B{a: 7}, n: 1
	c.produce(t, topic, value)
	t.Setenv("XDG_STATE_HOME", t.TempDir())

	file := filepath.Join(t.TempDir(), "shapes.jsonl")
	if code, _, errOut := run(t, append(c.args(), "export", topic, "-o", file)...); code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	recs := records(t, string(data))
	if len(recs) != 1 || string(recs[0].ValueDecoded) != `{"u":{"a":7},"n":1}` || recs[0].ValueDecodedLossy == nil ||
		recs[0].ValueDecodedLossy.Kind != "union_branch" || recs[0].ValueDecodedLossy.Path != "u" {
		t.Fatalf("export:\n%s", data)
	}

	// An edit elsewhere, the raw value there: the branch is kept.
	editedFile := filepath.Join(t.TempDir(), "edited.jsonl")
	if err := os.WriteFile(editedFile, bytes.Replace(data, []byte(`"n":1`), []byte(`"n":2`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := run(t, append(c.args(), "replay", editedFile, "--to", copyTopic, "--yes", "--reencode")...); code != 0 {
		t.Fatalf("replay of the edit: %d %s %s", code, out, errOut)
	}
	if got := readTopic(t, c.addr, copyTopic); len(got) != 1 || !bytes.Equal(got[0], framedWith(id, []byte{4, 14, 4})) {
		t.Fatalf("written %x", got)
	}

	// The document alone.
	var line map[string]json.RawMessage
	if err := json.Unmarshal(bytes.TrimSpace(data), &line); err != nil {
		t.Fatal(err)
	}
	delete(line, "value")
	delete(line, "value_b64")
	write := func(l map[string]json.RawMessage) string {
		b, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(t.TempDir(), "doc.jsonl")
		if err := os.WriteFile(f, append(b, '\n'), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	code, out, errOut := run(t, append(c.args(), "replay", write(line), "--to", copyTopic, "--yes")...)
	if code == 0 || !strings.Contains(errOut, `at u: the value fits union branches A, B alike: name the branch as Avro's JSON does ({"B": ...})`) {
		t.Fatalf("replay of the document alone: %d %s %s", code, out, errOut)
	}
	if got := readTopic(t, c.addr, copyTopic); len(got) != 1 {
		t.Fatalf("written %x", got)
	}

	line["value_decoded"] = json.RawMessage(`{"u":{"B":{"a":7}},"n":1}`)
	if code, out, errOut := run(t, append(c.args(), "replay", write(line), "--to", copyTopic, "--yes")...); code != 0 {
		t.Fatalf("replay of the named branch: %d %s %s", code, out, errOut)
	}
	if got := readTopic(t, c.addr, copyTopic); len(got) != 2 || !bytes.Equal(got[1], value) {
		t.Fatalf("written %x, want %x", got, value)
	}
}
