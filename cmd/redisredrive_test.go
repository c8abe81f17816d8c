package cmd

import (
	"context"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources/redis"
)

// TestRedrivePendingOntoAStreamOtherGroupsRead: the plan names the other
// groups of the stream a group's dead letters go back onto; the run is
// refused, naming them and both ways on, until --other-groups-see-copies;
// the dry run prints the plan and exits as the run would, refused too.
func TestRedrivePendingOntoAStreamOtherGroupsRead(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	s := prefix + "orders"
	for i := 0; i < 3; i++ {
		if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: s, Values: []any{"value", "v"}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range []string{"g", "audit"} {
		if err := raw.XGroupCreate(ctx, s, g, "0").Err(); err != nil {
			t.Fatal(err)
		}
	}
	got, err := raw.XReadGroup(ctx, &goredis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{s, ">"}}).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range got[0].Messages {
		raw.Do(ctx, "XCLAIM", s, "g", "c", 0, m.ID, "RETRYCOUNT", 9, "JUSTID")
	}
	view, url := redis.PendingName(s, "g"), testbroker.RedisURL()
	code, out, errOut := run(t, "--redis", url, "redrive", view, "--dry-run")
	if code != 1 || !strings.Contains(out, `is read by group "audit" too`) || !strings.Contains(errOut, "--other-groups-see-copies") ||
		!strings.Contains(errOut, "dry run: nothing written; the run would refuse it too") {
		t.Fatalf("dry run: exit %d: %s\n%s", code, errOut, out)
	}
	if code, out, errOut := run(t, "--redis", url, "redrive", view, "--dry-run", "--other-groups-see-copies"); code != 0 || !strings.Contains(out, "dry run: nothing written") {
		t.Fatalf("dry run with --other-groups-see-copies: exit %d: %s\n%s", code, errOut, out)
	}
	code, out, errOut = run(t, "--redis", url, "redrive", view, "--yes")
	if code == 0 || !strings.Contains(errOut, `group "audit"`) || !strings.Contains(errOut, "--to STREAM") || !strings.Contains(errOut, "--other-groups-see-copies") {
		t.Fatalf("refused? exit %d: %s\n%s", code, errOut, out)
	}
	if n := raw.XLen(ctx, s).Val(); n != 3 {
		t.Fatalf("a refused run wrote: %d", n)
	}
	code, out, errOut = run(t, "--redis", url, "redrive", view, "--yes", "--other-groups-see-copies")
	if code != 0 || !strings.Contains(out, "3 redriven") || raw.XLen(ctx, s).Val() != 6 {
		t.Fatalf("with --other-groups-see-copies: exit %d: %s\n%s", code, errOut, out)
	}
}

// TestConfirmQuestionSaysWhatItCreates: the question before a run names
// the stream the first copy creates.
func TestConfirmQuestionSaysWhatItCreates(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	dlq := prefix + "orders.dlq"
	if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: dlq, Values: []any{"value", "v"}}).Err(); err != nil {
		t.Fatal(err)
	}
	var out, errOut strings.Builder
	code := Execute([]string{"--log-file", t.TempDir() + "/log", "--redis", testbroker.RedisURL(), "redrive", dlq, "--to", prefix + "new"}, strings.NewReader("n\n"), &out, &errOut)
	if code == 0 || !strings.Contains(errOut.String()+out.String(), "creating "+prefix+"new") {
		t.Fatalf("exit %d: %s\n%s", code, errOut.String(), out.String())
	}
	code, o, e := run(t, "--redis", testbroker.RedisURL(), "redrive", dlq)
	if code != 0 || !strings.Contains(o, "does not exist") {
		t.Fatalf("from provenance: exit %d: %s\n%s", code, e, o)
	}
	if n, _ := raw.Exists(ctx, prefix+"orders", prefix+"new").Result(); n != 0 {
		t.Fatal("a stream was created")
	}
}
