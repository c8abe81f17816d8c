package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/internal/testbroker"
	mqnats "github.com/mqscope/mqscope/sources/nats"
)

// TestExportLostDeadLettersAndReplayRefusesThem: dead letters whose
// originals the stream's limits removed export with "lost" (no key, no
// value); replay and produce --format jsonl write the line whose original
// is still there and refuse the lost ones, naming them, exit 1.
func TestExportLostDeadLettersAndReplayRefusesThem(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	url, js := natsJS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	testbroker.NATSAdvisories(t)
	name, dlq, to := testName("le-lim"), testName("le-limdlq"), testName("le-other")
	subject := strings.ToLower(name) + ".in"
	origin := natsStreamOf(t, ctx, js, name, strings.ToLower(name)+".*")
	if _, err := js.UpdateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{strings.ToLower(name) + ".*"}, MaxMsgs: 5}); err != nil {
		t.Fatal(err)
	}
	capt := natsStreamOf(t, ctx, js, dlq, mqnats.AdvisoryMaxDeliveries+"."+name+".*")
	target := natsStreamOf(t, ctx, js, to, strings.ToLower(to)+".*")
	const dead = 3
	for i := range dead {
		if _, err := js.Publish(ctx, subject, fmt.Appendf(nil, `{"n":%d}`, i)); err != nil {
			t.Fatal(err)
		}
	}
	cons, err := origin.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "worker", AckPolicy: jetstream.AckExplicitPolicy, AckWait: time.Minute, MaxDeliver: 2})
	if err != nil {
		t.Fatal(err)
	}
	for msgs(t, ctx, capt) < dead {
		batch, err := cons.Fetch(10, jetstream.FetchMaxWait(100*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			if err := m.Nak(); err != nil {
				t.Fatal(err)
			}
		}
		if ctx.Err() != nil {
			t.Fatal("the advisories did not come")
		}
	}
	if err := origin.DeleteConsumer(ctx, "worker"); err != nil {
		t.Fatal(err)
	}
	for i := range 4 { // the limit of 5 removes #1 and #2; #3 stays
		if _, err := js.Publish(ctx, strings.ToLower(name)+".more", fmt.Appendf(nil, `{"more":%d}`, i)); err != nil {
			t.Fatal(err)
		}
	}

	file := filepath.Join(t.TempDir(), "gone.jsonl")
	if code, _, errOut := run(t, "--nats", url, "export", dlq, "-o", file); code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	var lost []string
	for i, l := range lines {
		switch {
		case strings.Contains(l, `"lost":"the original message `+name+`#`):
			var fields map[string]json.RawMessage
			if err := json.Unmarshal([]byte(l), &fields); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"key", "key_b64", "value", "value_b64"} {
				if _, ok := fields[f]; ok {
					t.Fatalf("a lost line with %s: %s", f, l)
				}
			}
			lost = append(lost, fmt.Sprint(i+1))
		case !strings.Contains(l, `"value":"{\"n\":2}"`):
			t.Fatalf("line %d is neither lost nor the original still there: %s", i+1, l)
		}
	}
	if len(lines) != dead || len(lost) != 2 {
		t.Fatalf("export wrote %d lines, %d of them lost:\n%s", len(lines), len(lost), data)
	}

	code, out, errOut := run(t, "--nats", url, "replay", file, "--to", strings.ToLower(to)+".copy", "--yes")
	want := "capture lines " + strings.Join(lost, ", ") + " not written (the rest were): the line is marked lost (the original message " + name + "#"
	if code != 1 || !strings.Contains(out, "replayed 1 message") || !strings.Contains(errOut, want) {
		t.Fatalf("replay: %d %q %q, want %q", code, out, errOut, want)
	}
	if n := msgs(t, ctx, target); n != 1 {
		t.Fatalf("the target holds %d messages after the replay, want 1", n)
	}

	lineFile := filepath.Join(t.TempDir(), "produce.jsonl")
	if err := os.WriteFile(lineFile, []byte(strings.ReplaceAll(string(data), `"stream":"`+dlq+`"`, `"stream":"`+to+`"`)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = run(t, "--nats", url, "produce", to, "--routing-key", strings.ToLower(to)+".p", "--format", "jsonl", "-f", lineFile, "--yes")
	if code != 1 || !strings.Contains(errOut, "capture lines "+strings.Join(lost, ", ")+" not written") {
		t.Fatalf("produce: %d %q %q", code, out, errOut)
	}
	if n := msgs(t, ctx, target); n != 2 {
		t.Fatalf("the target holds %d messages after the produce, want 2", n)
	}
	var onlyLost strings.Builder
	for i, l := range lines {
		if strings.Contains(l, `"lost"`) {
			onlyLost.WriteString(lines[i] + "\n")
		}
	}
	if err := os.WriteFile(lineFile, []byte(onlyLost.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = run(t, "--nats", url, "replay", lineFile, "--to", strings.ToLower(to)+".copy", "--yes")
	if code != 1 || !strings.Contains(errOut, "capture lines 1, 2 not to be written") || !strings.Contains(errOut, "nothing written") {
		t.Fatalf("replay of lost lines only: %d %q %q", code, out, errOut)
	}
	if n := msgs(t, ctx, target); n != 2 {
		t.Fatalf("the target holds %d messages after the refused replay, want 2", n)
	}
}
