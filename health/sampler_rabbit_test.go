package health

import (
	"context"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// TestSamplerRabbitMQDepth: a queue has no consumer groups; its flow is
// its depth, consumers and unacknowledged messages, and its dead-letter
// queue's depth, sampled on the real server: between two ticks both
// queues fill and a consumer holds a message unacknowledged.
func TestSamplerRabbitMQDepth(t *testing.T) {
	url, _, _ := testbroker.RabbitVhost(t)
	conn, ch := testbroker.AMQPChannel(t, url)
	defer conn.Close()
	must := testbroker.Must(t)
	_, err := ch.QueueDeclare("shipments.dlq", true, false, false, false, nil)
	must(err)
	_, err = ch.QueueDeclare("shipments", true, false, false, false, amqp.Table{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "shipments.dlq"})
	must(err)
	publish := func(q string, n int) {
		for range n {
			must(ch.PublishWithContext(context.Background(), "", q, false, false, amqp.Publishing{Body: []byte(`{"id":1}`)}))
		}
	}
	_, api := testbroker.RabbitURLs()
	c, err := rabbitmq.Dial(context.Background(), rabbitmq.Options{URL: url, ManagementURL: api})
	must(err)
	defer c.Close()
	// the management API's counts (consumers apart from messages) lag what
	// the queues hold: wait for them
	settled := func(depth, dead, unacked, consumers int64) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			list, err := c.ListStreams(context.Background())
			must(err)
			var d, dl, u, cs int64
			for _, st := range list {
				switch st.Name {
				case "shipments":
					d, u, cs = st.Messages, st.Counts.Held(), st.Counts.Consumers.N
				case "shipments.dlq":
					dl = st.Messages
				}
			}
			if d == depth && dl == dead && u == unacked && cs == consumers {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the management API says %d, %d, %d unacked, %d consumers; want %d, %d, %d, %d", d, dl, u, cs, depth, dead, unacked, consumers)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	publish("shipments", 3)
	publish("shipments.dlq", 1)
	settled(3, 1, 0, 0)

	sr := runSampler(c, "shipments")
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	sr.tick(t0)

	publish("shipments", 2)
	publish("shipments.dlq", 2)
	cch, err := conn.Channel()
	must(err)
	defer cch.Close()
	must(cch.Qos(1, 0, false))
	deliveries, err := cch.Consume("shipments", "holder", false, false, false, false, nil)
	must(err)
	<-deliveries // held, not acknowledged
	settled(5, 3, 1, 1)
	sr.tick(t0.Add(time.Second))
	s := sr.finish()
	if s.Failed != 0 || len(s.Samples) != 2 {
		t.Fatalf("sampling %+v", s)
	}
	a, b := s.Samples[0], s.Samples[1]
	if a.DepthMessages != 3 || a.DeadLetterMessages != 1 || a.Consumers != 0 || a.InFlightMessages != 0 || a.DeadLetterEnd != -1 || len(a.Lags) != 0 {
		t.Fatalf("first sample %+v", a)
	}
	if b.DepthMessages != 5 || b.DeadLetterMessages != 3 || b.Consumers != 1 || b.InFlightMessages != 1 {
		t.Fatalf("second sample %+v", b)
	}
	if s.DeadLetterPerMin() != -1 { // a queue has no offsets: its inflow is not known from depth
		t.Fatalf("dead letters %v/min", s.DeadLetterPerMin())
	}
}
