package cmd

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	goredis "github.com/redis/go-redis/v9"
)

// TestReplayNATSExportToAnotherSubject: a JetStream stream exported to
// JSONL and replayed to a subject of another stream lands there with the
// same values and headers, in order.
func TestReplayNATSExportToAnotherSubject(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	url, js := natsJS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	from, to := testName("REPLAYFROM"), testName("REPLAYTO")
	for _, name := range []string{from, to} {
		if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{name + ".>"}}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = js.DeleteStream(context.Background(), name) })
	}
	values := [][]byte{[]byte("{\"n\":1}\n"), {0xff, 0x00, 0xfe}, []byte("caf\xc3\xa9")}
	for i, v := range values {
		m := natsgo.NewMsg(from + ".in")
		m.Data = v
		m.Header.Add("tenant", "acme")
		m.Header.Add("x-n", string(rune('a'+i)))
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(t.TempDir(), "n2.jsonl")
	if code, _, errOut := run(t, "--nats", url, "export", from, "-o", file); code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	code, out, errOut := run(t, "--nats", url, "replay", file, "--to", to+".copy", "--yes")
	if code != 0 {
		t.Fatalf("replay: %d %q %s", code, out, errOut)
	}
	s, err := js.Stream(ctx, to)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range values {
		m, err := s.GetMsg(ctx, uint64(i+1))
		if err != nil {
			t.Fatalf("message %d: %v", i+1, err)
		}
		if m.Subject != to+".copy" || !bytes.Equal(m.Data, v) || m.Header.Get("tenant") != "acme" || m.Header.Get("x-n") != string(rune('a'+i)) {
			t.Fatalf("message %d: %s %q %v", i+1, m.Subject, m.Data, m.Header)
		}
	}
	if info, err := s.Info(ctx); err != nil || info.State.Msgs != uint64(len(values)) {
		t.Fatalf("stream %s holds %+v (%v), want %d messages", to, info, err, len(values))
	}
}

// TestReplayRedisExportToAnotherStream: a Redis stream exported to JSONL
// and replayed to another stream holds the same entries, field for field
// and byte for byte, an entry read as a whole (no value field) included.
func TestReplayRedisExportToAnotherStream(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	url, rc := redisClient(t)
	ctx := context.Background()
	from, to := "mqscope-test:replay:"+testName("from"), "mqscope-test:replay:"+testName("to")
	t.Cleanup(func() { rc.Del(context.Background(), from, to) })
	entries := [][]any{
		{"value", "{\"n\":1}\n", "tenant", "acme"},
		{"value", "\xff\x00\xfe", "x-n", "b"},
		{"kind", "whole", "n", "3"},
	}
	for _, e := range entries {
		if err := rc.XAdd(ctx, &goredis.XAddArgs{Stream: from, Values: e}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(t.TempDir(), "r.jsonl")
	if code, _, errOut := run(t, "--redis", url, "export", from, "-o", file); code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	code, out, errOut := run(t, "--redis", url, "replay", file, "--to", to, "--yes")
	if code != 0 {
		t.Fatalf("replay: %d %q %s", code, out, errOut)
	}
	got, err := rc.Do(ctx, "XRANGE", to, "-", "+").Slice()
	if err != nil || len(got) != len(entries) {
		t.Fatalf("xrange %s: %v %v", to, err, got)
	}
	for i, e := range got {
		fields := e.([]any)[1].([]any)
		if len(fields) != len(entries[i]) {
			t.Fatalf("entry %d: %q, want %q", i+1, fields, entries[i])
		}
		for j := range fields {
			if fields[j] != entries[i][j] {
				t.Fatalf("entry %d: %q, want %q", i+1, fields, entries[i])
			}
		}
	}
}
