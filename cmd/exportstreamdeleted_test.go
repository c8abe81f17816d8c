package cmd

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	goredis "github.com/redis/go-redis/v9"
)

// deleteOnWrite is an export's stdout that deletes the stream exported
// on its first write, while the export waits for it: the read is then
// under way, ahead of what was written by no more than it holds.
type deleteOnWrite struct {
	out  bytes.Buffer
	once sync.Once
	del  func()
}

func (d *deleteOnWrite) Write(p []byte) (int, error) {
	d.once.Do(d.del)
	return d.out.Write(p)
}

// exportAcrossDelete runs an export of stream whose stdout deletes it
// (del) on the first write, and checks that the export exits 1 saying the
// export is incomplete because the stream was deleted, with as many
// lines written as it says were read.
func exportAcrossDelete(t *testing.T, del func(), total int, unit string, args ...string) {
	t.Helper()
	stream := args[len(args)-1]
	stdout := &deleteOnWrite{del: del}
	var errOut bytes.Buffer
	args = append([]string{"--log-file", filepath.Join(t.TempDir(), "log")}, args...)
	args = append(args, "--in-flight", "64KiB")
	done := make(chan int, 1)
	go func() { done <- Execute(args, strings.NewReader(""), stdout, &errOut) }()
	var code int
	select {
	case code = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("the export did not end after its stream was deleted") // a hang, not a duration measured
	}
	lines := strings.Count(stdout.out.String(), "\n")
	if code != 1 || lines == 0 || lines >= total {
		t.Fatalf("exit %d with %d of %d lines written: %s", code, lines, total, errOut.String())
	}
	re := regexp.MustCompile(`the export of ` + regexp.QuoteMeta(stream) + ` \((\d+) messages written to stdout\) is incomplete: ` + regexp.QuoteMeta(stream) +
		`: .* not exported: stream ` + regexp.QuoteMeta(stream) + ` was deleted during the read: (\d+) of ` + strconv.Itoa(total) + ` ` + unit + ` read`)
	m := re.FindStringSubmatch(errOut.String())
	if m == nil || m[1] != strconv.Itoa(lines) || m[2] != strconv.Itoa(lines) {
		t.Fatalf("%d lines written; stderr %q", lines, errOut.String())
	}
}

// TestExportSaysANATSStreamWasDeletedDuringIt: an export of a JetStream
// stream deleted while it reads exits 1 saying so, instead of waiting for
// ever for the rest.
func TestExportSaysANATSStreamWasDeletedDuringIt(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	const total = 20000
	url, js := natsJS(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := testName("EXPDEL")
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{name + ".>"}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), name) })
	for i := range total {
		if _, err := js.PublishAsync(name+".x", fmt.Appendf(nil, "msg %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-ctx.Done():
		t.Fatal("the publishes were not acknowledged")
	}
	exportAcrossDelete(t, func() {
		if err := js.DeleteStream(ctx, name); err != nil {
			t.Error(err)
		}
	}, total, "messages", "--nats", url, "export", name)
}

// TestExportSaysARedisStreamWasDeletedDuringIt: an export of a Redis
// stream deleted (DEL) while it reads exits 1 saying so, not 0 with part
// of it.
func TestExportSaysARedisStreamWasDeletedDuringIt(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	const total = 20000
	url, rc := redisClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	key := "mqscope-test:export:" + testName("k")
	t.Cleanup(func() { rc.Del(context.Background(), key) })
	fillRedisStream(t, ctx, rc, key, total)
	exportAcrossDelete(t, func() {
		if err := rc.Del(ctx, key).Err(); err != nil {
			t.Error(err)
		}
	}, total, "entries", "--redis", url, "export", key)
}

// fillRedisStream adds n entries {v: i} to key, pipelined.
func fillRedisStream(t *testing.T, ctx context.Context, rc *goredis.Client, key string, n int) {
	t.Helper()
	for done := 0; done < n; done += 1000 {
		pipe := rc.Pipeline()
		for i := done; i < min(n, done+1000); i++ {
			pipe.XAdd(ctx, &goredis.XAddArgs{Stream: key, Values: []any{"v", fmt.Sprint(i)}})
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatalf("fill %s: %v", key, err)
		}
	}
}
