package cmd

import (
	"bytes"
	"context"
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

// beyondEdit is how mqscope edit --yes and mqscope replay --yes refuse a
// re-encoding that changes bytes beyond the edit.
const beyondEdit = "changes beyond the edit are not written without --accept-reencoding"

// TestLossyTypedValues: an Avro payment whose order id is not UTF-8 is exported
// with value_decoded_lossy naming the field; the export replays byte for
// byte with --reencode; an edited line replayed with --reencode --yes is
// refused, writing nothing, as mqscope edit --yes refuses such an edit,
// with the same words; both write it with --accept-reencoding.
func TestLossyTypedValues(t *testing.T) {
	cl, conn, dec := typedDemoDecoded(t)
	ctx := context.Background()
	var orig sources.Message
	var id string
	for _, m := range testbroker.ReadAll(t, conn, demo.TopicPaymentsAvro) {
		d := dec.Value(ctx, &m)
		var p struct{ OrderID, Status string }
		if d.Ref.Version == 3 && json.Unmarshal(d.JSON, &p) == nil && p.Status == "AUTHORIZED" && len(p.OrderID) > 3 && bytes.Count(m.Value, []byte(p.OrderID)) == 1 {
			orig, id = m, p.OrderID
			break
		}
	}
	if id == "" {
		t.Fatal("no v3 AUTHORIZED payment")
	}
	lossy := bytes.Replace(orig.Value, []byte(id), append([]byte(id[:len(id)-1]), 0xff), 1)
	const topic, copyTopic, editTopic = "payments.lossy", "payments.lossy.copy", "payments.lossy.edited"
	admin, err := sarama.NewClusterAdmin([]string{cl.Addr()}, sarama.NewConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range []string{topic, copyTopic, editTopic} {
		if err := admin.CreateTopic(tp, &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, false); err != nil {
			t.Fatal(err)
		}
	}
	admin.Close()
	pc := sarama.NewConfig()
	pc.Producer.Return.Successes = true
	prod, err := sarama.NewSyncProducer([]string{cl.Addr()}, pc)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := prod.SendMessage(&sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder("lossy-1"), Value: sarama.ByteEncoder(lossy)}); err != nil {
		t.Fatal(err)
	}
	prod.Close()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	reg := []string{"--kafka", cl.Addr(), "--schema-registry", cl.SchemaRegistryURL(), "--log-file", filepath.Join(t.TempDir(), "log")}

	file := filepath.Join(t.TempDir(), "lossy.jsonl")
	if code, _, errOut := run(t, append(reg, "export", topic, "-o", file)...); code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	recs := records(t, string(data))
	if len(recs) != 1 || recs[0].ValueDecodedLossy == nil || recs[0].ValueDecodedLossy.Kind != "invalid_utf8" || recs[0].ValueDecodedLossy.Path != "orderId" ||
		!strings.Contains(recs[0].ValueDecodedLossy.Why, "not UTF-8") || recs[0].ValueDecoded == nil {
		t.Fatalf("export:\n%s", data)
	}
	if !strings.Contains(string(data), `"value_decoded_lossy":{"kind":"invalid_utf8","path":"orderId","why":"a string that is not UTF-8 (shown with U+FFFD)"}`) {
		t.Fatalf("the line's lossy field:\n%s", data)
	}

	// Unchanged, with --reencode: the raw bytes.
	if code, out, errOut := run(t, append(reg, "replay", file, "--to", copyTopic, "--yes", "--reencode")...); code != 0 || strings.Contains(out+errOut, "line 1") {
		t.Fatalf("replay: %d %s %s", code, out, errOut)
	}
	if got := testbroker.ReadAll(t, conn, copyTopic); len(got) != 1 || !bytes.Equal(got[0].Value, lossy) {
		t.Fatalf("replayed %d, bytes %x, want %x", len(got), got[0].Value, lossy)
	}
	// Edited, with --reencode --yes: refused as mqscope edit --yes
	// refuses it, writing nothing; with --accept-reencoding written, and
	// said.
	edited := strings.Replace(string(data), `"status":"AUTHORIZED"`, `"status":"DECLINED"`, 1)
	if err := os.WriteFile(file, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	replayArgs := append(reg, "replay", file, "--to", copyTopic, "--yes", "--reencode")
	code, out, errOut := run(t, replayArgs...)
	if code == 0 || !strings.Contains(errOut, "line 1: value: encoding the edit changes more than it shows") || !strings.Contains(errOut, "at orderId") ||
		!strings.Contains(errOut, "capture line 1: value: encoding the edit changes more than it shows") || !strings.Contains(errOut, beyondEdit) || !strings.Contains(errOut, "nothing written") {
		t.Fatalf("edited replay without --accept-reencoding: %d %s %s", code, out, errOut)
	}
	if got := testbroker.ReadAll(t, conn, copyTopic); len(got) != 1 {
		t.Fatalf("a refused replay wrote: %d messages", len(got))
	}
	code, out, errOut = run(t, append(replayArgs, "--accept-reencoding")...)
	if code != 0 || !strings.Contains(errOut, "line 1: value: encoding the edit changes more than it shows") || !strings.Contains(out, "replayed 1 message ") {
		t.Fatalf("edited replay: %d %s %s", code, out, errOut)
	}
	if got := testbroker.ReadAll(t, conn, copyTopic); len(got) != 2 || !strings.Contains(string(dec.Value(ctx, &got[1]).JSON), `"status":"DECLINED"`) {
		t.Fatalf("replayed %d messages", len(got))
	}
	// Asked, the question says so, and a yes writes it.
	var askedOut, askedErr bytes.Buffer
	asked := append(append([]string{}, reg...), "replay", file, "--to", copyTopic, "--reencode")
	if code := Execute(asked, strings.NewReader("y\n"), &askedOut, &askedErr); code != 0 || !strings.Contains(askedErr.String(), "with the bytes of 1 lines changed beyond the edit (above)? [y/N]") {
		t.Fatalf("asked replay: %d %s %s", code, askedOut.String(), askedErr.String())
	}
	if got := testbroker.ReadAll(t, conn, copyTopic); len(got) != 3 {
		t.Fatalf("replayed %d messages", len(got))
	}

	// mqscope edit of the lossy payment.
	script := filepath.Join(t.TempDir(), "editor")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nsed -i 's/\"status\": \"AUTHORIZED\"/\"status\": \"DECLINED\"/' \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", script)
	args := append(reg, "edit", topic, "0/0", "--to", editTopic, "--yes")
	code, out, errOut = run(t, args...)
	if code == 0 || !strings.Contains(out, "value: encoding the edit changes more than it shows") || !strings.Contains(errOut, "not redriven: value: encoding the edit changes more than it shows") || !strings.Contains(errOut, beyondEdit) {
		t.Fatalf("edit --yes: %d %s %s", code, out, errOut)
	}
	if got := testbroker.ReadAll(t, conn, editTopic); len(got) != 0 {
		t.Fatalf("a refused edit wrote %d messages", len(got))
	}
	if code, out, errOut = run(t, append(args, "--accept-reencoding")...); code != 0 || !strings.Contains(out, "1 redriven") {
		t.Fatalf("edit --accept-reencoding: %d %s %s", code, out, errOut)
	}
	got := testbroker.ReadAll(t, conn, editTopic)
	if len(got) != 1 {
		t.Fatalf("%d edited copies", len(got))
	}
	if d := dec.Value(ctx, &got[0]); d.Ref.ID != 103 || !strings.Contains(string(d.JSON), `"status":"DECLINED"`) {
		t.Fatalf("published %s %s", d.Ref, d.JSON)
	}
}
