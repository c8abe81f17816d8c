package cmd

import (
	"strings"
	"testing"
)

// TestHeadlessQueueReadsSayTheyPeeked: export, tail and triage of a
// classic RabbitMQ queue (no delivery limit) peek it, and say so on stderr
// once: the messages were held, given back, and are now redelivered; tail
// adds that it could not follow the queue. A Kafka topic's read says no
// such thing.
func TestHeadlessQueueReadsSayTheyPeeked(t *testing.T) {
	const n = 3
	vhostURL, ch := rabbitQueue(t, "orders.q", nil, n)
	const line = "mqscope: orders.q is a queue: 3 messages were peeked (held, then given back: they are now flagged redelivered)"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "orders.q"}, line},
		{[]string{"triage", "orders.q"}, line},
		{[]string{"tail", "orders.q"}, line + "; a queue cannot be followed without consuming it: peeked once"},
	} {
		code, out, errOut := run(t, append([]string{"--rabbitmq", vhostURL}, c.args...)...)
		if code != 0 || out == "" || strings.Count(errOut, "mqscope:") != 1 || !strings.Contains(errOut, c.want+"\n") {
			t.Fatalf("%v: exit %d, stdout %q, stderr %q", c.args, code, out, errOut)
		}
		waitReady(t, ch, "orders.q", n)
	}
	addr := demoBroker(t, 0)
	code, out, errOut := run(t, "--kafka", addr, "export", "orders.DLT")
	if code != 0 || out == "" || strings.Contains(errOut, "peeked") {
		t.Fatalf("kafka export: exit %d, stderr %q", code, errOut)
	}
}
