package cmd

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// natsStream connects to the test server and creates a stream whose one
// subject is "<name>.>" (deleted when the test ends).
func natsStream(t *testing.T, ctx context.Context, prefix string) (string, jetstream.Stream, string) {
	t.Helper()
	url, js := natsJS(t)
	name := testName(prefix)
	s, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{name + ".>"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), name) })
	return url, s, name
}

// A message produced again with the same Nats-Msg-Id within the stream's
// duplicate window is not written: produce says so, exits non-zero, and
// --json marks the line "duplicate": true.
func TestProduceNATSDuplicateIsNotCountedAsWritten(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	url, s, name := natsStream(t, ctx, "PRODDUP")
	args := []string{"--nats", url, "produce", name, "--routing-key", name + ".a", "--value", "v", "--header", "Nats-Msg-Id=order-1"}
	if code, out, errOut := run(t, args...); code != 0 || out != "published: "+name+" #1\n" {
		t.Fatalf("produce: %d %q %s", code, out, errOut)
	}
	code, out, errOut := run(t, args...)
	want := "1 not written: the stream already had them within its duplicate window (Nats-Msg-Id)"
	if code == 0 || strings.Contains(out, "published:") || !strings.Contains(out, "not written: "+name+" #1") || !strings.Contains(errOut, want) {
		t.Fatalf("produce again: %d %q %q", code, out, errOut)
	}
	code, out, errOut = run(t, append(args, "--json")...)
	if code == 0 || !strings.Contains(out, `"duplicate":true`) || !strings.Contains(out, `"offset":1`) || !strings.Contains(errOut, want) {
		t.Fatalf("produce --json again: %d %q %q", code, out, errOut)
	}
	if info, err := s.Info(ctx); err != nil || info.State.Msgs != 1 {
		t.Fatalf("the stream holds %+v (%v), want 1 message", info, err)
	}
	// a new id is written, and not marked
	code, out, errOut = run(t, "--nats", url, "produce", name, "--routing-key", name+".a", "--value", "v", "--header", "Nats-Msg-Id=order-2", "--json")
	if code != 0 || strings.Contains(out, "duplicate") || !strings.Contains(out, `"offset":2`) {
		t.Fatalf("produce a new id: %d %q %q", code, out, errOut)
	}
}

// A capture replayed twice onto a stream within its duplicate window,
// its messages carrying their Nats-Msg-Id, writes them once: the second
// replay says they were not written and exits non-zero.
func TestReplayNATSDuplicatesAreReported(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	url, from, fromName := natsStream(t, ctx, "REPDUPFROM")
	_, to, toName := natsStream(t, ctx, "REPDUPTO")
	nc, err := natsgo.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b", "c"} {
		if _, err := js.Publish(ctx, fromName+".in", []byte(id), jetstream.WithMsgID("id-"+id)); err != nil {
			t.Fatal(err)
		}
	}
	if info, err := from.Info(ctx); err != nil || info.State.Msgs != 3 {
		t.Fatalf("source %+v %v", info, err)
	}
	file := filepath.Join(t.TempDir(), "dup.jsonl")
	if code, _, errOut := run(t, "--nats", url, "export", fromName, "-o", file); code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	if code, out, errOut := run(t, "--nats", url, "replay", file, "--to", toName+".copy", "--yes"); code != 0 || !strings.Contains(out, "replayed 3 messages") {
		t.Fatalf("replay: %d %q %s", code, out, errOut)
	}
	code, out, errOut := run(t, "--nats", url, "replay", file, "--to", toName+".copy", "--yes")
	want := "3 not written: the stream already had them within its duplicate window (Nats-Msg-Id)"
	if code == 0 || !strings.Contains(out, "replayed 0 messages") || !strings.Contains(out, want) || !strings.Contains(errOut, want) {
		t.Fatalf("replay again: %d %q %q", code, out, errOut)
	}
	if info, err := to.Info(ctx); err != nil || info.State.Msgs != 3 {
		t.Fatalf("the target holds %+v (%v), want 3 messages", info, err)
	}
}
