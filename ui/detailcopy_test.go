package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/mqscope/mqscope/internal/poison"
	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// TestDetailCopiesDecodedAndExportLine: in the detail of a value framed
// with a JSON Schema from the registry, y copies the decoded document as
// the detail shows it (indented JSON) and Y the message as the one line
// mqscope export writes of it (raw bytes and value_decoded); controls in
// the document (a string holding every terminal sequence) reach neither
// the clipboard nor the screen; before the schema is fetched nothing is
// copied and the status says why; a value without a schema is copied as
// it is; the full help lists both.
func TestDetailCopiesDecodedAndExportLine(t *testing.T) {
	reg := srfake.New()
	t.Cleanup(reg.Close)
	id, _, err := reg.RegisterSchema("notes-value", sr.Schema{Type: sr.TypeJSON, Schema: `{"type":"object","properties":{"id":{"type":"string"},"note":{"type":"string"},"n":{"type":"number"}}}`})
	if err != nil {
		t.Fatal(err)
	}
	note, _ := json.Marshal(poison.Text) // DEL, C1 and bidi controls stay raw in JSON text
	body := `{"id":"n-1","note":` + string(note) + `,"n":12345678901234567890123}`
	m := sources.Message{Conn: "demo", Stream: "notes", Partition: 0, Offset: 7, Key: []byte("n-1"), Value: append(schema.AppendHeader(nil, id), body...),
		Headers: []sources.Header{{Key: "trace", Value: []byte("t-1")}}}
	m.ValueSize = len(m.Value)
	dec, err := schema.NewDecoder(schema.Config{Registry: &schema.RegistryConfig{URL: reg.URL()}})
	if err != nil {
		t.Fatal(err)
	}
	c := testCommon(120, 40)
	c.Decoders = map[string]*schema.Decoder{"demo": dec}
	clip := c.Clipboard.(*bytes.Buffer)

	// Before the schema is fetched: said, nothing copied.
	d := newDetailPage(c, m, nil, nil)
	for _, k := range []string{"y", "Y"} {
		st, ok := d.Update(keyPress(k))().(statusSet)
		if !ok || !strings.Contains(st.text, "being fetched") || clip.Len() != 0 {
			t.Fatalf("%s before the schema: %+v, clipboard %q", k, st, clip.String())
		}
	}

	decoded := dec.Value(context.Background(), &m) // fetches the schema, as the detail's Cmd does
	if decoded.Err != nil || decoded.JSON == nil {
		t.Fatalf("decoded %+v", decoded)
	}
	st := d.Update(keyPress("y"))().(statusSet)
	if st.err || !strings.Contains(st.text, "copied decoded value as JSON") {
		t.Fatalf("y: %+v", st)
	}
	got := clipboardText(t, clip.String())
	if poison.Find(got) != "" {
		t.Fatalf("the copied value carries %s", poison.Find(got))
	}
	if !strings.HasPrefix(got, "{\n  \"id\": \"n-1\",\n  \"note\": ") || !strings.Contains(got, `\u202e`) || !strings.Contains(got, `"n": 12345678901234567890123`) {
		t.Fatalf("y copied %q", got)
	}
	var doc, want map[string]any
	if json.Unmarshal([]byte(got), &doc) != nil || json.Unmarshal(decoded.JSON, &want) != nil || doc["note"] != poison.Text || doc["id"] != "n-1" {
		t.Fatalf("y copied a document that is not the decoded one: %q", got)
	}

	clip.Reset()
	st = d.Update(keyPress("Y"))().(statusSet)
	if st.err || !strings.Contains(st.text, "copied message as an export line") {
		t.Fatalf("Y: %+v", st)
	}
	line := clipboardText(t, clip.String())
	var exported bytes.Buffer
	enc := capture.NewEncoder(&exported)
	if err := enc.EncodeWith(context.Background(), dec, &m); err != nil {
		t.Fatal(err)
	}
	if err := enc.Flush(); err != nil {
		t.Fatal(err)
	}
	if line != exported.String() {
		t.Fatalf("Y copied\n%s\nexport writes\n%s", line, exported.String())
	}
	if poison.Find(line) != "" || !strings.Contains(line, `"value_decoded":`) || !strings.Contains(line, `"value_schema":{"id":`) || !strings.Contains(line, `"headers":[{"key":"trace"`) {
		t.Fatalf("the export line %q", line)
	}
	rec, _, err := capture.NewDecoder(strings.NewReader(line)).NextDecoded()
	if err != nil || !bytes.Equal(rec.Value, m.Value) || string(rec.Key) != "n-1" {
		t.Fatalf("the export line does not carry the raw bytes: %v %x", err, rec.Value)
	}
	if v := d.View(120, 40); poison.Find(v) != "" {
		t.Fatalf("the detail shows %s", poison.Find(v))
	}

	// A value no schema decodes: y copies it as it is, Y the plain line.
	plainMsg := sources.Message{Conn: "demo", Stream: "notes", Offset: 8, Value: []byte(`{"a":1}`)}
	plainMsg.ValueSize = len(plainMsg.Value)
	clip.Reset()
	pd := newDetailPage(c, plainMsg, nil, nil)
	if st := pd.Update(keyPress("y"))().(statusSet); !strings.HasPrefix(st.text, "copied value (") || clipboardText(t, clip.String()) != `{"a":1}` {
		t.Fatalf("plain y: %+v %q", st, clip.String())
	}
	clip.Reset()
	pd.Update(keyPress("Y"))()
	if got := clipboardText(t, clip.String()); got != string(capture.AppendRecord(nil, &plainMsg)) {
		t.Fatalf("plain Y: %q", got)
	}

	listed := map[string]string{}
	for _, b := range slices.Concat(d.FullHelp()...) {
		listed[b.Help().Desc] = b.Help().Key
	}
	if listed["copy decoded value"] != "y" || listed["copy export line"] != "Y" {
		t.Fatalf("the detail's help lists %v", listed)
	}
}
