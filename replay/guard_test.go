package replay_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/kafka"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

func TestGuardTripsPastItsShare(t *testing.T) {
	g := replay.NewGuard(0.10, time.Minute)
	var trips []string
	g.OnTrip = func(r string) { trips = append(trips, r) }
	g.Sent(100)
	g.Returned(4) // below the minimum to judge
	g.Returned(6) // 10 of 100: not past 10%
	if paused, _ := g.Paused(); paused {
		t.Fatal("tripped at exactly the share")
	}
	g.Returned(1)
	paused, why := g.Paused()
	if !paused || len(trips) != 1 || !strings.Contains(why, "11 redriven messages came back dead in the last 1m0s, while 100 were redriven") {
		t.Fatalf("paused %v %q trips %v", paused, why, trips)
	}
	done := make(chan bool)
	go func() { done <- g.Wait(context.Background()) }()
	select {
	case <-done:
		t.Fatal("Wait did not wait while paused")
	case <-time.After(50 * time.Millisecond):
	}
	g.Resume()
	if !<-done {
		t.Fatal("resumed, but Wait says stop")
	}
	g.Returned(3) // the window starts afresh: 3 of 0 is below the minimum
	if paused, _ := g.Paused(); paused {
		t.Fatal("tripped again on the returns from before the resume")
	}
	g.Stop()
	if g.Wait(context.Background()) {
		t.Fatal("stopped, but Wait says go on")
	}
	if sent, back := g.Totals(); sent != 100 || back != 14 {
		t.Fatalf("totals %d %d", sent, back)
	}
	var nilGuard *replay.Guard // a run without a breaker
	if !nilGuard.Wait(context.Background()) {
		t.Fatal("a nil guard must never stop a run")
	}
}

