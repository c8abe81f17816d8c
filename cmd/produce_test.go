package cmd

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/kafka"
)

// runAnswering is run with stdin holding answer.
func runAnswering(t *testing.T, answer string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append([]string{"--log-file", filepath.Join(t.TempDir(), "log")}, args...)
	code := Execute(args, strings.NewReader(answer), &out, &errOut)
	return code, out.String(), errOut.String()
}

// produceCluster is a kfake cluster with a topic of three partitions.
func produceCluster(t *testing.T, topic string) string {
	t.Helper()
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, topic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kf.Close)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	return kf.ListenAddrs()[0]
}

// exported reads a topic back with export (jsonl).
func exported(t *testing.T, addr, topic string) []sources.Message {
	t.Helper()
	code, out, errOut := run(t, "--kafka", addr, "export", topic)
	if code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	var got []sources.Message
	dec := capture.NewDecoder(strings.NewReader(out))
	for {
		m, err := dec.Next()
		if err != nil {
			break
		}
		got = append(got, m)
	}
	return got
}

// TestProduceOneKafkaValueByteExact: the file's bytes (a trailing newline
// and a NUL included) are the value, the key and headers as given, on the
// partition murmur2 of the key gives, at the offset produce printed; the
// audit log has its line.
func TestProduceOneKafkaValueByteExact(t *testing.T) {
	addr := produceCluster(t, "pub")
	file := filepath.Join(t.TempDir(), "value")
	value := []byte("{\"id\":1}\x00\xff\n")
	if err := os.WriteFile(file, value, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "--kafka", addr, "produce", "pub", "--key", "order-7", "--header", "tenant=acme", "--header", "trace=a=b", "-f", file)
	if code != 0 {
		t.Fatalf("produce: %d %s", code, errOut)
	}
	part := int32(kafka.Murmur2([]byte("order-7"))&0x7fffffff) % 3
	if want := fmt.Sprintf("published: pub p%d@0\n", part); out != want {
		t.Fatalf("produce said %q, want %q", out, want)
	}
	got := exported(t, addr, "pub")
	if len(got) != 1 {
		t.Fatalf("%d messages read back", len(got))
	}
	m := got[0]
	if m.Partition != part || string(m.Key) != "order-7" || !bytes.Equal(m.Value, value) ||
		fmt.Sprintf("%q", m.Headers) != `[{"tenant" "acme"} {"trace" "a=b"}]` {
		t.Fatalf("read back %+v", m)
	}
	audit, err := os.ReadFile(filepath.Join(os.Getenv("XDG_STATE_HOME"), "mqscope", "audit.jsonl"))
	if err != nil || !strings.Contains(string(audit), `"action":"publish"`) || !strings.Contains(string(audit), fmt.Sprintf(`"result":"published: pub p%d@0"`, part)) {
		t.Fatalf("audit: %v\n%s", err, audit)
	}
	if code, out, _ := run(t, "--kafka", addr, "produce", "pub", "--value", "v", "--partition", "2", "--json"); code != 0 || out != `{"stream":"pub","published":true,"partition":2,"offset":0}`+"\n" {
		t.Fatalf("--partition 2 --json: %d %q", code, out)
	}
	if code, _, errOut := run(t, "--kafka", addr, "produce", "pub", "--value", "v", "--partition", "3"); code == 0 || !strings.Contains(errOut, "partition 3 does not exist") {
		t.Fatalf("--partition 3: %d %s", code, errOut)
	}
}

// TestProduceJSONLRoundTrip: 10,000 lines of an export (binary keys,
// values and headers, null keys and tombstones) produced and exported
// again are the same messages.
func TestProduceJSONLRoundTrip(t *testing.T) {
	addr := produceCluster(t, "bulk")
	rnd := rand.New(rand.NewPCG(1, 2))
	var buf bytes.Buffer
	enc := capture.NewEncoder(&buf)
	var want []string
	for i := range 10_000 {
		m := sources.Message{Stream: "bulk", Partition: 0, Offset: int64(i), Key: fmt.Appendf(nil, "k%d", i%97), Value: make([]byte, rnd.IntN(40))}
		for j := range m.Value {
			m.Value[j] = byte(rnd.UintN(256))
		}
		switch i % 50 {
		case 0:
			m.Key = nil
		case 1:
			m.Value = nil
		}
		m.Headers = []sources.Header{{Key: "n", Value: fmt.Appendf(nil, "%d", i)}, {Key: "bin", Value: []byte{byte(i), 0, 0xff}}}
		if err := enc.Encode(&m); err != nil {
			t.Fatal(err)
		}
		want = append(want, identity(m))
	}
	if err := enc.Flush(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "bulk.jsonl")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "--kafka", addr, "produce", "bulk", "--format", "jsonl", "-f", file, "--yes")
	if code != 0 || !strings.HasPrefix(out, "published 10000 messages to bulk") {
		t.Fatalf("produce: %d %s %s", code, out, errOut)
	}
	var got []string
	for _, m := range exported(t, addr, "bulk") {
		got = append(got, identity(m))
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("%d messages read back, %d written, or they differ", len(got), len(want))
	}
}

