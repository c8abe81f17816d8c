package cmd

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
)

// TestReplayEditedLines: a capture whose lines carry both the raw value
// and the decoded document. Unchanged lines are written with their raw
// value byte for byte; edited lines refuse the whole file before anything
// is written, naming them and offering --reencode and --keep-raw; with
// --keep-raw the raw values go, with --reencode the edits; both flags
// together are refused; standard input stops at the first edited line.
func TestReplayEditedLines(t *testing.T) {
	cl, conn, dec := typedDemoDecoded(t)
	ctx := context.Background()
	var orig sources.Message
	var doc []byte
	for _, m := range testbroker.ReadAll(t, conn, demo.TopicPaymentsAvro) {
		d := dec.Value(ctx, &m)
		if d.Ref.Version == 3 && strings.Contains(string(d.JSON), `"status":"AUTHORIZED"`) {
			orig, doc = m, d.JSON
			break
		}
	}
	if doc == nil {
		t.Fatal("no v3 AUTHORIZED payment")
	}
	edited := strings.Replace(string(doc), `"status":"AUTHORIZED"`, `"status":"DECLINED"`, 1)
	line := func(key, decoded string) string {
		return `{"stream":"payments.avro","partition":0,"offset":0,"key":"` + key + `","value_b64":"` + base64.StdEncoding.EncodeToString(orig.Value) +
			`","value_decoded":` + decoded + `,"value_schema":{"id":103,"subject":"payments.avro-value","version":3,"format":"avro"}}` + "\n"
	}
	file := filepath.Join(t.TempDir(), "edited.jsonl")
	capture := line("re-1", string(doc)) + line("re-2", edited) + line("re-3", string(doc)) + line("re-4", edited)
	if err := os.WriteFile(file, []byte(capture), 0o600); err != nil {
		t.Fatal(err)
	}
	const plain, raw, enc, piped = "payments.edited.plain", "payments.edited.raw", "payments.edited.reencoded", "payments.edited.stdin"
	admin, err := sarama.NewClusterAdmin([]string{cl.Addr()}, sarama.NewConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range []string{plain, raw, enc, piped} {
		if err := admin.CreateTopic(tp, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false); err != nil {
			t.Fatal(err)
		}
	}
	admin.Close()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	reg := []string{"--kafka", cl.Addr(), "--schema-registry", cl.SchemaRegistryURL(), "--log-file", filepath.Join(t.TempDir(), "log")}
	written := func(topic string) map[string]sources.Message {
		got := map[string]sources.Message{}
		for _, m := range testbroker.ReadAll(t, conn, topic) {
			got[string(m.Key)] = m
		}
		return got
	}
	status := func(m sources.Message) string {
		d := dec.Value(ctx, &m)
		var p struct{ Status string }
		if d.Err != nil || d.Ref.ID != 103 || json.Unmarshal(d.JSON, &p) != nil {
			t.Fatalf("written value %s: %v", d.Ref, d.Err)
		}
		return p.Status
	}

	// Neither flag: refused, the edited lines named, nothing written.
	code, out, errOut := run(t, append(reg, "replay", file, "--to", plain, "--yes")...)
	if code == 0 || !strings.Contains(errOut, "capture lines 2, 4: value_decoded was edited; --reencode encodes the edits with their schemas, --keep-raw writes the raw values, ignoring the edits: nothing written") {
		t.Fatalf("edited lines without a flag: %d %s %s", code, out, errOut)
	}
	if got := written(plain); len(got) != 0 {
		t.Fatalf("a refused replay wrote %d messages", len(got))
	}
	// Asked, the same refusal comes before the question.
	var askOut, askErr bytes.Buffer
	if code := Execute(append(append([]string{}, reg...), "replay", file, "--to", plain), strings.NewReader("4\n"), &askOut, &askErr); code == 0 ||
		!strings.Contains(askErr.String(), "capture lines 2, 4: value_decoded was edited") || strings.Contains(askErr.String(), "Write ") {
		t.Fatalf("asked: %d %s %s", code, askOut.String(), askErr.String())
	}
	if got := written(plain); len(got) != 0 {
		t.Fatalf("a refused replay wrote %d messages", len(got))
	}

	// --keep-raw: every raw value byte for byte, the ignored edits said.
	code, out, errOut = run(t, append(reg, "replay", file, "--to", raw, "--yes", "--keep-raw")...)
	if code != 0 || !strings.Contains(out, "replayed 4 messages") || !strings.Contains(errOut, "line 2: value_decoded was edited, the raw value was written as it was") ||
		!strings.Contains(errOut, "line 4: value_decoded was edited") || strings.Contains(errOut, "line 1:") || strings.Contains(errOut, "line 3:") {
		t.Fatalf("--keep-raw: %d %s %s", code, out, errOut)
	}
	got := written(raw)
	for _, k := range []string{"re-1", "re-2", "re-3", "re-4"} {
		if m, ok := got[k]; !ok || !bytes.Equal(m.Value, orig.Value) {
			t.Fatalf("--keep-raw %s: %v %x", k, ok, m.Value)
		}
	}

	// --reencode: the edits encoded, the unchanged lines byte for byte.
	if code, out, errOut = run(t, append(reg, "replay", file, "--to", enc, "--yes", "--reencode")...); code != 0 || !strings.Contains(out, "replayed 4 messages") {
		t.Fatalf("--reencode: %d %s %s", code, out, errOut)
	}
	got = written(enc)
	if len(got) != 4 || !bytes.Equal(got["re-1"].Value, orig.Value) || !bytes.Equal(got["re-3"].Value, orig.Value) ||
		status(got["re-2"]) != "DECLINED" || status(got["re-4"]) != "DECLINED" || bytes.Equal(got["re-2"].Value, orig.Value) {
		t.Fatalf("--reencode wrote %d messages", len(got))
	}

	// Both: contradictory, refused before anything is read or written.
	code, out, errOut = run(t, append(reg, "replay", file, "--to", plain, "--yes", "--reencode", "--keep-raw")...)
	if code == 0 || !strings.Contains(errOut, "--reencode and --keep-raw contradict each other") {
		t.Fatalf("both flags: %d %s %s", code, out, errOut)
	}
	if got := written(plain); len(got) != 0 {
		t.Fatalf("a refused replay wrote %d messages", len(got))
	}

	// Standard input is checked as it is written: the lines before the
	// first edit go, the edit and what follows do not.
	code, out, errOut = runIn(t, capture, append(reg, "replay", "-", "--to", piped, "--yes")...)
	if code == 0 || !strings.Contains(errOut, "capture line 2: value_decoded was edited; --reencode") {
		t.Fatalf("stdin: %d %s %s", code, out, errOut)
	}
	if got := written(piped); len(got) != 1 || !bytes.Equal(got["re-1"].Value, orig.Value) {
		t.Fatalf("stdin wrote %d messages", len(got))
	}
}
