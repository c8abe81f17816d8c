package cmd

import (
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

// TestInvalidDocumentIsJSONHeadless: a JSON Schema value that decodes but
// does not validate is json to export's filter, and tail shows its
// document after the error, not its bytes.
func TestInvalidDocumentIsJSONHeadless(t *testing.T) {
	const topic = "people"
	c := newSchemaCluster(t, topic)
	id := c.register(t, "people-value", sr.Schema{Type: sr.TypeJSON, Schema: `{"type":"object","properties":{"id":{"type":"string"},"n":{"type":"integer","minimum":0}}}`})
	c.produce(t, topic, framedWith(id, []byte(`{"id":"a4","n":-1}`)), framedWith(id, []byte(`{"id":"a5","n":1}`)))
	code, out, errOut := run(t, append(c.args(), "export", topic, "--filter", `json.id == "a4" && schema.error != nil`)...)
	if code != 0 || strings.Count(out, "\n") != 1 || !strings.Contains(out, `a4`) {
		t.Fatalf("export: %d %s %s", code, out, errOut)
	}
	code, out, errOut = run(t, append(c.args(), "tail", topic, "--from", "oldest", "--limit", "2")...)
	line, _, _ := strings.Cut(out, "\n")
	errAt, docAt := strings.Index(line, "✖"), strings.Index(line, `{"id":"a4","n":-1}`)
	if code != 0 || errAt < 0 || docAt < errAt || strings.Contains(line, `\x00`) {
		t.Fatalf("tail: %d %q %s", code, out, errOut)
	}
}
