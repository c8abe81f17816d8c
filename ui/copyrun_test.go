package ui

import (
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/kafka"
)

// copyCluster is a kfake cluster with topic (one partition) and a
// connection to it opened from a flag's address, not the config.
func copyCluster(t *testing.T, topic string) *kafka.Conn {
	t.Helper()
	return copyClusterPartitions(t, topic, 1)
}

// copyClusterPartitions is copyCluster with n partitions.
func copyClusterPartitions(t *testing.T, topic string, n int32) *kafka.Conn {
	t.Helper()
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(n, topic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kf.Close)
	conn, err := kafka.Dial(context.Background(), kafka.Options{Brokers: kf.ListenAddrs()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// readAll reads n messages of topic from its start.
func readAll(t *testing.T, conn sources.Conn, topic string, n int) []sources.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sub, err := conn.(sources.Reader).Read(ctx, topic, sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var got []sources.Message
	for len(got) < n {
		ms, err := sub.Next(ctx, n-len(got))
		if err != nil {
			t.Fatalf("read back %d of %d: %v", len(got), n, err)
		}
		got = append(got, ms...)
	}
	return got
}

// sameMessage says how got differs from want in key, value and headers,
// byte for byte and null apart from empty ("" when it does not).
func sameMessage(got, want sources.Message) string {
	same := func(a, b []byte) bool { return bytes.Equal(a, b) && (a == nil) == (b == nil) }
	switch {
	case !same(got.Key, want.Key):
		return fmt.Sprintf("key %q, want %q", got.Key, want.Key)
	case !same(got.Value, want.Value):
		return fmt.Sprintf("value %q, want %q", got.Value, want.Value)
	case len(got.Headers) != len(want.Headers):
		return fmt.Sprintf("headers %q, want %q", got.Headers, want.Headers)
	}
	for i := range want.Headers {
		if got.Headers[i].Key != want.Headers[i].Key || !same(got.Headers[i].Value, want.Headers[i].Value) {
			return fmt.Sprintf("header %d %q=%q, want %q=%q", i, got.Headers[i].Key, got.Headers[i].Value, want.Headers[i].Key, want.Headers[i].Value)
		}
	}
	return ""
}

// runCopied runs a copied command line in sh with the mqscope binary first
// on PATH and the state in a directory of the test's.
func runCopied(t *testing.T, line string) string {
	t.Helper()
	cmd := exec.Command("sh", "-c", line)
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(mqscopeBinary(t))+":"+os.Getenv("PATH"), "XDG_STATE_HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s\n=> %v\n%s", line, err, out)
	}
	return string(out)
}

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// mqscopeBinary builds mqscope once for the tests that run copied commands.
func mqscopeBinary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mqscope-bin-")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "mqscope")
		out, err := exec.Command("go", "build", "-o", binaryPath, "github.com/mqscope/mqscope").CombinedOutput()
		if err != nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	return binaryPath
}

// copyCases are messages whose every byte must come back: binary and
// line breaks in the value, a NUL in the key, null and empty values and
// keys, a null header value, a header name with "=" in it.
func copyCases(topic string) []sources.Message {
	bin := []byte("a\x00b\nc\r\n\xff\x1b[2J\n")
	return []sources.Message{
		{Stream: topic, Key: []byte("k\x00ey"), Value: bin, Headers: []sources.Header{{Key: "bin", Value: []byte{0xff, 0x01}}, {Key: "none", Value: nil}, {Key: "empty", Value: []byte{}}}},
		{Stream: topic, Key: []byte("gone"), Value: nil},
		{Stream: topic, Key: []byte("blank"), Value: []byte{}},
		{Stream: topic, Key: nil, Value: []byte("no key\n")},
		{Stream: topic, Key: []byte("#mqscope-key#"), Value: []byte("#mqscope-end#x#mqscope-key#")},
		{Stream: topic, Key: []byte(""), Value: []byte("empty key")},
	}
}

