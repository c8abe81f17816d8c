package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

// TestJSONSchemaDuplicateKeys: a JSON Schema framed value naming a member
// twice is exported whole, with value_decoded_lossy duplicate_key at the
// second; an edit that keeps both members replays with --reencode --yes;
// one that leaves one of them is a change beyond the edit, refused
// without --accept-reencoding and written with it.
func TestJSONSchemaDuplicateKeys(t *testing.T) {
	const topic, copyTopic = "dups", "dups.copy"
	c := newSchemaCluster(t, topic, copyTopic)
	id := c.register(t, "dups-value", sr.Schema{Type: sr.TypeJSON, Schema: `{"type":"object"}`})
	c.produce(t, topic, framedWith(id, []byte(`{"a":{"n":1,"n":2},"x":0}`)))
	t.Setenv("XDG_STATE_HOME", t.TempDir())

	file := filepath.Join(t.TempDir(), "dups.jsonl")
	if code, _, errOut := run(t, append(c.args(), "export", topic, "-o", file)...); code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	recs := records(t, string(data))
	if len(recs) != 1 || string(recs[0].ValueDecoded) != `{"a":{"n":1,"n":2},"x":0}` || recs[0].ValueDecodedLossy == nil ||
		recs[0].ValueDecodedLossy.Kind != "duplicate_key" || recs[0].ValueDecodedLossy.Path != "a.n" || !strings.Contains(recs[0].ValueDecodedLossy.Why, "twice") {
		t.Fatalf("export:\n%s", data)
	}
	line := strings.TrimSpace(string(data))
	replayEdit := func(from, to string, extra ...string) (int, string) {
		t.Helper()
		edited := strings.Replace(line, from, to, 1)
		if edited == line {
			t.Fatalf("no %s in %s", from, line)
		}
		f := filepath.Join(t.TempDir(), "edited.jsonl")
		if err := os.WriteFile(f, []byte(edited+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := run(t, append(append(c.args(), "replay", f, "--to", copyTopic, "--yes", "--reencode"), extra...)...)
		return code, out + errOut
	}

	if code, out := replayEdit(`"x":0`, `"x":7`); code != 0 {
		t.Fatalf("an edit keeping both members: %d %s", code, out)
	}
	if read := readTopic(t, c.addr, copyTopic); len(read) != 1 || !bytes.Equal(read[0], framedWith(id, []byte(`{"a":{"n":1,"n":2},"x":7}`))) {
		t.Fatalf("replayed %q", read)
	}

	code, out := replayEdit(`{"n":1,"n":2},"x":0`, `{"n":2},"x":0,"extra":1`)
	if code == 0 || !strings.Contains(out, beyondEdit) || !strings.Contains(out, "at a.n") || !strings.Contains(out, "twice") {
		t.Fatalf("an edit leaving one member: %d %s", code, out)
	}
	if read := readTopic(t, c.addr, copyTopic); len(read) != 1 {
		t.Fatalf("refused, but written: %q", read)
	}
	if code, out := replayEdit(`{"n":1,"n":2},"x":0`, `{"n":2},"x":0,"extra":1`, "--accept-reencoding"); code != 0 {
		t.Fatalf("accepted: %d %s", code, out)
	}
	if read := readTopic(t, c.addr, copyTopic); len(read) != 2 || !bytes.Equal(read[1], framedWith(id, []byte(`{"a":{"n":2},"x":0,"extra":1}`))) {
		t.Fatalf("replayed %q", read)
	}
}
