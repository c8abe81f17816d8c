package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/internal/testbroker"
)

// TestProduceRedisExportRoundTrip: every line an export of a Redis
// stream writes, produced back with --format jsonl, is the same entry:
// exported again, its value and fields are the same, entry by entry.
func TestProduceRedisExportRoundTrip(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	from, to := prefix+"from", prefix+"to"
	entries := [][]any{
		{"value", "{\"n\":1}\n", "tenant", "acme"},
		{"value", "\xff\x00\xfe", "x-bin", "\x00\x01"},
		{"kind", "whole", "n", "3", "n", "4"},
		{"payload", "p", "data", "d"},
		{"trace", "t1", "body", "b"},
		{"value", ""},
	}
	for _, e := range entries {
		if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: from, Values: e}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	url := testbroker.RedisURL()
	file := filepath.Join(t.TempDir(), "from.jsonl")
	if code, _, errOut := run(t, "--redis", url, "export", from, "-o", file); code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	// the lines name the stream they were read from: they go to the copy
	exported, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	moved := filepath.Join(t.TempDir(), "to.jsonl")
	if err := os.WriteFile(moved, bytes.ReplaceAll(exported, []byte(strconv.Quote(from)), []byte(strconv.Quote(to))), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "--redis", url, "produce", to, "--format", "jsonl", "-f", moved, "--yes")
	if code != 0 {
		t.Fatalf("produce: exit %d: %s\n%s", code, errOut, out)
	}
	code, again, errOut := run(t, "--redis", url, "export", to)
	if code != 0 {
		t.Fatalf("export again: %d %s", code, errOut)
	}
	first, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	a, b := entryLines(t, string(first)), entryLines(t, again)
	if len(a) != len(entries) || !reflect.DeepEqual(a, b) {
		t.Fatalf("export → produce → export differs:\n%v\n%v", a, b)
	}
	got, err := raw.Do(ctx, "XRANGE", to, "-", "+").Slice()
	if err != nil {
		t.Fatal(err)
	}
	if f := got[2].([]any)[1].([]any); !reflect.DeepEqual(f, []any{"kind", "whole", "n", "3", "n", "4"}) { // an entry read whole is its fields again
		t.Fatalf("the whole entry became %q", f)
	}
}

// entryLines are the lines of an export without where each entry was.
func entryLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var ls []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		for _, k := range []string{"conn", "stream", "offset", "position", "timestamp"} {
			delete(m, k)
		}
		ls = append(ls, m)
	}
	return ls
}
