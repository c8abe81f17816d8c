package cmd

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/encoding/protowire"
)

// TestNegativeZeroExportReplay: an Avro and a Protobuf double -0.0 are
// exported as -0, not lossy; a line with another field edited replays
// with --reencode --yes, the double's bytes (its sign bit) unchanged.
func TestNegativeZeroExportReplay(t *testing.T) {
	const avroTopic, protoTopic, copyTopic = "nz.avro", "nz.proto", "nz.copy"
	c := newSchemaCluster(t, avroTopic, protoTopic, copyTopic)
	avroID := c.register(t, "nz.avro-value", sr.Schema{Schema: `{"type":"record","name":"Z","fields":[{"name":"id","type":"string"},{"name":"dbl","type":"double"}]}`})
	protoID := c.register(t, "nz.proto-value", sr.Schema{Type: sr.TypeProtobuf, Schema: `syntax = "proto3"; package nz; message Z { string id = 1; double d = 2; }`})
	negZero := binary.LittleEndian.AppendUint64(nil, math.Float64bits(math.Copysign(0, -1)))
	avroBody := func(id string) []byte {
		return append(append([]byte{byte(2 * len(id))}, id...), negZero...)
	}
	protoBody := func(id string) []byte {
		b := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), id)
		return protowire.AppendFixed64(protowire.AppendTag(b, 2, protowire.Fixed64Type), math.Float64bits(math.Copysign(0, -1)))
	}
	c.produce(t, avroTopic, framedWith(avroID, avroBody("a1")))
	c.produce(t, protoTopic, framedWith(protoID, protoBody("p1"), 0))
	t.Setenv("XDG_STATE_HOME", t.TempDir())

	cases := []struct {
		topic, doc, from, to string
		want                 []byte
	}{
		{avroTopic, `{"id":"a1","dbl":-0}`, `"id":"a1"`, `"id":"a2"`, framedWith(avroID, avroBody("a2"))},
		{protoTopic, `{"id":"p1","d":-0}`, `"id":"p1"`, `"id":"p2"`, framedWith(protoID, protoBody("p2"), 0)},
	}
	for i, k := range cases {
		file := filepath.Join(t.TempDir(), "nz.jsonl")
		if code, _, errOut := run(t, append(c.args(), "export", k.topic, "-o", file)...); code != 0 {
			t.Fatalf("export %s: %d %s", k.topic, code, errOut)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		recs := records(t, string(data))
		if len(recs) != 1 || recs[0].ValueDecodedLossy != nil || string(recs[0].ValueDecoded) != k.doc {
			t.Fatalf("export %s:\n%s", k.topic, data)
		}
		line := strings.TrimSpace(string(data))
		edited := strings.Replace(line, k.from, k.to, 1)
		if edited == line {
			t.Fatalf("no %s in %s", k.from, line)
		}
		editedFile := filepath.Join(t.TempDir(), "edited.jsonl")
		if err := os.WriteFile(editedFile, []byte(edited+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := run(t, append(c.args(), "replay", editedFile, "--to", copyTopic, "--yes", "--reencode")...)
		if code != 0 {
			t.Fatalf("edited replay %s: %d %s %s", k.topic, code, out, errOut)
		}
		read := readTopic(t, c.addr, copyTopic)
		if len(read) != i+1 || !bytes.Equal(read[i], k.want) || !bytes.Contains(read[i], negZero) {
			t.Fatalf("replayed %x, want %x\n%s", read, k.want, errOut)
		}
	}
}
