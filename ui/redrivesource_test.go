package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// TestRedriveDialogRefusesAStreamThatHoldsNoDeadLetters: the redrive
// dialog of an ordinary stream (no dead-letter name, not a group's pending
// view) shows the refusal, with export | replay - as the copy (on this
// connection), offers no
// target (none makes it a dead-letter stream), and y starts nothing: the
// stream and its group keep every entry.
func TestRedriveDialogRefusesAStreamThatHoldsNoDeadLetters(t *testing.T) {
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	live, out := prefix+"live", prefix+"liveout"
	for i := 0; i < 3; i++ {
		if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: live, Values: []any{"value", "p"}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := raw.XGroupCreate(ctx, live, "app", "0").Err(); err != nil {
		t.Fatal(err)
	}
	conn, err := redis.Dial(ctx, redis.Options{URL: testbroker.RedisURL(), Match: prefix + "*"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sub, err := conn.Read(ctx, live, sources.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := sources.Drain(ctx, sub, 0)
	if err != nil || len(msgs) != 3 {
		t.Fatalf("%v %d", err, len(msgs))
	}
	d := newRedriveDialog(testCommon(140, 40), conn, 1, live, msgs, false)
	d.opts.To = out
	check := d.replan()
	d.targetsChecked(check().(redriveTargetsChecked))
	if !errors.Is(d.targetErr, sources.ErrNotDeadLetters) {
		t.Fatalf("the check of a plain stream: %v", d.targetErr)
	}
	hint := "export " + live + " | mqscope --redis '" + testbroker.RedisURL() + "' replay - --to " + out + " --yes" // with the flags that open the connection
	if e := d.targetErr.Error(); !strings.Contains(e, live+" is not a dead-letter stream") || !strings.Contains(e, hint) || !strings.Contains(e, redis.PendingName(live, "app")) {
		t.Fatalf("the refusal: %v", e)
	}
	v := strings.Join(strings.Fields(strings.ReplaceAll(d.view(140, 40), "│", " ")), " ") // the box wraps long names at their hyphens
	for _, want := range []string{"✖ cannot redrive: ", "is not a dead", "a redrive removes what it moves from its source", "to copy its messages elsewhere use mqscope --redis",
		"replay - --to", "--yes esc: cancel"} {
		if !strings.Contains(v, want) {
			t.Errorf("the dialog does not say %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "t: choose a target") {
		t.Errorf("the dialog offers a target, which would not help:\n%s", v)
	}
	if cmd, _ := d.update(keyPress("y")); cmd != nil || d.state != redrivePlanned {
		t.Fatal("y started a redrive of a plain stream")
	}
	if n := raw.XLen(ctx, live).Val(); n != 3 || raw.Exists(ctx, out).Val() != 0 {
		t.Fatalf("%d entries left of 3, the target exists: %d", n, raw.Exists(ctx, out).Val())
	}
}
