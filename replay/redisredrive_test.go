package replay_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/redis"
)

// redisDead makes n entries of stream pending in group g past the
// delivery limit, and the groups others on the stream, and opens a
// connection listing the test's keys.
func redisDead(t *testing.T, raw *goredis.Client, prefix, stream string, n int, others ...string) *redis.Conn {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: stream, Values: []any{"value", strings.Repeat("v", i+1)}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range append([]string{"g"}, others...) {
		if err := raw.XGroupCreate(ctx, stream, g, "0").Err(); err != nil {
			t.Fatal(err)
		}
	}
	got, err := raw.XReadGroup(ctx, &goredis.XReadGroupArgs{Group: "g", Consumer: "c1", Streams: []string{stream, ">"}, Count: int64(n)}).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range got[0].Messages {
		if err := raw.Do(ctx, "XCLAIM", stream, "g", "c1", 0, m.ID, "RETRYCOUNT", 4, "JUSTID").Err(); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := redis.Dial(ctx, redis.Options{URL: testbroker.RedisURL(), Match: prefix + "*"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// readRedis drains a read of name.
func readRedis(t *testing.T, conn *redis.Conn, name string) []sources.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sub, err := conn.Read(ctx, name, sources.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := sources.Drain(ctx, sub, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// TestRedisRedriveOntoAStreamOtherGroupsRead: a group's dead letters
// redriven onto their own stream, which another group reads too, are
// refused with the group named and both ways on; the plan names the
// group; with OtherGroupsSeeCopies the run goes, and what the consumer
// acknowledged or someone deleted since the plan is not sent, said so in
// the result, typed.
func TestRedisRedriveOntoAStreamOtherGroupsRead(t *testing.T) {
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	s := prefix + "orders"
	conn := redisDead(t, raw, prefix, s, 5, "audit", "billing")
	view := redis.PendingName(s, "g")
	ms := readRedis(t, conn, view)
	plan, err := replay.NewPlan(view, ms, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	check, err := replay.CheckTargets(ctx, conn, plan)
	if err != nil {
		t.Fatal(err)
	}
	plan.Refuse(check)
	var b strings.Builder
	if err := plan.Write(&b); err != nil || !strings.Contains(b.String(), `is read by groups "audit" and "billing" too`) {
		t.Fatalf("plan (%v):\n%s", err, b.String())
	}
	res, err := replay.Execute(ctx, conn, plan, replay.RunOptions{StateDir: t.TempDir()})
	if err == nil || res.Stop.Reason != replay.TargetRefused || !errors.Is(err, sources.ErrBadTarget) {
		t.Fatalf("refused? %v %+v", err, res.Stop)
	}
	for _, want := range []string{`groups "audit" and "billing"`, "--to STREAM", "--other-groups-see-copies"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal does not say %s: %v", want, err)
		}
	}
	if n := raw.XLen(ctx, s).Val(); n != 5 {
		t.Fatalf("a refused run wrote: %d entries", n)
	}

	plan, err = replay.NewPlan(view, ms, replay.Options{OtherGroupsSeeCopies: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.XAck(ctx, s, "g", ms[1].ID).Err(); err != nil { // its consumer got it done after all
		t.Fatal(err)
	}
	if err := raw.XDel(ctx, s, ms[3].ID).Err(); err != nil {
		t.Fatal(err)
	}
	res, err = replay.Execute(ctx, conn, plan, replay.RunOptions{StateDir: t.TempDir()})
	if err != nil || !res.Stop.Complete() || res.Done != 3 || res.Failed != 0 {
		t.Fatalf("%v %+v", err, res)
	}
	want := []replay.SettledElsewhere{
		{Position: replay.Position(ms[1]), MessageID: ms[1].ID, How: sources.SettledAcknowledged},
		{Position: replay.Position(ms[3]), MessageID: ms[3].ID, How: sources.SettledDeleted},
	}
	if !slices.Equal(res.SettledElsewhere, want) {
		t.Fatalf("settled elsewhere: %+v", res.SettledElsewhere)
	}
	if got := res.SettledElsewhere[0].String(); got != ms[1].ID+": not sent: acknowledged in the group meanwhile" {
		t.Errorf("%q", got)
	}
	if n := raw.XLen(ctx, s).Val(); n != 4+3 {
		t.Fatalf("%d entries, want 4 and 3 copies", n)
	}
}

// TestRedisRedriveTargetNotThere: a target from provenance that does not
// exist is refused before anything is written (XADD would create it);
// one named with To is created, and the plan says so.
func TestRedisRedriveTargetNotThere(t *testing.T) {
	raw, prefix := testbroker.RedisKeys(t)
	ctx := context.Background()
	dlq := prefix + "orders.dlq"
	for i := 0; i < 3; i++ {
		if err := raw.XAdd(ctx, &goredis.XAddArgs{Stream: dlq, Values: []any{"value", "x"}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := redis.Dial(ctx, redis.Options{URL: testbroker.RedisURL(), Match: prefix + "*"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ms := readRedis(t, conn, dlq)
	plan, err := replay.NewPlan(dlq, ms, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := replay.Execute(ctx, conn, plan, replay.RunOptions{StateDir: t.TempDir()})
	if err != nil || res.Done != 0 || res.Skipped != 3 || plan.Items[0].Action != replay.Unresolved || !strings.Contains(plan.Items[0].Reason, "does not exist") {
		t.Fatalf("%v %+v %+v", err, res, plan.Items[0])
	}
	if n, _ := raw.Exists(ctx, prefix+"orders").Result(); n != 0 {
		t.Fatal("the origin was created")
	}

	to := prefix + "retry"
	plan, err = replay.NewPlan(dlq, ms, replay.Options{To: to})
	if err != nil {
		t.Fatal(err)
	}
	check, err := replay.CheckTargets(ctx, conn, plan)
	if err != nil {
		t.Fatal(err)
	}
	plan.Refuse(check)
	var b strings.Builder
	_ = plan.Write(&b)
	if !slices.Equal(plan.Creates(), []string{to}) || !strings.Contains(b.String(), to+" does not exist yet: the first copy creates it") {
		t.Fatalf("%v\n%s", plan.Creates(), b.String())
	}
	res, err = replay.Execute(ctx, conn, plan, replay.RunOptions{StateDir: t.TempDir()})
	if err != nil || res.Done != 3 || raw.XLen(ctx, to).Val() != 3 {
		t.Fatalf("%v %+v", err, res)
	}
}