// TestCopiedKcatCommandRunsByteExact: each kcat command line the copy menu
// gives, run with kcat against a broker, writes the message back byte
// for byte: key, value (null or empty), headers (a null one too).
func TestCopiedKcatCommandRunsByteExact(t *testing.T) {
	if _, err := exec.LookPath("kcat"); err != nil {
		t.Fatalf("kcat is needed on PATH (scripts/test installs it): %v", err)
	}
	const topic = "copy-kcat"
	conn := copyCluster(t, topic)
	want := copyCases(topic)
	for _, m := range want {
		line, err := kcatCommand(conn.Address(), &m)
		if err != nil {
			t.Fatalf("kcat command for %q: %v", m.Key, err)
		}
		if strings.Contains(line, "/dev/stdin") {
			t.Fatalf("a file argument: %s", line)
		}
		runCopied(t, line)
	}
	got := readAll(t, conn, topic, len(want))
	for i := range want {
		if d := sameMessage(got[i], want[i]); d != "" {
			t.Fatalf("message %d: %s", i, d)
		}
	}
	for _, m := range []sources.Message{{Stream: topic, Value: []byte{}}, {Stream: topic, Key: []byte{}, Value: nil},
		{Stream: topic, Key: []byte("k"), Value: []byte("v"), Headers: []sources.Header{{Key: "a=b", Value: []byte("x")}}}} {
		if line, err := kcatCommand(conn.Address(), &m); err == nil {
			t.Fatalf("kcat cannot say %+v, yet copied %s", m, line)
		}
	}
}

// TestCopiedProduceCommandRunsByteExact: the mqscope produce command line
// of each message names the broker by its flag (the connection is not the
// config's), and run, publishes it back byte for byte; a header name with
// "=" and a null header value go as a capture line; header names with
// control characters go as flags all the same.
func TestCopiedProduceCommandRunsByteExact(t *testing.T) {
	const topic = "copy-produce"
	conn := copyCluster(t, topic)
	want := copyCases(topic)
	want = append(want, sources.Message{Stream: topic, Key: []byte("ctl"), Value: []byte("v"), Headers: ctlHeaders},
		sources.Message{Stream: topic, Key: []byte("k"), Value: []byte("v"), Headers: []sources.Header{{Key: "s19-a=b", Value: []byte("x")}}})
	for _, m := range want {
		line, err := produceCommand(conn, &m)
		if err != nil {
			t.Fatalf("produce command for %q: %v", m.Key, err)
		}
		if !strings.Contains(line, "mqscope --kafka '"+conn.Address()+"' produce ") || strings.Contains(line, " -c ") {
			t.Fatalf("the connection is not named by its flag: %s", line)
		}
		runCopied(t, line)
	}
	got := readAll(t, conn, topic, len(want))
	for i := range want {
		if d := sameMessage(got[i], want[i]); d != "" {
			t.Fatalf("message %d: %s", i, d)
		}
	}
	if line, _ := produceCommand(conn, &want[len(want)-1]); !strings.Contains(line, "--format jsonl") {
		t.Fatalf("a header name with = copied as flags: %s", line)
	}
}

// TestCopiedKcatCommandKeepsPartition: the kcat command names the
// message's partition, so the copy lands where the original is: a keyed
// message in a partition other than the one kcat's own partitioner
// (crc32 of the key) picks, and a message without a key in partition 2.
func TestCopiedKcatCommandKeepsPartition(t *testing.T) {
	if _, err := exec.LookPath("kcat"); err != nil {
		t.Fatalf("kcat is needed on PATH (scripts/test installs it): %v", err)
	}
	const topic = "copy-kcat-partition"
	conn := copyClusterPartitions(t, topic, 3)
	key := []byte("order-17")
	keyed := (int32(crc32.ChecksumIEEE(key)%3) + 1) % 3 // not where kcat would put it
	want := []sources.Message{
		{Stream: topic, Partition: keyed, Key: key, Value: []byte("keyed")},
		{Stream: topic, Partition: 2, Key: nil, Value: []byte("no key")},
	}
	for _, m := range want {
		line, err := kcatCommand(conn.Address(), &m)
		if err != nil {
			t.Fatalf("kcat command for %q: %v", m.Value, err)
		}
		if !strings.Contains(line, fmt.Sprintf(" -p %d ", m.Partition)) {
			t.Fatalf("no partition in %s", line)
		}
		runCopied(t, line)
	}
	got := readAll(t, conn, topic, len(want))
	for _, w := range want {
		found := false
		for _, g := range got {
			if string(g.Value) != string(w.Value) {
				continue
			}
			found = true
			if d := sameMessage(g, w); d != "" {
				t.Fatalf("%q: %s", w.Value, d)
			}
			if g.Partition != w.Partition {
				t.Fatalf("%q copied to partition %d, the original is in %d", w.Value, g.Partition, w.Partition)
			}
		}
		if !found {
			t.Fatalf("%q not read back: %+v", w.Value, got)
		}
	}
}
