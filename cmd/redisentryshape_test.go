package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/internal/testbroker"
)

// TestReplayRedisExportKeepsTheValueField: an entry whose value is a
// field other than "value" (payload, data, body), in any place among its
// pairs, exported and replayed to another stream, is the same entry: the
// export line says which field and where (properties "value field" and
// "value pair"), and the replay writes it back under its own name there.
func TestReplayRedisExportKeepsTheValueField(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	from, to, url := prefix+"var", prefix+"var2", testbroker.RedisURL()
	entries := [][]string{
		{"payload", "p", "tenant", "acme"},
		{"tenant", "acme", "data", "d"},
		{"trace", "t1", "body", "b", "n", "2"},
		{"value", "v"},
	}
	for _, e := range entries {
		values := make([]any, len(e))
		for i, v := range e {
			values[i] = v
		}
		if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: from, Values: values}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(t.TempDir(), "var.jsonl")
	if code, _, errOut := run(t, "--redis", url, "export", from, "-o", file); code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	lines, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if first, _, _ := strings.Cut(string(lines), "\n"); !strings.Contains(first, `"properties":{"value field":"payload","value pair":1}`) {
		t.Fatalf("the export line does not say which field is the value: %s", first)
	}
	if code, out, errOut := run(t, "--redis", url, "replay", file, "--to", to, "--yes"); code != 0 {
		t.Fatalf("replay: %d %s %s", code, out, errOut)
	}
	got, err := raw.Do(ctx, "XRANGE", to, "-", "+").Slice()
	if err != nil || len(got) != len(entries) {
		t.Fatalf("xrange %s: %v %v", to, err, got)
	}
	for i, e := range got {
		fields := e.([]any)[1].([]any)
		var names []string
		for _, f := range fields {
			names = append(names, f.(string))
		}
		if strings.Join(names, " ") != strings.Join(entries[i], " ") {
			t.Errorf("entry %d: %q, want %q", i+1, names, entries[i])
		}
	}
}

// TestProduceRedisExportToKafka: a Redis export line produced to Kafka is
// written: the entry's shape is a Redis stream's to read, not a property
// a Kafka record would have to refuse.
func TestProduceRedisExportToKafka(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	addr := produceCluster(t, "shaped")
	file := filepath.Join(t.TempDir(), "line.jsonl")
	line := `{"conn":"redis","stream":"shaped","partition":-1,"offset":1,"position":"1-1","timestamp":"2026-12-03T09:17:26.127Z","value":"p","headers":[{"key":"tenant","value":"acme"}],"properties":{"value field":"payload","value pair":2}}` + "\n"
	if err := os.WriteFile(file, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "--kafka", addr, "produce", "shaped", "--format", "jsonl", "-f", file, "--yes")
	if code != 0 {
		t.Fatalf("produce: %d %s %s", code, out, errOut)
	}
	ms := exported(t, addr, "shaped")
	if len(ms) != 1 || string(ms[0].Value) != "p" || len(ms[0].Headers) != 1 || ms[0].Headers[0].Key != "tenant" {
		t.Fatalf("read back %+v", ms)
	}
}
