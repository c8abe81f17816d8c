package cmd

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// exportAcrossTrim runs an export of stream whose stdout trims it (trim)
// on the first write, and checks that the export exits 1 saying the
// export is incomplete because messages were removed while it read, the
// lines written and the messages removed making up total.
func exportAcrossTrim(t *testing.T, trim func(), total int, unit string, args ...string) {
	t.Helper()
	stream := args[len(args)-1]
	stdout := &deleteOnWrite{del: trim}
	var errOut bytes.Buffer
	args = append([]string{"--log-file", filepath.Join(t.TempDir(), "log")}, args...)
	args = append(args, "--in-flight", "64KiB")
	done := make(chan int, 1)
	go func() { done <- Execute(args, strings.NewReader(""), stdout, &errOut) }()
	var code int
	select {
	case code = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("the export did not end") // a hang, not a duration measured
	}
	lines := strings.Count(stdout.out.String(), "\n")
	re := regexp.MustCompile(`the export of ` + regexp.QuoteMeta(stream) + ` \((\d+) messages written to stdout\) is incomplete: ` + regexp.QuoteMeta(stream) +
		`: .* not exported: (\d+) ` + unit + ` removed from the stream \(trimmed/purged, or by its limits\) while it was read`)
	m := re.FindStringSubmatch(errOut.String())
	if code != 1 || m == nil || m[1] != strconv.Itoa(lines) || m[2] != strconv.Itoa(total-lines) {
		t.Fatalf("exit %d with %d of %d lines written; stderr %q", code, lines, total, errOut.String())
	}
}

// TestExportSaysANATSStreamWasPurgedDuringIt: an export of a JetStream
// stream purged (keeping its last 1000) while it reads writes what is
// left and exits 1 naming the sequences purged, instead of 0 with a jump.
func TestExportSaysANATSStreamWasPurgedDuringIt(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	const total = 20000
	url, js := natsJS(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := testName("le-purged")
	s := natsStreamOf(t, ctx, js, name, name+".>")
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
	exportAcrossTrim(t, func() {
		if err := s.Purge(ctx, jetstream.WithPurgeKeep(1000)); err != nil {
			t.Error(err)
		}
	}, total, "messages", "--nats", url, "export", name)
}

// TestExportSaysARedisStreamWasTrimmedDuringIt: an export of a Redis
// stream trimmed (XTRIM MAXLEN 1000) while it reads writes what is left
// and exits 1 naming the entry ids trimmed, not 0 with a jump.
func TestExportSaysARedisStreamWasTrimmedDuringIt(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	const total = 20000
	url, rc := redisClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	key := "mqscope-test:export:" + testName("k")
	t.Cleanup(func() { rc.Del(context.Background(), key) })
	fillRedisStream(t, ctx, rc, key, total)
	exportAcrossTrim(t, func() {
		if err := rc.XTrimMaxLen(ctx, key, 1000).Err(); err != nil {
			t.Error(err)
		}
	}, total, "entries", "--redis", url, "export", key)
}
