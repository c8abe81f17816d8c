package testbroker

import (
	"maps"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/sources/rabbitmq/wire"
)

// AMQPChannel dials amqpURL with amqp091-go and opens a channel on the
// connection. Closing the connection is the caller's.
func AMQPChannel(t testing.TB, amqpURL string) (*amqp.Connection, *amqp.Channel) {
	t.Helper()
	conn, err := amqp.Dial(amqpURL)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := conn.Channel()
	if err != nil {
		conn.Close()
		t.Fatal(err)
	}
	return conn, ch
}

// Must returns a function that fails t on an error.
func Must(t testing.TB) func(error) {
	return func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// WorkQueues declares the queue work, whose messages are dead-lettered
// through the default exchange into work.dlq (args add to its arguments),
// and work.dlq.
func WorkQueues(t testing.TB, ch *amqp.Channel, args amqp.Table) {
	t.Helper()
	must := Must(t)
	workArgs := amqp.Table{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "work.dlq"}
	maps.Copy(workArgs, args)
	_, err := ch.QueueDeclare("work", true, false, false, false, workArgs)
	must(err)
	_, err = ch.QueueDeclare("work.dlq", true, false, false, false, nil)
	must(err)
}

// ShopExchange declares the topic exchange shop and binds the queue work
// to it for order.*.
func ShopExchange(t testing.TB, ch *amqp.Channel) {
	t.Helper()
	must := Must(t)
	must(ch.ExchangeDeclare("shop", "topic", true, false, false, false, nil))
	must(ch.QueueBind("work", "order.*", "shop", false, nil))
}

// WaitQueue waits for a queue to hold n messages.
func WaitQueue(t testing.TB, ch *amqp.Channel, q string, n int) {
	t.Helper()
	got := -1
	for range 400 {
		st, err := ch.QueueDeclarePassive(q, true, false, false, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got = st.Messages; got == n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s holds %d messages, want %d", q, got, n)
}

// WireRead consumes queue on c with package wire (consumer tag tag,
// prefetch at a time) until n messages are delivered, and returns them;
// they are not acknowledged and go back when c closes.
func WireRead(t testing.TB, c *wire.Conn, queue, tag string, prefetch, n int) []wire.Delivery {
	t.Helper()
	if err := c.Qos(prefetch); err != nil {
		t.Fatal(err)
	}
	if err := c.Consume(queue, tag); err != nil {
		t.Fatal(err)
	}
	ev := c.Start(1)
	var got []wire.Delivery
	for len(got) < n {
		select {
		case b := <-ev.Deliveries:
			got = append(got, b...)
		case <-time.After(10 * time.Second):
			t.Fatalf("%d of %d delivered from %s to package wire", len(got), n, queue)
		}
	}
	return got
}