// identity is a message's key, value and headers, null kept apart from empty.
func identity(m sources.Message) string {
	return fmt.Sprintf("%t %q %t %q %q", m.Key == nil, m.Key, m.Value == nil, m.Value, m.Headers)
}

// TestProduceManyAsksForTheCount: three kcat lines need the count typed;
// an empty answer (the default), "y" and a wrong count publish nothing;
// the count or the stream's name publishes; stdin that is a file is not
// asked and needs --yes.
func TestProduceManyAsksForTheCount(t *testing.T) {
	addr := produceCluster(t, "lines")
	file := filepath.Join(t.TempDir(), "lines")
	if err := os.WriteFile(file, []byte("a:1\nb:2\nno delimiter\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--kafka", addr, "produce", "lines", "--format", "kcat", "-K", ":", "-f", file}
	for _, answer := range []string{"", "\n", "y\n", "yes\n", "2\n", "4\n", "line\n"} {
		code, out, errOut := runAnswering(t, answer, args...)
		if code == 0 || !strings.Contains(errOut, "Type 3 (or lines) to publish") || out != "" {
			t.Fatalf("answer %q: %d %q %s", answer, code, out, errOut)
		}
	}
	if n := len(exported(t, addr, "lines")); n != 0 {
		t.Fatalf("%d published without the count typed", n)
	}
	for _, answer := range []string{"3\n", "lines\n"} {
		if code, out, errOut := runAnswering(t, answer, args...); code != 0 || strings.Count(out, "published: lines p") != 3 {
			t.Fatalf("answer %q: %d %s %s", answer, code, out, errOut)
		}
	}
	got := exported(t, addr, "lines")
	var kv []string
	for _, m := range got {
		kv = append(kv, fmt.Sprintf("%q=%q", m.Key, m.Value))
	}
	slices.Sort(kv)
	if want := []string{`""="no delimiter"`, `""="no delimiter"`, `"a"="1"`, `"a"="1"`, `"b"="2"`, `"b"="2"`}; !slices.Equal(kv, want) {
		t.Fatalf("read back %v", kv)
	}
	stdin, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	var out, errOut bytes.Buffer
	code := Execute(append([]string{"--log-file", filepath.Join(t.TempDir(), "log")}, "--kafka", addr, "produce", "lines", "--format", "kcat"), stdin, &out, &errOut)
	if code == 0 || !strings.Contains(errOut.String(), "pass --yes") {
		t.Fatalf("from a file on stdin without --yes: %d %s", code, errOut.String())
	}
}

// TestProduceRefusedReadOnly: --read-only and a read-only config entry
// refuse a produce, and nothing is written.
func TestProduceRefusedReadOnly(t *testing.T) {
	addr := produceCluster(t, "ro")
	if code, _, errOut := run(t, "--read-only", "--kafka", addr, "produce", "ro", "--value", "x"); code == 0 || !strings.Contains(errOut, "read-only") {
		t.Fatalf("--read-only: %d %s", code, errOut)
	}
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte("connections:\n  local:\n    kind: kafka\n    brokers: ["+addr+"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run(t, "--config", cfg, "produce", "ro", "--value", "x"); code == 0 || !strings.Contains(errOut, "read_only: false") {
		t.Fatalf("a read-only config entry: %d %s", code, errOut)
	}
	if n := len(exported(t, addr, "ro")); n != 0 {
		t.Fatalf("%d written on a read-only connection", n)
	}
}

// TestProduceKcatDelimiters: -D ends messages with a delimiter of its own
// (newlines kept in values), -K splits the key off.
func TestProduceKcatDelimiters(t *testing.T) {
	addr := produceCluster(t, "delims")
	file := filepath.Join(t.TempDir(), "msgs")
	if err := os.WriteFile(file, []byte("k1=line one\nline two;;k2=x;;"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := run(t, "--kafka", addr, "produce", "delims", "--format", "kcat", "-D", ";;", "-K", "=", "-f", file, "--yes"); code != 0 || strings.Count(out, "published: ") != 2 {
		t.Fatalf("produce: %d %s %s", code, out, errOut)
	}
	var kv []string
	for _, m := range exported(t, addr, "delims") {
		kv = append(kv, fmt.Sprintf("%q=%q", m.Key, m.Value))
	}
	slices.Sort(kv)
	if want := []string{`"k1"="line one\nline two"`, `"k2"="x"`}; !slices.Equal(kv, want) {
		t.Fatalf("read back %v", kv)
	}
}
