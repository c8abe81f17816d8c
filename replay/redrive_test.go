package replay_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/kafka"
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
			if _, err := replay.CheckTargets(context.Background(), c, plan); !errors.Is(err, sources.ErrBadTarget) || !strings.Contains(err.Error(), tc.want) {
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
	if _, err := replay.CheckTargets(context.Background(), c, plan); !errors.Is(err, sources.ErrBadTarget) {
		t.Fatalf("parking in the source: %v", err)
	}
	plan, err = replay.NewPlan("orders.DLT", dead, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := replay.CheckTargets(context.Background(), c, plan); err != nil {
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
	if _, err := replay.CheckTargets(context.Background(), e.conn, p); err != nil {
		t.Fatalf("exchange shop: %v", err)
	}

	s := newSQSEnv(t, false)
	s.kill(t, []string{"a", "b"})
	dead := readAll(t, s.c, s.dlq)
	p, err := replay.NewPlan(s.dlq, dead, replay.Options{To: "nosuch-queue"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := replay.CheckTargets(context.Background(), s.c, p); !errors.Is(err, sources.ErrBadTarget) || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("sqs: %v", err)
	}
	p, _ = replay.NewPlan(s.dlq, dead, replay.Options{To: "no/such"})
	if _, err := replay.CheckTargets(context.Background(), s.c, p); !errors.Is(err, sources.ErrBadTarget) || !strings.Contains(err.Error(), "legal SQS queue name") {
		t.Fatalf("sqs name: %v", err)
	}
	p, _ = replay.NewPlan(s.dlq, dead, replay.Options{})
	if _, err := replay.CheckTargets(context.Background(), s.c, p); err != nil {
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

// TestRefusedProvenanceTargetLeavesOnlyItsDeadLetters: dead letters whose
// provenance names a topic that cannot be written to (an illegal name, a
// topic that does not exist) are left unresolved with why, and the rest
// is redriven; a target the user chose (--to, --park-to) that is refused
// still refuses the whole run, --park-to also when nothing is parked.
func TestRefusedProvenanceTargetLeavesOnlyItsDeadLetters(t *testing.T) {
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "work", "work.DLT"))
	if err != nil {
		t.Fatal(err)
	}
	defer kf.Close()
	addr := kf.ListenAddrs()[0]
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Producer.Return.Successes = true
	prod, err := sarama.NewSyncProducer([]string{addr}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	var dead []*sarama.ProducerMessage
	for i, origin := range []string{"work", "bad name!", "work", "nosuch", "work", "bad name!"} {
		dead = append(dead, &sarama.ProducerMessage{Topic: "work.DLT", Key: sarama.StringEncoder(fmt.Sprintf("k%d", i)), Value: sarama.StringEncoder("v"),
			Headers: []sarama.RecordHeader{{Key: []byte("kafka_dlt-original-topic"), Value: []byte(origin)}, {Key: []byte("kafka_dlt-exception-fqcn"), Value: []byte("com.acme.Boom")}}})
	}
	if err := prod.SendMessages(dead); err != nil {
		t.Fatal(err)
	}
	c, err := kafka.Dial(context.Background(), kafka.Options{Name: "k", Brokers: []string{addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msgs := readAll(t, c, "work.DLT")
	plan, err := replay.NewPlan("work.DLT", msgs, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	check, err := replay.CheckTargets(context.Background(), c, plan)
	if err != nil {
		t.Fatalf("a refused target from provenance refused the run: %v", err)
	}
	if len(check.Refused) != 2 || plan.Summary().Redrive != 6 {
		t.Fatalf("check %+v; the check must not change the plan (%+v)", check, plan.Summary())
	}
	if n := plan.Refuse(check); n != 3 {
		t.Fatalf("refused %d messages, want 3", n)
	}
	if n := plan.Refuse(check); n != 0 {
		t.Fatalf("applying the check again refused %d more", n)
	}
	reasons := map[string]string{}
	for _, it := range plan.Items {
		if it.Action == replay.Unresolved {
			reasons[string(it.Msg.Key)] = it.Reason
		}
	}
	if !strings.HasPrefix(reasons["k1"], `target "bad name!" is not a legal Kafka topic name`) || reasons["k5"] != reasons["k1"] ||
		!strings.Contains(reasons["k3"], `topic "nosuch" does not exist`) || len(reasons) != 3 {
		t.Fatalf("unresolved: %q", reasons)
	}
	var out strings.Builder
	if err := plan.Write(&out); err != nil || !strings.Contains(out.String(), "3 unresolved (left in place)") ||
		!strings.Contains(out.String(), `unresolved work.DLT@0/1: target "bad name!" is not a legal Kafka topic name`) {
		t.Fatalf("plan:\n%s", out.String())
	}
	// Execute checks again (a plan it was not applied to yet gets it too)
	// and redrives the rest.
	fresh, _ := replay.NewPlan("work.DLT", msgs, replay.Options{})
	res, err := replay.Execute(context.Background(), c, fresh, replay.RunOptions{StateDir: t.TempDir()})
	if err != nil || res.Done != 3 {
		t.Fatalf("execute: %+v %v", res, err)
	}
	if back := readAll(t, c, "work"); len(back) != 3 {
		t.Fatalf("%d redriven into work, want 3", len(back))
	}
	for _, o := range []replay.Options{{To: "bad name!"}, {ParkTo: "nosuch"}, {ParkTo: "bad name!", HopLimit: 5}} {
		p, _ := replay.NewPlan("work.DLT", msgs, o)
		if p.Summary().Park != 0 && o.HopLimit != 0 {
			t.Fatalf("%+v parks", o)
		}
		if _, err := replay.CheckTargets(context.Background(), c, p); !errors.Is(err, sources.ErrBadTarget) {
			t.Errorf("%+v: %v, want the run refused", o, err)
		}
	}
}

// TestExecuteRefusesAnExchangeThatRoutesBackIntoTheDLQ: --to an exchange
// whose bindings route the messages' key into the DLQ itself (directly, or
// through an exchange-to-exchange binding) is refused before anything is
// written; an exchange that routes the key elsewhere is not.
func TestExecuteRefusesAnExchangeThatRoutesBackIntoTheDLQ(t *testing.T) {
	e := newRabbitEnv(t, 3)
	must := testbroker.Must(t)
	must(e.app.ExchangeDeclare("dlx", "direct", true, false, false, false, nil))
	must(e.app.QueueBind("work.dlq", "order.created", "dlx", false, nil))
	must(e.app.ExchangeDeclare("front", "fanout", true, false, false, false, nil))
	must(e.app.ExchangeBind("dlx", "", "front", false, nil))
	must(e.app.ExchangeDeclare("elsewhere", "direct", true, false, false, false, nil))
	must(e.app.QueueBind("work.dlq", "order.other", "elsewhere", false, nil))
	must(e.app.QueueBind("work", "order.created", "elsewhere", false, nil))
	for _, to := range []string{"dlx", "front"} {
		p := planFor(t, e, replay.Options{To: to})
		res, err := replay.Execute(context.Background(), e.conn, p, replay.RunOptions{StateDir: t.TempDir(), WholeQueue: true})
		want := "exchange " + to + " [order.created] routes into work.dlq itself"
		if !errors.Is(err, sources.ErrBadTarget) || !strings.Contains(err.Error(), want) || res.Stop.Reason != replay.TargetRefused {
			t.Fatalf("--to %s: %+v %v", to, res.Stop, err)
		}
	}
	if d := e.depth(t, "work.dlq"); d != 3 {
		t.Fatalf("the DLQ holds %d of 3", d)
	}
	if _, err := replay.CheckTargets(context.Background(), e.conn, planFor(t, e, replay.Options{To: "elsewhere"})); err != nil {
		t.Fatalf("--to elsewhere: %v", err)
	}
}
