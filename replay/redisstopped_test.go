package replay_test

import (
	"context"
	"testing"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources/redis"
)

// TestRedriveStoppedBeforeItWrites: a run stopped while its targets are
// checked is cancelled, and resumable, not refused by its target:
// nothing is written.
func TestRedriveStoppedBeforeItWrites(t *testing.T) {
	raw, prefix := testbroker.RedisKeys(t)
	s := prefix + "orders"
	conn := redisDead(t, raw, prefix, s, 3)
	view := redis.PendingName(s, "g")
	plan, err := replay.NewPlan(view, readRedis(t, conn, view), replay.Options{ID: prefix + "stopped", To: prefix + "retry"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := replay.Execute(ctx, conn, plan, replay.RunOptions{StateDir: t.TempDir()})
	if err != nil || res.Stop.Reason != replay.Cancelled || !res.Stop.Resumable() || res.Done != 0 {
		t.Fatalf("a run stopped before it wrote: %v, %+v", err, res.Stop)
	}
	if n := raw.Exists(context.Background(), prefix+"retry").Val(); n != 0 {
		t.Fatal("a run stopped before it wrote wrote")
	}
}
