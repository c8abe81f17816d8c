package cmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/internal/testbroker"
)

// TestRedriveOfAPlainRedisStreamIsRefused: a redrive of a stream that is
// neither a group's pending view nor named as a DLQ exits 1 before
// anything is written (--dry-run too), naming the group's view and the
// export | replay - that copies it; that command, run as printed, copies
// every entry and leaves the stream and its group as they were.
func TestRedriveOfAPlainRedisStreamIsRefused(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	live, out, url := prefix+"live", prefix+"liveout", testbroker.RedisURL()
	for _, v := range []string{"p1", "p2", "p3"} {
		if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: live, Values: []any{"value", v}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := raw.XGroupCreate(ctx, live, "app", "0").Err(); err != nil {
		t.Fatal(err)
	}
	hint := "mqscope --redis=" + url + " export " + live + " | mqscope --redis=" + url + " replay - --to " + out + " --yes"
	for _, dry := range []bool{false, true} {
		args := []string{"--redis", url, "redrive", live, "--to", out, "--yes"}
		if dry {
			args = append(args, "--dry-run")
		}
		code, stdout, errOut := run(t, args...)
		if code != 1 || !strings.Contains(errOut, live+" is not a dead-letter stream (a redrive removes what it moves from its source") ||
			!strings.Contains(errOut, live+"#pending:app") || !strings.Contains(errOut, hint) || !strings.Contains(errOut, "nothing was written") {
			t.Fatalf("redrive (dry run %t): exit %d: %s\n%s", dry, code, errOut, stdout)
		}
		if n := raw.XLen(ctx, live).Val(); n != 3 || raw.Exists(ctx, out).Val() != 0 {
			t.Fatalf("a refused redrive: %d entries left of 3, the target exists: %d", n, raw.Exists(ctx, out).Val())
		}
	}
	// The hint as printed: export, then replay from stdin.
	var exported, errOut bytes.Buffer
	if code := Execute([]string{"--log-file", filepath.Join(t.TempDir(), "log"), "--redis=" + url, "export", live}, strings.NewReader(""), &exported, &errOut); code != 0 {
		t.Fatalf("export: %d %s", code, errOut.String())
	}
	var replayed bytes.Buffer
	if code := Execute([]string{"--log-file", filepath.Join(t.TempDir(), "log"), "--redis=" + url, "replay", "-", "--to", out, "--yes"}, &exported, &replayed, &errOut); code != 0 {
		t.Fatalf("replay -: %d %s %s", code, replayed.String(), errOut.String())
	}
	if n, m := raw.XLen(ctx, live).Val(), raw.XLen(ctx, out).Val(); n != 3 || m != 3 {
		t.Fatalf("export | replay -: %d left in the stream, %d copied", n, m)
	}
	if p := raw.XInfoGroups(ctx, live).Val(); len(p) != 1 || p[0].EntriesRead != 0 || p[0].Pending != 0 {
		t.Fatalf("the group was touched: %+v", p)
	}
}

// TestRedriveOfAPlainNATSStreamIsRefused: a redrive of a stream that
// captures no dead-letter advisories exits 1 and writes nothing: the
// stream keeps its 8 messages, the target stays empty.
func TestRedriveOfAPlainNATSStreamIsRefused(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	url, js := natsJS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name, wq := testName("PLAIN"), testName("WQ")
	plain := natsStreamOf(t, ctx, js, name, name+".*")
	target := natsStreamOf(t, ctx, js, wq, wq+".*")
	for range 8 {
		if _, err := js.Publish(ctx, name+".a", []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := run(t, "--nats", url, "redrive", name, "--to", wq+".a", "--yes")
	if code != 1 || !strings.Contains(errOut, name+" is not a dead-letter stream") || !strings.Contains(errOut, "export "+name+" | mqscope --nats="+url+" replay - --to "+wq+".a --yes") {
		t.Fatalf("redrive: exit %d: %s\n%s", code, errOut, out)
	}
	counts := func(s jetstream.Stream) uint64 {
		si, err := s.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return si.State.Msgs
	}
	if n, m := counts(plain), counts(target); n != 8 || m != 0 {
		t.Fatalf("a refused redrive: the stream holds %d of 8, the target %d", n, m)
	}
}

// TestEditOfAPlainStreamIsRefusedBeforeTheEditor: edit, a redrive of one
// message, refuses a stream that holds no dead letters before the editor
// opens: nothing edited, nothing written.
func TestEditOfAPlainStreamIsRefusedBeforeTheEditor(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	live, out, url := prefix+"live", prefix+"liveout", testbroker.RedisURL()
	id, err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: live, Values: []any{"value", "p1"}}).Result()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	opened := filepath.Join(dir, "opened")
	script := filepath.Join(dir, "editor")
	if err := os.WriteFile(script, []byte("#!/bin/sh\ntouch "+opened+"\nsed -i 's/p1/p2/' \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", script)
	code, stdout, errOut := run(t, "--redis", url, "edit", live, id, "--to", out, "--yes")
	if code != 1 || !strings.Contains(errOut, live+" is not a dead-letter stream") || !strings.Contains(errOut, "replay - --to "+out+" --yes") {
		t.Fatalf("edit: exit %d: %s\n%s", code, errOut, stdout)
	}
	if _, err := os.Stat(opened); err == nil {
		t.Fatal("the editor opened for a refused edit")
	}
	if n := raw.XLen(ctx, live).Val(); n != 1 || raw.Exists(ctx, out).Val() != 0 {
		t.Fatalf("a refused edit: %d entries left of 1, the target exists: %d", n, raw.Exists(ctx, out).Val())
	}
}
