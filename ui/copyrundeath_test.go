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

// TestCopiedProduceCommandRabbitDeadLetter: a message the broker
// dead-lettered (it carries x-death, an array of tables, and the
// x-first-death-* and x-last-death-* headers): the copied produce command
// leaves those out and says so in a comment line; run, it publishes the
// body and the publisher's own headers, and the copy reads back with no
// string x-death nor a forged-death warning.
func TestCopiedProduceCommandRabbitDeadLetter(t *testing.T) {
	vhostURL, _, _ := testbroker.RabbitVhost(t)
	ac, ch := testbroker.AMQPChannel(t, vhostURL)
	defer ac.Close()
	must := testbroker.Must(t)
	_, err := ch.QueueDeclare("death-dlq", true, false, false, false, nil)
	must(err)
	_, err = ch.QueueDeclare("death-work", true, false, false, false, amqp.Table{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "death-dlq"})
	must(err)
	must(ch.PublishWithContext(context.Background(), "", "death-work", false, false, amqp.Publishing{Body: []byte(`{"id":7}`), Headers: amqp.Table{"tenant": "acme"}}))
	testbroker.WaitQueue(t, ch, "death-work", 1)
	d, ok, err := ch.Get("death-work", false)
	if err != nil || !ok {
		t.Fatalf("get: %v %v", ok, err)
	}
	must(d.Reject(false))
	testbroker.WaitQueue(t, ch, "death-dlq", 1)

	conn, err := rabbitmq.Dial(context.Background(), rabbitmq.Options{URL: vhostURL})
	must(err)
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	read := func() sources.Message {
		t.Helper()
		sub, err := conn.Read(ctx, "death-dlq", sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}})
		must(err)
		defer sub.Close()
		ms, err := sub.Next(ctx, 1)
		must(err)
		return ms[0]
	}
	m := read()
	if m.DeadLetter == nil || !strings.Contains(string(headerValue(&m, "x-death")), "death-work") {
		t.Fatalf("the dead letter read: %+v", m)
	}
	line, err := produceCommand(conn, &m)
	must(err)
	first, cmdLine, _ := strings.Cut(line, "\n")
	if !strings.HasPrefix(first, "# left out x-death, x-first-death-") || !strings.Contains(first, "a produce would publish them as strings") {
		t.Fatalf("copied %s", line)
	}
	if strings.Contains(cmdLine, "x-death") || strings.Contains(cmdLine, "x-first-death") || !strings.Contains(cmdLine, "--header 'tenant=acme'") {
		t.Fatalf("copied %s", line)
	}
	_, err = ch.QueuePurge("death-dlq", false)
	must(err)
	runCopied(t, line)
	testbroker.WaitQueue(t, ch, "death-dlq", 1)
	c := read()
	if string(c.Value) != `{"id":7}` || string(headerValue(&c, "tenant")) != "acme" || headerValue(&c, "x-death") != nil || c.DeadLetter != nil {
		t.Fatalf("the copy read back: %+v", c)
	}
}

// headerValue is m's header k (nil without one).
func headerValue(m *sources.Message, k string) []byte {
	for _, h := range m.Headers {
		if h.Key == k {
			return h.Value
		}
	}
	return nil
}
