package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

// TestJSONSchemaNumbersExact: a JSON Schema framed value's numbers are
// exported as the message writes them, the document not lossy; an edit of
// one number re-encodes the others byte for byte.
func TestJSONSchemaNumbersExact(t *testing.T) {
	const topic, copyTopic = "nums", "nums.copy"
	c := newSchemaCluster(t, topic, copyTopic)
	id := c.register(t, "nums-value", sr.Schema{Type: sr.TypeJSON, Schema: `{"type":"object","properties":{"x":{"type":"integer"},"n":{"type":"number"}},"required":["x"],"additionalProperties":false}`})
	const n = `0.1000000000000000055511151231257827`
	c.produce(t, topic, framedWith(id, []byte(`{"x":12345678901234567890,"n":`+n+`}`)))
	t.Setenv("XDG_STATE_HOME", t.TempDir())

	file := filepath.Join(t.TempDir(), "nums.jsonl")
	if code, _, errOut := run(t, append(c.args(), "export", topic, "-o", file)...); code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	recs := records(t, string(data))
	if len(recs) != 1 || recs[0].ValueDecodedLossy != nil || string(recs[0].ValueDecoded) != `{"x":12345678901234567890,"n":`+n+`}` {
		t.Fatalf("export:\n%s", data)
	}

	line := strings.TrimSpace(string(data))
	edited := strings.Replace(line, `"x":12345678901234567890`, `"x":7`, 1)
	if edited == line {
		t.Fatalf("no x in %s", line)
	}
	editedFile := filepath.Join(t.TempDir(), "edited.jsonl")
	if err := os.WriteFile(editedFile, []byte(edited+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, append(c.args(), "replay", editedFile, "--to", copyTopic, "--yes", "--reencode")...)
	if code != 0 {
		t.Fatalf("edited replay: %d %s %s", code, out, errOut)
	}
	if read := readTopic(t, c.addr, copyTopic); len(read) != 1 || !bytes.Equal(read[0], framedWith(id, []byte(`{"x":7,"n":`+n+`}`))) {
		t.Fatalf("replayed %q\n%s", read, errOut)
	}
}
