package rabbitmq_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/sources"
)

// TestPublishCountsNoTapAsARoute: while mqscope taps an exchange, a
// message published to it counts only the applications' queues: none
// ("not returned, to no queue but mqscope's own taps"), then the two
// bound; the tap's queue carries mqscope's prefix.
func TestPublishCountsNoTapAsARoute(t *testing.T) {
	e := newEnv(t)
	e.must(e.app.ExchangeDeclare("s19-ex", "topic", true, false, false, false, nil))
	c := e.dial()
	sub, err := c.Read(context.Background(), "s19-ex", sources.ReadOptions{Follow: true})
	e.must(err)
	defer sub.Close()
	qs, err := e.mgmt.Queues(context.Background(), e.vhost)
	e.must(err)
	if len(qs) != 1 || !sources.TapQueue(qs[0].Name) {
		t.Fatalf("queues while tapping: %+v", qs)
	}
	target := sources.Target{Exchange: true, Stream: "s19-ex", RoutingKey: "order.new"}
	msg := []sources.Message{{Partition: sources.NoPartition, Value: []byte("x")}}
	placed, err := c.Publish(context.Background(), sources.PublishRequest{Target: target, Partition: sources.NoPartition, Messages: msg})
	e.must(err)
	if got := placed[0].String(); got != "routed by exchange s19-ex (not returned), to no queue but mqscope's own taps" {
		t.Fatalf("with the tap only: %q", got)
	}
	for _, q := range []string{"a", "b"} {
		e.queue(q, nil)
		e.must(e.app.QueueBind(q, "order.*", "s19-ex", false, nil))
	}
	placed, err = c.Publish(context.Background(), sources.PublishRequest{Target: target, Partition: sources.NoPartition, Messages: msg})
	e.must(err)
	if got := placed[0].String(); got != "routed to 2 queues by exchange s19-ex" {
		t.Fatalf("with two queues and the tap: %q", got)
	}
	drain(t, sub, 2)
}

// TestPublishCancelledSaysWhatMayBeWritten: a large publish cancelled
// midway returns the confirmed placements and an error that counts the
// messages sent and not confirmed; the queue holds at least the
// confirmed ones and at most those and the unconfirmed.
func TestPublishCancelledSaysWhatMayBeWritten(t *testing.T) {
	e := newEnv(t)
	e.queue("big", nil)
	c := e.dial()
	msgs := make([]sources.Message, 300000)
	for i := range msgs {
		msgs[i] = sources.Message{Partition: sources.NoPartition, Value: []byte("m")}
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(700 * time.Millisecond); cancel() }()
	placed, err := c.Publish(ctx, sources.PublishRequest{Target: sources.Target{Stream: "big"}, Partition: sources.NoPartition, Messages: msgs})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("not cancelled: %d placed, %v", len(placed), err)
	}
	n := sources.Unconfirmed(err)
	if n <= 0 || n > 256 {
		t.Fatalf("unconfirmed %d (%v)", n, err)
	}
	time.Sleep(time.Second) // what the broker took settles
	if d := e.depth("big"); d < len(placed) || d > len(placed)+n {
		t.Fatalf("the queue holds %d, outside %d confirmed + up to %d unconfirmed", d, len(placed), n)
	}
}

// TestPublishRefusesARoutingKeyForAQueue: a queue is published to by its
// name through the default exchange: a routing key beside it is refused.
func TestPublishRefusesARoutingKeyForAQueue(t *testing.T) {
	e := newEnv(t)
	e.queue("q", nil)
	c := e.dial()
	_, err := c.Publish(context.Background(), sources.PublishRequest{Target: sources.Target{Stream: "q", RoutingKey: "rk"}, Partition: sources.NoPartition,
		Messages: []sources.Message{{Partition: sources.NoPartition, Value: []byte("x")}}})
	if !errors.Is(err, sources.ErrBadTarget) || !strings.Contains(err.Error(), "--routing-key rk with queue q") {
		t.Fatalf("routing key on a queue: %v", err)
	}
	if d := e.depth("q"); d != 0 {
		t.Fatalf("written: %d", d)
	}
}

// TestStreamReadKeepsThePositionOutOfHeaders: a stream's messages read
// without the x-stream-offset header the broker adds (their offset is
// their position), and one published without a timestamp property has
// no time rather than the time it was read.
func TestStreamReadKeepsThePositionOutOfHeaders(t *testing.T) {
	e := newEnv(t)
	e.queue("s19-stream", amqp.Table{"x-queue-type": "stream"})
	e.publish("", "s19-stream", amqp.Publishing{Body: []byte("a"), Headers: amqp.Table{"tenant": "acme"}})
	e.publish("", "s19-stream", amqp.Publishing{Body: []byte("b")})
	c := e.dial()
	ms := read(t, c, "s19-stream", sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}}, 2)
	if len(ms) != 2 || len(ms[0].Headers) != 1 || ms[0].Headers[0].Key != "tenant" || ms[1].Headers != nil || ms[1].Offset != 1 {
		t.Fatalf("read %s", fmt.Sprint(ms))
	}
	for _, m := range ms {
		if !m.Timestamp.IsZero() || !m.NoTimestamp {
			t.Fatalf("offset %d: time %v, want none", m.Offset, m.Timestamp)
		}
	}
	e.queue("s19-q", nil)
	e.publish("", "s19-q", amqp.Publishing{Body: []byte("c")})
	e.waitDepth("s19-q", 1)
	peeked := read(t, c, "s19-q", sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}}, 1)
	if len(peeked) != 1 || !peeked[0].Timestamp.IsZero() || !peeked[0].NoTimestamp {
		t.Fatalf("peek: %+v", peeked)
	}
}
