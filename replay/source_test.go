package replay_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// TestCheckTargetsRefusesASourceThatHoldsNoDeadLetters: the plan of a
// redrive from an ordinary Redis stream is refused by CheckTargets (a
// *NotDeadLettersError wrapping sources.ErrNotDeadLetters, with the
// export | replay - that copies it), and Execute writes nothing; the same
// entries in a stream named as a DLQ are redriven.
func TestCheckTargetsRefusesASourceThatHoldsNoDeadLetters(t *testing.T) {
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	live, dlq, to := prefix+"live", prefix+"live.dlq", prefix+"out"
	for _, s := range []string{live, dlq} {
		for _, v := range []string{"a", "b"} {
			if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: s, Values: []any{"value", v}}).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	conn, err := redis.Dial(ctx, redis.Options{URL: testbroker.RedisURL(), Match: prefix + "*"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	plan, err := replay.NewPlan(live, readRedis(t, conn, live), replay.Options{ID: "rd-live", To: to})
	if err != nil {
		t.Fatal(err)
	}
	_, err = replay.CheckTargets(ctx, conn, plan)
	var nd *replay.NotDeadLettersError
	if !errors.As(err, &nd) || !errors.Is(err, sources.ErrNotDeadLetters) || nd.Source != live ||
		!strings.Contains(err.Error(), "redrive rd-live: "+live+" is not a dead-letter stream") || !strings.Contains(err.Error(), "mqscope export "+live+" | mqscope replay - --to "+to+" --yes") {
		t.Fatalf("the check of a plain stream: %v", err)
	}
	res, err := replay.Execute(ctx, conn, plan, replay.RunOptions{StateDir: t.TempDir()})
	if !errors.Is(err, sources.ErrNotDeadLetters) || res.Done != 0 || res.Stop.Reason != replay.TargetRefused {
		t.Fatalf("a run of a plain stream: %+v %v", res, err)
	}
	if n := raw.XLen(ctx, live).Val(); n != 2 || raw.Exists(ctx, to).Val() != 0 {
		t.Fatalf("a refused run: %d entries left of 2, the target exists: %d", n, raw.Exists(ctx, to).Val())
	}
	plan, err = replay.NewPlan(dlq, readRedis(t, conn, dlq), replay.Options{ID: "rd-dlq", To: to})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := replay.Execute(ctx, conn, plan, replay.RunOptions{StateDir: t.TempDir()}); err != nil || res.Done != 2 || raw.XLen(ctx, to).Val() != 2 {
		t.Fatalf("a run of a DLQ stream: %+v %v", res, err)
	}
}
