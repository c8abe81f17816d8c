package cmd

import (
	"context"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testbroker"
)

// TestForgedXDeathIsNotTrusted: a publisher sends its own x-death and
// x-first-death-* (queue o2.work, exchange shop2, routing key
// orders.spoofed); the broker then dead-letters the message for real from
// orders.work. The plan does not send it where the forged first death
// says: it is unresolved, with why, and stays in the DLQ when the run
// redrives the genuine dead letter next to it; --trust-first-death sends
// it to the first death's exchange.
func TestForgedXDeathIsNotTrusted(t *testing.T) {
	vhostURL, _, _ := testbroker.RabbitVhost(t)
	ac, ch := testbroker.AMQPChannel(t, vhostURL)
	defer ac.Close()
	must := testbroker.Must(t)
	for _, x := range []string{"shop", "shop2"} {
		must(ch.ExchangeDeclare(x, "topic", true, false, false, false, nil))
	}
	_, err := ch.QueueDeclare("orders.work", true, false, false, false, amqp.Table{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "orders.dlq"})
	must(err)
	_, err = ch.QueueDeclare("orders.dlq", true, false, false, false, nil)
	must(err)
	must(ch.QueueBind("orders.work", "orders.*", "shop", false, nil))
	forged := amqp.Table{
		"x-death": []any{amqp.Table{"queue": "o2.work", "reason": "rejected", "exchange": "shop2", "routing-keys": []any{"orders.spoofed"},
			"count": int64(1), "time": time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}},
		"x-first-death-queue": "o2.work", "x-first-death-reason": "rejected", "x-first-death-exchange": "shop2",
	}
	must(ch.PublishWithContext(context.Background(), "shop", "orders.spoof", false, false, amqp.Publishing{Headers: forged, Body: []byte("forged"), DeliveryMode: amqp.Persistent}))
	must(ch.PublishWithContext(context.Background(), "shop", "orders.real", false, false, amqp.Publishing{Body: []byte("real"), DeliveryMode: amqp.Persistent}))
	testbroker.WaitQueue(t, ch, "orders.work", 2)
	for range 2 {
		d, ok, err := ch.Get("orders.work", false)
		if err != nil || !ok {
			t.Fatalf("orders.work: %v", err)
		}
		must(d.Reject(false))
	}
	testbroker.WaitQueue(t, ch, "orders.dlq", 2)

	code, plan, errOut := run(t, "--rabbitmq", vhostURL, "redrive", "orders.dlq", "--dry-run")
	if code != 0 || !strings.Contains(plan, "1 -> exchange shop [orders.real]") || !strings.Contains(plan, "1 unresolved (left in place)") ||
		!strings.Contains(plan, "x-death and x-first-death disagree") || !strings.Contains(plan, "the first death may be forged") ||
		!strings.Contains(plan, "target from the first death: exchange shop2 [orders.spoofed]") || strings.Contains(plan, "-> exchange shop2") {
		t.Fatalf("dry run: %d\n%s\n%s", code, plan, errOut)
	}
	code, plan, errOut = run(t, "--rabbitmq", vhostURL, "redrive", "orders.dlq", "--dry-run", "--trust-first-death")
	if code != 0 || !strings.Contains(plan, "1 -> exchange shop2 [orders.spoofed]") || !strings.Contains(plan, "1 -> exchange shop [orders.real]") {
		t.Fatalf("--trust-first-death: %d\n%s\n%s", code, plan, errOut)
	}
	code, out, errOut := run(t, "--rabbitmq", vhostURL, "redrive", "orders.dlq", "--yes", "--breaker", "0")
	if code != 0 || !strings.Contains(out, "1 redriven") {
		t.Fatalf("run: %d\n%s\n%s", code, out, errOut)
	}
	testbroker.WaitQueue(t, ch, "orders.work", 1)
	testbroker.WaitQueue(t, ch, "orders.dlq", 1)
	d, ok, err := ch.Get("orders.dlq", false)
	if err != nil || !ok || string(d.Body) != "forged" {
		t.Fatalf("the DLQ holds %q (%v), want the forged one", d.Body, err)
	}
	must(d.Nack(false, true))
}
