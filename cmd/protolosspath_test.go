package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/encoding/protowire"
)

// pbField is one Protobuf field: a tag and its value's bytes.
func pbField(num protowire.Number, typ protowire.Type, value []byte) []byte {
	return append(protowire.AppendTag(nil, num, typ), value...)
}

// pbLen is a length-delimited Protobuf field of the parts.
func pbLen(num protowire.Number, parts ...[]byte) []byte {
	var inner []byte
	for _, p := range parts {
		inner = append(inner, p...)
	}
	return pbField(num, protowire.BytesType, protowire.AppendBytes(nil, inner))
}

// TestProtobufLossPathInExportReplayAndEdit: a Protobuf order whose third
// item's price is a varint longer than it needs is exported with
// value_decoded_lossy naming items[2].price; an edit of another field is
// refused by mqscope replay --reencode --yes and by mqscope edit --yes
// with words that name the field.
func TestProtobufLossPathInExportReplayAndEdit(t *testing.T) {
	const topic, copyTopic, editTopic = "orders.pb", "orders.pb.copy", "orders.pb.edited"
	c := newSchemaCluster(t, topic, copyTopic, editTopic)
	id := c.register(t, topic+"-value", sr.Schema{Type: sr.TypeProtobuf, Schema: `syntax = "proto3"; package acme;
message Item { string sku = 1; int64 price = 2; }
message Order { string id = 1; repeated Item items = 2; }`})
	item := func(sku string, price []byte) []byte {
		return pbLen(2, pbLen(1, []byte(sku)), pbField(2, protowire.VarintType, price))
	}
	body := append(append(append(pbLen(1, []byte("ord-1")), item("a", []byte{1})...), item("b", []byte{2})...), item("c", []byte{0x83, 0x00})...)
	c.produce(t, topic, framedWith(id, body, 1))
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
	if !strings.Contains(string(data), `"value_decoded_lossy":{"kind":"non_canonical","path":"items[2].price","why":"bytes not in the form the encoder writes"}`) {
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
	if code == 0 || !strings.Contains(errOut, "line 1: value: encoding the edit changes more than it shows") || !strings.Contains(errOut, "at items[2].price: bytes not in the form the encoder writes") || !strings.Contains(errOut, beyondEdit) {
		t.Fatalf("edited replay: %d %s %s", code, out, errOut)
	}
	if got := readTopic(t, c.addr, copyTopic); len(got) != 0 {
		t.Fatalf("a refused replay wrote %d messages", len(got))
	}

	script := filepath.Join(t.TempDir(), "editor")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nsed -i 's/\"ord-1\"/\"ord-2\"/' \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", script)
	code, out, errOut = run(t, append(reg, "edit", topic, "0/0", "--to", editTopic, "--yes")...)
	if code == 0 || !strings.Contains(errOut, "not redriven: value: encoding the edit changes more than it shows") || !strings.Contains(errOut, "at items[2].price") || !strings.Contains(errOut, beyondEdit) {
		t.Fatalf("edit --yes: %d %s %s", code, out, errOut)
	}
	if got := readTopic(t, c.addr, editTopic); len(got) != 0 {
		t.Fatalf("a refused edit wrote %d messages", len(got))
	}
}
