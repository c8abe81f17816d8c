package replay_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
)

// TestExecuteRefusesBadTargetsBeforeWriting: a target that does not exist,
// a name the broker does not allow, and the source itself are refused by
// the target check, before anything is written, with a typed stop that
// cannot be resumed.
func TestExecuteRefusesBadTargetsBeforeWriting(t *testing.T) {
	c, _ := kafkaDemo(t)
	dead := readAll(t, c, "orders.DLT")
	for _, tc := range []struct{ to, want string }{
		{"nosuch", `topic "nosuch" does not exist`},
		{"offset:100", "not a legal Kafka topic name"},
		{strings.Repeat("x", 250), "not a legal Kafka topic name"},
	} {
		t.Run(tc.to[:min(len(tc.to), 12)], func(t *testing.T) {
			plan, err := replay.NewPlan("orders.DLT", dead, replay.Options{To: tc.to})
			if err != nil {
				t.Fatal(err)
			}
			if err := replay.CheckTargets(context.Background(), c, plan); !errors.Is(err, sources.ErrBadTarget) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("check: %v, want %q", err, tc.want)
			}
			res, err := replay.Execute(context.Background(), c, plan, replay.RunOptions{StateDir: t.TempDir()})
			if !errors.Is(err, sources.ErrBadTarget) || res.Stop.Reason != replay.TargetRefused || res.Stop.Resumable() || res.Done != 0 {
				t.Fatalf("execute: %+v %v", res, err)
			}
		})
	}
	if got := len(readAll(t, c, "orders.DLT")); got != len(dead) {
		t.Fatalf("the DLT changed: %d of %d", got, len(dead))
	}
	plan, err := replay.NewPlan("orders.DLT", dead, replay.Options{ParkTo: "orders.DLT", HopLimit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := replay.CheckTargets(context.Background(), c, plan); !errors.Is(err, sources.ErrBadTarget) {
		t.Fatalf("parking in the source: %v", err)
	}
	plan, err = replay.NewPlan("orders.DLT", dead, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := replay.CheckTargets(context.Background(), c, plan); err != nil {
		t.Fatalf("the origin is a good target: %v", err)
	}
}

func TestExecuteRefusesMissingRabbitAndSQSTargets(t *testing.T) {
	e := newRabbitEnv(t, 3)
	for _, to := range []string{"nosuch", "bad\x1bname"} {
		p := planFor(t, e, replay.Options{To: to})
		res, err := replay.Execute(context.Background(), e.conn, p, replay.RunOptions{StateDir: t.TempDir(), WholeQueue: true})
		if !errors.Is(err, sources.ErrBadTarget) || res.Stop.Reason != replay.TargetRefused {
			t.Fatalf("--to %q: %+v %v", to, res, err)
		}
	}
	if d := e.depth(t, "work.dlq"); d != 3 {
		t.Fatalf("the DLQ holds %d of 3", d)
	}
	p := planFor(t, e, replay.Options{}) // back to exchange shop
	if err := replay.CheckTargets(context.Background(), e.conn, p); err != nil {
		t.Fatalf("exchange shop: %v", err)
	}

	s := newSQSEnv(t, false)
	s.kill(t, []string{"a", "b"})
	dead := readAll(t, s.c, s.dlq)
	p, err := replay.NewPlan(s.dlq, dead, replay.Options{To: "nosuch-queue"})
	if err != nil {
		t.Fatal(err)
	}
	if err := replay.CheckTargets(context.Background(), s.c, p); !errors.Is(err, sources.ErrBadTarget) || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("sqs: %v", err)
	}
	p, _ = replay.NewPlan(s.dlq, dead, replay.Options{To: "no/such"})
	if err := replay.CheckTargets(context.Background(), s.c, p); !errors.Is(err, sources.ErrBadTarget) || !strings.Contains(err.Error(), "legal SQS queue name") {
		t.Fatalf("sqs name: %v", err)
	}
	p, _ = replay.NewPlan(s.dlq, dead, replay.Options{})
	if err := replay.CheckTargets(context.Background(), s.c, p); err != nil {
		t.Fatalf("sqs origin: %v", err)
	}
}

func TestStopSaysWhetherToResume(t *testing.T) {
	for _, tc := range []struct {
		s                          replay.Stop
		early, complete, resumable bool
		text                       string
	}{
		{replay.Stop{}, false, true, false, "finished"},
		{replay.Stop{Reason: replay.Cancelled}, true, false, true, "cancelled"},
		{replay.Stop{Reason: replay.BreakerStopped, Detail: "12 of 40 came back"}, true, false, true, "stopped by the breaker: 12 of 40 came back"},
		{replay.Stop{Reason: replay.HeldByOthers}, true, true, true, "no more messages to take"},
		{replay.Stop{Reason: replay.TargetRefused}, true, false, false, "target refused"},
		{replay.Stop{Reason: replay.TakenOver}, true, false, false, "another run took over"},
	} {
		if tc.s.Early() != tc.early || tc.s.Complete() != tc.complete || tc.s.Resumable() != tc.resumable || tc.s.String() != tc.text {
			t.Errorf("%v: early %v complete %v resumable %v %q", tc.s.Reason, tc.s.Early(), tc.s.Complete(), tc.s.Resumable(), tc.s.String())
		}
	}
}
