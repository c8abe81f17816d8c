package cmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/kafka"
)

// readMessages is every message of topic, in order.
func readMessages(t *testing.T, addr, topic string) []sources.Message {
	t.Helper()
	conn, err := kafka.Dial(context.Background(), kafka.Options{Name: "k", Brokers: []string{addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return testbroker.ReadAll(t, conn, topic)
}

// sameBytes says whether two messages carry the same key, value and
// headers, byte for byte.
func sameBytes(a, b sources.Message) bool {
	if !bytes.Equal(a.Key, b.Key) || !bytes.Equal(a.Value, b.Value) || len(a.Headers) != len(b.Headers) {
		return false
	}
	for i := range a.Headers {
		if a.Headers[i].Key != b.Headers[i].Key || !bytes.Equal(a.Headers[i].Value, b.Headers[i].Value) {
			return false
		}
	}
	return true
}

// TestKcatFormatIsByteExact: keys, values and headers that are not UTF-8
// go through export --format kcat and replay byte for byte (the line
// keeps kcat's fields and adds *_b64), and a kcat -J line holding such
// bytes raw in its strings replays them as they are.
func TestKcatFormatIsByteExact(t *testing.T) {
	const topic, copyTopic, kcatTopic = "bin", "bin.copy", "bin.kcat"
	c := newSchemaCluster(t, topic, copyTopic, kcatTopic)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	sent := []sources.Message{
		{Key: []byte{0xff, 'k', 0x00}, Value: []byte{0, 0, 0, 0, 0xd2, 0x01, 'x'}, Headers: []sources.Header{{Key: "trace", Value: []byte{0xc3, 0x28}}, {Key: "ok", Value: []byte("fine")}}},
		{Key: []byte("plain"), Value: []byte(`{"a":"é"}`)},
	}
	pc := sarama.NewConfig()
	pc.Producer.Return.Successes = true
	p, err := sarama.NewSyncProducer([]string{c.addr}, pc)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range sent {
		pm := &sarama.ProducerMessage{Topic: topic, Key: sarama.ByteEncoder(m.Key), Value: sarama.ByteEncoder(m.Value)}
		for _, h := range m.Headers {
			pm.Headers = append(pm.Headers, sarama.RecordHeader{Key: []byte(h.Key), Value: h.Value})
		}
		if _, _, err := p.SendMessage(pm); err != nil {
			t.Fatal(err)
		}
	}
	p.Close()

	file := filepath.Join(t.TempDir(), "bin.kcat.json")
	if code, _, errOut := run(t, "--kafka", c.addr, "export", topic, "--format", "kcat", "-o", file); code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"payload_b64":"AAAAANIBeA=="`) || !strings.Contains(lines[0], `"key_b64":"/2sA"`) ||
		!strings.Contains(lines[0], `"headers_b64":[null,"wyg=",null,null]`) || strings.Contains(lines[1], "_b64") {
		t.Fatalf("kcat lines:\n%s", data)
	}
	if code, out, errOut := run(t, "--kafka", c.addr, "replay", file, "--to", copyTopic, "--yes"); code != 0 {
		t.Fatalf("replay: %d %s %s", code, out, errOut)
	}
	got := readMessages(t, c.addr, copyTopic)
	if len(got) != 2 || !sameBytes(got[0], sent[0]) || !sameBytes(got[1], sent[1]) {
		t.Fatalf("replayed %+v", got)
	}

	// kcat -J writes bytes that are not UTF-8 raw inside its strings.
	kcatLine := "{\"topic\":\"bin\",\"partition\":0,\"offset\":0,\"tstype\":\"create\",\"ts\":1700000000000,\"broker\":0," +
		"\"headers\":[\"trace\",\"\xc3\x28\"],\"key\":\"\xffk\\u0000\",\"payload\":\"\\u0000\\u0000\\u0000\\u0000\xd2\\u0001x\"}\n"
	kcatFile := filepath.Join(t.TempDir(), "kcat.json")
	if err := os.WriteFile(kcatFile, []byte(kcatLine), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := run(t, "--kafka", c.addr, "replay", kcatFile, "--to", kcatTopic, "--yes"); code != 0 {
		t.Fatalf("replay of kcat's line: %d %s %s", code, out, errOut)
	}
	want := sources.Message{Key: sent[0].Key, Value: sent[0].Value, Headers: sent[0].Headers[:1]}
	if got := readMessages(t, c.addr, kcatTopic); len(got) != 1 || !sameBytes(got[0], want) {
		t.Fatalf("replayed %+v", got)
	}
}
