package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/encoding/protowire"
)

// TestProtobufUnknownFieldsLossInExportAndReplay: a Protobuf value with a
// field the schema does not have and a default written out is exported
// with value_decoded_lossy naming the default's field; an edit of another
// field is refused by mqscope replay --reencode --yes with words that
// name it.
func TestProtobufUnknownFieldsLossInExportAndReplay(t *testing.T) {
	const topic, copyTopic = "orders.pbu", "orders.pbu.copy"
	c := newSchemaCluster(t, topic, copyTopic)
	id := c.register(t, topic+"-value", sr.Schema{Type: sr.TypeProtobuf, Schema: `syntax = "proto3"; package acme;
message Order { string id = 1; int64 price = 2; }`})
	body := append(append(pbLen(1, []byte("ord-1")), pbField(2, protowire.VarintType, []byte{0})...), pbField(9, protowire.VarintType, []byte{1})...)
	c.produce(t, topic, framedWith(id, body, 0))
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	reg := append(c.args(), "--log-file", filepath.Join(t.TempDir(), "log"))

	file := filepath.Join(t.TempDir(), "orders.jsonl")
	if code, _, errOut := run(t, append(reg, "export", topic, "-o", file)...); code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"value_decoded_lossy":{"kind":"non_canonical","path":"price","why":"bytes not in the form the encoder writes"}`) {
		t.Fatalf("the line's lossy field:\n%s", data)
	}
	edited := strings.Replace(string(data), `"id":"ord-1"`, `"id":"ord-2"`, 1)
	if edited == string(data) {
		t.Fatalf("no id in\n%s", data)
	}
	if err := os.WriteFile(file, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, append(reg, "replay", file, "--to", copyTopic, "--yes", "--reencode")...)
	if code == 0 || !strings.Contains(errOut, "at price: bytes not in the form the encoder writes") || !strings.Contains(errOut, beyondEdit) {
		t.Fatalf("edited replay: %d %s %s", code, out, errOut)
	}
	if got := readTopic(t, c.addr, copyTopic); len(got) != 0 {
		t.Fatalf("a refused replay wrote %d messages", len(got))
	}
}
