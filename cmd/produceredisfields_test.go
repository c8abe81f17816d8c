package cmd

import (
	"context"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/replay/capture"
)

// TestProduceRedisKeyAndValueClash: produce to a Redis stream refuses a
// --key (an entry has none) and a header named like the value's field,
// writing nothing; a key given as a field reads back as that header, with
// the value as the value.
func TestProduceRedisKeyAndValueClash(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	url, rc := redisClient(t)
	ctx := context.Background()
	key := "mqscope-test:produce:" + testName("fields")
	t.Cleanup(func() { rc.Del(context.Background(), key) })

	code, out, errOut := run(t, "--redis", url, "produce", key, "--key", "kk", "--value", "x")
	if code == 0 || !strings.Contains(errOut, "has no key") || !strings.Contains(errOut, "--header key=") {
		t.Fatalf("--key: %d %q %q", code, out, errOut)
	}
	code, out, errOut = run(t, "--redis", url, "produce", key, "--value", "x", "--header", "value=clash")
	if code == 0 || !strings.Contains(errOut, `header "value"`) {
		t.Fatalf("--header value=: %d %q %q", code, out, errOut)
	}
	if n, err := rc.Exists(ctx, key).Result(); err != nil || n != 0 {
		t.Fatalf("a refused produce wrote to %s (%d, %v)", key, n, err)
	}

	if code, out, errOut := run(t, "--redis", url, "produce", key, "--value", "x", "--header", "key=kk"); code != 0 {
		t.Fatalf("produce: %d %q %s", code, out, errOut)
	}
	code, out, errOut = run(t, "--redis", url, "export", key)
	if code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	m, err := capture.NewDecoder(strings.NewReader(out)).Next()
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Value) != "x" || len(m.Headers) != 1 || m.Headers[0].Key != "key" || string(m.Headers[0].Value) != "kk" {
		t.Fatalf("read back value %q headers %+v", m.Value, m.Headers)
	}
}