// TestBreakerStopsAKafkaRedriveThatComesBack: a consumer of the origin
// topic dead-letters every redriven message again; the watcher sees them
// come back to the DLT and the breaker stops the redrive well before its end.
func TestBreakerStopsAKafkaRedriveThatComesBack(t *testing.T) {
	const n = 1000
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
	for i := 0; i < n; i++ {
		dead = append(dead, &sarama.ProducerMessage{Topic: "work.DLT", Key: sarama.StringEncoder(fmt.Sprintf("k%d", i)), Value: sarama.StringEncoder("v"),
			Headers: []sarama.RecordHeader{{Key: []byte("kafka_dlt-original-topic"), Value: []byte("work")}, {Key: []byte("kafka_dlt-exception-fqcn"), Value: []byte("com.acme.Boom")}}})
	}
	if err := prod.SendMessages(dead); err != nil {
		t.Fatal(err)
	}
	c, err := kafka.Dial(context.Background(), kafka.Options{Name: "k", Brokers: []string{addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	plan, err := replay.NewPlan("work.DLT", readAll(t, c, "work.DLT"), replay.Options{})
	if err != nil || plan.Summary().Redrive != n {
		t.Fatalf("plan: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The failing consumer: everything redriven to work dies into work.DLT again.
	sub, err := c.Read(ctx, "work", sources.ReadOptions{Start: sources.Start{Kind: sources.StartNewest}, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer sub.Close()
		for {
			batch, err := sub.Next(ctx, 100)
			var again []*sarama.ProducerMessage
			for _, m := range batch {
				var hs []sarama.RecordHeader
				for _, h := range m.Headers {
					hs = append(hs, sarama.RecordHeader{Key: []byte(h.Key), Value: h.Value})
				}
				again = append(again, &sarama.ProducerMessage{Topic: "work.DLT", Key: sarama.ByteEncoder(m.Key), Value: sarama.ByteEncoder(m.Value), Headers: hs})
			}
			if len(again) > 0 {
				_ = prod.SendMessages(again)
			}
			if err != nil && ctx.Err() != nil {
				return
			}
		}
	}()
	g := replay.NewGuard(0.10, time.Minute)
	g.OnTrip = func(string) { go g.Stop() } // the user answers "stop"
	stop, err := replay.Watch(ctx, c, "work.DLT", plan.ID, g)
	if err != nil {
		t.Fatal(err)
	}
	res, err := replay.RedriveKafka(ctx, c, plan, replay.RunOptions{Batch: 20, Rate: 400, Guard: g})
	stop()
	cancel()
	wg.Wait()
	if err != nil || res.Stop.Reason != replay.BreakerStopped || res.Done >= n/2 || res.Done == 0 {
		t.Fatalf("redrive: %d of %d done, stopped %q, %v", res.Done, n, res.Stop, err)
	}
	// Nothing lost: the redrive group committed exactly what went out.
	offs, err := c.GroupOffsets(replay.GroupID(plan.ID), "work.DLT")
	if err != nil || offs[0] != int64(res.Done) {
		t.Fatalf("committed %v for %d redriven: %v", offs, res.Done, err)
	}
	t.Logf("breaker stopped the redrive after %d of %d: %s", res.Done, n, res.Stop)
}

// TestBreakerStopsARabbitRedriveThatComesBack: the consumer of the origin
// queue rejects everything, the broker dead-letters it through the DLX back
// into the DLQ; a tap on the DLX sees the returns and the breaker stops the
// run. Every message ends in the DLQ again: none lost.
func TestBreakerStopsARabbitRedriveThatComesBack(t *testing.T) {
	const n = 300
	vhostURL, _, _ := testbroker.RabbitVhost(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ac, ch := testbroker.AMQPChannel(t, vhostURL)
	defer ac.Close()
	must := testbroker.Must(t)
	must(ch.ExchangeDeclare("dlx", "fanout", true, false, false, false, nil))
	_, err := ch.QueueDeclare("work", true, false, false, false, amqp.Table{"x-dead-letter-exchange": "dlx"})
	must(err)
	_, err = ch.QueueDeclare("work.dlq", true, false, false, false, nil)
	must(err)
	testbroker.ShopExchange(t, ch)
	must(ch.QueueBind("work.dlq", "", "dlx", false, nil))
	for i := 0; i < n; i++ {
		must(ch.PublishWithContext(ctx, "shop", "order.created", false, false, amqp.Publishing{Body: []byte(fmt.Sprint(i)), DeliveryMode: amqp.Persistent}))
	}
	// The failing consumer, from the start: everything dies into work.dlq.
	cch, _ := ac.Channel()
	deliveries, err := cch.Consume("work", "failing", false, false, false, false, nil)
	must(err)
	go func() {
		for d := range deliveries {
			_ = d.Reject(false)
		}
	}()
	depth := func(q string) int {
		st, err := ch.QueueDeclarePassive(q, true, false, false, false, nil)
		must(err)
		return st.Messages
	}
	waitDepth := func(q string, want int) {
		t.Helper()
		for i := 0; i < 400 && depth(q) != want; i++ {
			time.Sleep(50 * time.Millisecond)
		}
		if got := depth(q); got != want {
			t.Fatalf("%s holds %d, want %d", q, got, want)
		}
	}
	waitDepth("work.dlq", n)
	conn, err := rabbitmq.Dial(ctx, rabbitmq.Options{URL: vhostURL})
	must(err)
	defer conn.Close()
	plan, err := replay.NewPlan("work.dlq", readAll(t, conn, "work.dlq"), replay.Options{})
	must(err)
	g := replay.NewGuard(0.10, time.Minute)
	g.OnTrip = func(string) { go g.Stop() }
	stop, err := replay.Watch(ctx, conn, "work.dlq", plan.ID, g)
	must(err)
	res, err := replay.RedriveStreamed(ctx, conn, plan, true, replay.RunOptions{Batch: 10, Rate: 150, Guard: g})
	stop()
	if err != nil || res.Stop.Reason != replay.BreakerStopped || res.Done >= n/2 || res.Done == 0 {
		t.Fatalf("redrive: %d of %d done, stopped %q, %v", res.Done, n, res.Stop, err)
	}
	waitDepth("work.dlq", n) // the returned ones came back, the rest never left
	must(cch.Close())
	waitDepth("work", 0)
	t.Logf("breaker stopped the redrive after %d of %d: %s", res.Done, n, res.Stop)
}
