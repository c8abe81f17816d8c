package cmd

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

// TestDecimalEditPaddedToScale: a decimal edited to fewer places than its
// scale ("1.5" at scale 3) is written as the number it is, padded
// ("1.500"), without being taken for a change beyond the edit.
func TestDecimalEditPaddedToScale(t *testing.T) {
	const topic, copyTopic = "ledger", "ledger.copy"
	c := newSchemaCluster(t, topic, copyTopic)
	id := c.register(t, "ledger-value", sr.Schema{Schema: `{"type":"record","name":"L","fields":[
	  {"name":"dfix","type":{"type":"fixed","name":"D","size":8,"logicalType":"decimal","precision":12,"scale":3}},
	  {"name":"dbytes","type":{"type":"bytes","logicalType":"decimal","precision":12,"scale":3}}]}`})
	body := append(bytes.Repeat([]byte{0xff}, 8), 2, 0xff) // dfix -0.001, dbytes -0.001
	c.produce(t, topic, framedWith(id, body))
	t.Setenv("XDG_STATE_HOME", t.TempDir())

	file := filepath.Join(t.TempDir(), "ledger.jsonl")
	if code, _, errOut := run(t, append(c.args(), "export", topic, "-o", file)...); code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(strings.Replace(string(data), `"dfix":"-0.001"`, `"dfix":"1.5"`, 1), `"dbytes":"-0.001"`, `"dbytes":"2"`, 1)
	if edited == string(data) || strings.Count(edited, `"1.5"`) != 1 || strings.Count(edited, `"2"`) != 1 {
		t.Fatalf("no decimals to edit in\n%s", data)
	}
	if err := os.WriteFile(file, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := run(t, append(c.args(), "replay", file, "--to", copyTopic, "--yes", "--reencode")...); code != 0 {
		t.Fatalf("replay: %d %s %s", code, out, errOut)
	}
	want := binary.BigEndian.AppendUint64(nil, 1500)
	want = append(want, 4, 0x07, 0xd0) // 2000
	if got := readTopic(t, c.addr, copyTopic); len(got) != 1 || !bytes.Equal(got[0], framedWith(id, want)) {
		t.Fatalf("written %x, want %x", got, framedWith(id, want))
	}
}
