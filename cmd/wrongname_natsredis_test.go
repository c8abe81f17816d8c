package cmd

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	goredis "github.com/redis/go-redis/v9"
)

// TestASubjectForAStreamSaysWhichStream: export, redrive and check of a
// NATS subject where a stream's name belongs exit 1 naming the stream
// that stores it, the same words from each command.
func TestASubjectForAStreamSaysWhichStream(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	url, js := natsJS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := testName("WRONGNAME")
	subject := strings.ToLower(name) + ".created"
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{strings.ToLower(name) + ".*"}, Storage: jetstream.MemoryStorage}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), name) })
	want := `"` + subject + `" on ` + url + ` is a subject, not a stream: stream "` + name + `" stores it`
	for _, args := range [][]string{{"export", subject}, {"redrive", subject, "--dry-run"}, {"check", subject}, {"tail", subject}} {
		code, _, errOut := run(t, append([]string{"--nats", url}, args...)...)
		if code != 1 || !strings.Contains(errOut, want) || strings.Contains(errOut, "invalid stream name") {
			t.Errorf("%s: exit %d, %q; want exit 1 and %q", args[0], code, errOut, want)
		}
	}
}

// TestRedriveOfAnEmptyPendingViewSaysWhy: a redrive of a group's
// dead-letter view with nothing dead says the view holds no dead letters
// and what makes one; a view of a group the stream has not names the
// groups it has.
func TestRedriveOfAnEmptyPendingViewSaysWhy(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	url, rc := redisClient(t)
	ctx := context.Background()
	key := "mqscope-test:emptyview:" + testName("s")
	t.Cleanup(func() { rc.Del(context.Background(), key) })
	if err := rc.XAdd(ctx, &goredis.XAddArgs{Stream: key, Values: []string{"value", "v"}}).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rc.XGroupCreate(ctx, key, "billing", "0").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rc.XReadGroup(ctx, &goredis.XReadGroupArgs{Group: "billing", Consumer: "w", Streams: []string{key, ">"}, Count: 1}).Err(); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "--redis", url, "redrive", key+"#pending:billing", "--yes")
	if code != 0 || !strings.Contains(out, "nothing to redrive: "+key+"#pending:billing holds no dead letters now") ||
		!strings.Contains(out, "  pending: 1\n") || !strings.Contains(out, "  dead letters: pending entries delivered more than") {
		t.Fatalf("redrive of a view with one live pending entry: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = run(t, "--redis", url, "redrive", key+"#pending:shipping", "--yes")
	if code != 1 || !strings.Contains(errOut, `names the dead letters of group "shipping", but stream "`+key+`" has no such group (its groups: billing)`) {
		t.Fatalf("redrive of a view of no group: exit %d %s", code, errOut)
	}
}
