package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// TestCopiedProduceCommandRabbitMQ: a message published to an exchange
// with headers and AMQP properties, read from the queue it reached: the
// copied produce command names the broker by --rabbitmq without the
// password, publishes through the same exchange and routing key, and the
// copy reads back with the original's body, headers and properties; one
// with a null header goes as a capture line and reads back the same.
func TestCopiedProduceCommandRabbitMQ(t *testing.T) {
	vhostURL, _, _ := testbroker.RabbitVhost(t)
	ac, ch := testbroker.AMQPChannel(t, vhostURL)
	defer ac.Close()
	must := testbroker.Must(t)
	_, err := ch.QueueDeclare("copies", true, false, false, false, nil)
	must(err)
	must(ch.ExchangeDeclare("s19-ex", "topic", true, false, false, false, nil))
	must(ch.QueueBind("copies", "order.*", "s19-ex", false, nil))
	orig := amqp.Publishing{Body: []byte("{\"id\":1}\nline 2"), ContentType: "application/json", DeliveryMode: amqp.Transient, MessageId: "m-1",
		CorrelationId: "c-1", Type: "order.created", AppId: "shop", Priority: 3, Headers: amqp.Table{"tenant": "acme", "s19-a=b": "x"}}
	must(ch.PublishWithContext(context.Background(), "s19-ex", "order.new", false, false, orig))
	testbroker.WaitQueue(t, ch, "copies", 1)

	conn, err := rabbitmq.Dial(context.Background(), rabbitmq.Options{URL: vhostURL})
	must(err)
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sub, err := conn.Read(ctx, "copies", sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}})
	must(err)
	ms, err := sub.Next(ctx, 1)
	must(err)
	sub.Close()
	m := ms[0]
	line, err := produceCommand(conn, &m)
	must(err)
	for _, want := range []string{"mqscope --rabbitmq ", " produce --exchange 's19-ex' --routing-key 'order.new'", "--format jsonl"} {
		if !strings.Contains(line, want) {
			t.Fatalf("copied %s\nwant %q in it", line, want)
		}
	}
	if strings.Contains(line, "guest") || strings.Contains(line, " -c ") {
		t.Fatalf("the credentials or a session label in %s", line)
	}
	m.Headers = m.Headers[1:] // without the name with "=": as flags
	flags, err := produceCommand(conn, &m)
	must(err)
	for _, want := range []string{"--property 'content-type=application/json'", "--property 'delivery-mode=1'", "--property 'message-id=m-1'",
		"--property 'priority=3'", "--header 'tenant=acme'", " produce --exchange 's19-ex' --routing-key 'order.new'"} {
		if !strings.Contains(flags, want) || strings.Contains(flags, "--format jsonl") {
			t.Fatalf("copied %s\nwant %q in it", flags, want)
		}
	}
	runCopied(t, line)
	runCopied(t, flags)
	testbroker.WaitQueue(t, ch, "copies", 3)
	var got []amqp.Delivery
	for range 3 {
		d, ok, err := ch.Get("copies", true)
		if err != nil || !ok {
			t.Fatalf("get: %v %v", ok, err)
		}
		got = append(got, d)
	}
	for i, d := range got[1:] {
		o := got[0]
		if string(d.Body) != string(o.Body) || d.ContentType != o.ContentType || d.DeliveryMode != o.DeliveryMode || d.MessageId != o.MessageId ||
			d.CorrelationId != o.CorrelationId || d.Type != o.Type || d.AppId != o.AppId || d.Priority != o.Priority || d.Exchange != "s19-ex" || d.RoutingKey != "order.new" ||
			d.Headers["tenant"] != "acme" {
			t.Fatalf("copy %d: %+v\nwant %+v", i+1, d, o)
		}
		if _, has := d.Headers["x-stream-offset"]; has {
			t.Fatalf("copy %d gained x-stream-offset", i+1)
		}
	}
	if got[1].Headers["s19-a=b"] != "x" {
		t.Fatalf("the capture line's copy lost the header with = in its name: %v", got[1].Headers)
	}
}
