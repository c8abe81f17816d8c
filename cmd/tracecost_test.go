package cmd

import (
	"strings"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
)

// TestTraceNamesCostlyQueuesApartFromWorkQueues: a trace lists the queues
// it skipped for what a read costs with that cost (a dead-letter queue
// with a delivery limit among them, not among the work queues), apart
// from the plain work queues it skipped for the redelivered flag.
func TestTraceNamesCostlyQueuesApartFromWorkQueues(t *testing.T) {
	vhostURL, ch := rabbitQueue(t, "dlq.qop", amqp.Table{"x-queue-type": "quorum", "x-delivery-limit": int32(3)}, 1)
	if _, err := ch.QueueDeclare("orders.work", true, false, false, false, amqp.Table{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "dlq.qop"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.QueueDeclare("work.qop", true, false, false, false, amqp.Table{"x-queue-type": "quorum", "x-delivery-limit": int32(5)}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "--rabbitmq", vhostURL, "trace", "no-such-id")
	if code != 0 {
		t.Fatalf("trace: exit %d\n%s\n%s", code, out, errOut)
	}
	var skipped []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "skipped ") {
			skipped = append(skipped, l)
		}
	}
	if len(skipped) != 3 ||
		!strings.HasPrefix(skipped[0], "skipped 1 work queues (a peek would mark their messages redelivered): 127.0.0.1/") || !strings.HasSuffix(skipped[0], "/orders.work") ||
		!strings.Contains(skipped[1], "/dlq.qop: dlq.qop is a quorum queue with x-delivery-limit 3: each read raises every message's delivery count by 1") || !strings.HasSuffix(skipped[1], "(--accept-peek-cost reads it)") ||
		!strings.HasPrefix(skipped[2], "skipped work queue 127.0.0.1/") || !strings.Contains(skipped[2], "/work.qop: work.qop is a quorum queue with x-delivery-limit 5: each read raises") {
		t.Fatalf("trace:\n%s", out)
	}
}
