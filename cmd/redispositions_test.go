package cmd

import (
	"context"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/internal/testbroker"
)

// redisOrders fills a stream of the test's own with entries of known ids
// (the last a duplicate of the first) and returns its key.
func redisOrders(t *testing.T) string {
	t.Helper()
	raw, prefix := testbroker.RedisKeys(t)
	key := prefix + "orders"
	for _, e := range []struct{ id, value string }{
		{"1700000000000-0", `{"order":"ord-1"}`},
		{"1700000000000-1", `{"order":"ord-2"}`},
		{"1700000000005-2", `{"order":"ord-1"}`},
	} {
		if err := raw.XAdd(context.Background(), &goredis.XAddArgs{Stream: key, ID: e.id, Values: []any{"value", e.value}}).Err(); err != nil {
			t.Fatalf("xadd: %v", err)
		}
	}
	return key
}

// TestRedisOutputNamesEntryIDs: tail, export and check name a Redis
// entry by its id, never by the offset it is packed into.
func TestRedisOutputNamesEntryIDs(t *testing.T) {
	key := redisOrders(t)
	url := testbroker.RedisURL()

	code, out, errOut := run(t, "--redis", url, "tail", key, "--from", "oldest", "--limit", "3")
	if code != 0 {
		t.Fatalf("tail: exit %d: %s", code, errOut)
	}
	for _, id := range []string{"1700000000000-0", "1700000000000-1", "1700000000005-2"} {
		if !strings.Contains(out, key+"@"+id+" ") {
			t.Errorf("tail does not name %s@%s:\n%s", key, id, out)
		}
	}

	code, out, errOut = run(t, "--redis", url, "export", key)
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], `"position":"1700000000000-0"`) || !strings.Contains(lines[2], `"position":"1700000000005-2"`) {
		t.Fatalf("export:\n%s", out)
	}

	code, out, errOut = run(t, "--redis", url, "check", key)
	if code == 0 || !strings.Contains(out, key+"@1700000000005-2") || strings.Contains(out, "1782") {
		t.Fatalf("check: exit %d: %s\n%s", code, errOut, out)
	}

	// --from and --until take entry ids.
	code, out, errOut = run(t, "--redis", url, "export", key, "--from", "1700000000000-1", "--until", "id:1700000000005-2")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); code != 0 || len(lines) != 2 || !strings.Contains(lines[0], `"position":"1700000000000-1"`) {
		t.Fatalf("export from an id: exit %d: %s\n%s", code, errOut, out)
	}
	code, out, errOut = run(t, "--redis", url, "tail", key, "--from", "id:1700000000005", "--limit", "1")
	if code != 0 || !strings.Contains(out, key+"@1700000000005-2 ") {
		t.Fatalf("tail from an id: exit %d: %s\n%s", code, errOut, out)
	}
	if code, _, errOut := run(t, "--redis", url, "export", key, "--from", "id:nonsense"); code == 0 || !strings.Contains(errOut, "entry id") {
		t.Fatalf("a bad id: exit %d: %s", code, errOut)
	}
}
