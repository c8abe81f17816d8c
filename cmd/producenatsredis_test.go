package cmd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	goredis "github.com/redis/go-redis/v9"
)

// testName is a name no other test uses.
func testName(prefix string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return prefix + "_" + strings.ToUpper(hex.EncodeToString(b))
}

func envOrDefault(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// TestProduceNATSOneMessage: a message produced to a JetStream stream by
// its name lands on the stream's subject, at the sequence produce printed,
// with its value and header.
func TestProduceNATSOneMessage(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	url, js := natsJS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := testName("PRODUCE")
	s, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{name + ".events"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), name) })
	code, out, errOut := run(t, "--nats", url, "produce", name, "--value", "{\"n\":1}\n", "--header", "tenant=acme")
	if code != 0 || out != "published: "+name+" #1\n" {
		t.Fatalf("produce: %d %q %s", code, out, errOut)
	}
	m, err := s.GetMsg(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != name+".events" || string(m.Data) != "{\"n\":1}\n" || m.Header.Get("tenant") != "acme" {
		t.Fatalf("read back %s %q %v", m.Subject, m.Data, m.Header)
	}
}

// TestProduceRedisOneEntry: a message produced to a Redis stream (created
// by it) is an entry with the value and header as fields, at the id
// produce printed.
func TestProduceRedisOneEntry(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	url, rc := redisClient(t)
	ctx := context.Background()
	key := "mqscope-test:produce:" + testName("s")
	t.Cleanup(func() { rc.Del(context.Background(), key) })
	code, out, errOut := run(t, "--redis", url, "produce", key, "--value", "caf\xc3\xa9\n", "--header", "tenant=acme")
	if code != 0 || !strings.HasPrefix(out, "published: "+key+" id ") || !strings.Contains(errOut, key+" did not exist: the first message created it") {
		t.Fatalf("produce: %d %q %s", code, out, errOut)
	}
	if code, _, errOut := run(t, "--redis", url, "produce", key, "--value", "again"); code != 0 || strings.Contains(errOut, "created") {
		t.Fatalf("produce to the stream there: %d %s", code, errOut)
	}
	id := strings.TrimSpace(strings.TrimPrefix(out, "published: "+key+" id "))
	entries, err := rc.XRange(ctx, key, "-", "+").Result()
	if err != nil || len(entries) != 2 {
		t.Fatalf("xrange: %v %+v", err, entries)
	}
	if e := entries[0]; e.ID != id || e.Values["value"] != "caf\xc3\xa9\n" || e.Values["tenant"] != "acme" || len(e.Values) != 2 {
		t.Fatalf("entry %+v, want id %s", e, id)
	}
}

// TestProduceNATSWithoutASubjectSaysWhich: a stream of wildcard subjects
// and a message without a key: the error asks for --routing-key SUBJECT.
func TestProduceNATSWithoutASubjectSaysWhich(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	url, js := natsJS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := testName("NOSUBJ")
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{name + ".>"}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), name) })
	code, _, errOut := run(t, "--nats", url, "produce", name, "--value", "x")
	if code != 1 || !strings.Contains(errOut, "give --routing-key SUBJECT") {
		t.Fatalf("no subject: %d %s", code, errOut)
	}
	if code, out, errOut := run(t, "--nats", url, "produce", name, "--routing-key", name+".a", "--value", "x"); code != 0 || out != "published: "+name+" #1\n" {
		t.Fatalf("with a subject: %d %q %s", code, out, errOut)
	}
}

// redisClient is a client of the Redis of MQSCOPE_TEST_REDIS and its URL;
// the test fails saying scripts/test starts it when it is not up. The
// client closes after the clean-ups registered later (deleting keys).
func redisClient(t *testing.T) (string, *goredis.Client) {
	t.Helper()
	u := envOrDefault("MQSCOPE_TEST_REDIS", "redis://127.0.0.1:6379")
	opts, err := goredis.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	rc := goredis.NewClient(opts)
	t.Cleanup(func() { _ = rc.Close() })
	if err := rc.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("no Redis at %s (scripts/test starts it): %v", u, err)
	}
	return u, rc
}
