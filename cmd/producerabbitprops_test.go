package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/testbroker"
)

// TestProduceRabbitRefusesUnknownProperty: a --property name an AMQP
// message has not, or such a key in a --format jsonl line's properties, is
// refused before anything is written, and the refusal names the property
// names there are.
func TestProduceRabbitRefusesUnknownProperty(t *testing.T) {
	vhostURL, _, _ := testbroker.RabbitVhost(t)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	ac, ch := testbroker.AMQPChannel(t, vhostURL)
	defer ac.Close()
	_, err := ch.QueueDeclare("props-q", true, false, false, false, nil)
	testbroker.Must(t)(err)
	names := "content-type, content-encoding, delivery-mode, priority, correlation-id, reply-to, expiration, message-id, timestamp, type, user-id, app-id"
	code, out, errOut := run(t, "--rabbitmq", vhostURL, "produce", "props-q", "--property", "bogus=1", "--value", "x")
	if code != 1 || strings.Contains(out, "published:") || !strings.Contains(errOut, `unknown property "bogus"`) || !strings.Contains(errOut, names) || !strings.Contains(errOut, "nothing published") {
		t.Fatalf("--property bogus=1: %d %q %s", code, out, errOut)
	}
	lines := filepath.Join(t.TempDir(), "lines.jsonl")
	testbroker.Must(t)(os.WriteFile(lines, []byte(`{"value":"a","properties":{"content-type":"text/plain"}}`+"\n"+
		`{"value":"b","properties":{"message-id":"m2","colour":"red"}}`+"\n"), 0o600))
	code, out, errOut = run(t, "--rabbitmq", vhostURL, "produce", "props-q", "--format", "jsonl", "-f", lines, "--yes")
	if code != 1 || strings.Contains(out, "published:") || !strings.Contains(errOut, `capture line 2: unknown property "colour" in "properties"`) || !strings.Contains(errOut, names) {
		t.Fatalf("jsonl colour: %d %q %s", code, out, errOut)
	}
	code, out, errOut = run(t, "--rabbitmq", vhostURL, "produce", "props-q", "--property", "priority=3", "--value", "y")
	if code != 0 || !strings.Contains(out, "published:") {
		t.Fatalf("--property priority=3: %d %q %s", code, out, errOut)
	}
	testbroker.WaitQueue(t, ch, "props-q", 1)
	d, ok, err := ch.Get("props-q", true)
	if err != nil || !ok || string(d.Body) != "y" || d.Priority != 3 {
		t.Fatalf("the one message written: %v %v %q %d", err, ok, d.Body, d.Priority)
	}
}

// TestProduceRabbitUnroutableSummary: more messages than produce lists
// one by one, some of them returned by the broker: the summary counts
// those published apart from those that went nowhere.
func TestProduceRabbitUnroutableSummary(t *testing.T) {
	vhostURL, _, _ := testbroker.RabbitVhost(t)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	ac, ch := testbroker.AMQPChannel(t, vhostURL)
	defer ac.Close()
	_, err := ch.QueueDeclare("sum-q", true, false, false, false, nil)
	testbroker.Must(t)(err)
	testbroker.Must(t)(ch.QueueBind("sum-q", "here", "amq.direct", false, nil))
	var in strings.Builder
	for i := range 12 {
		in.WriteString(map[bool]string{true: "here:", false: "nowhere:"}[i%3 == 0] + "v\n")
	}
	lines := filepath.Join(t.TempDir(), "lines")
	testbroker.Must(t)(os.WriteFile(lines, []byte(in.String()), 0o600))
	code, out, errOut := run(t, "--rabbitmq", vhostURL, "produce", "--exchange", "amq.direct", "--format", "kcat", "-K", ":", "-f", lines, "--yes")
	if code != 1 || !strings.HasPrefix(out, "published 4 of 12 messages to exchange amq.direct [], 8 unroutable (not published): first routed to 1 queue") ||
		!strings.Contains(errOut, "8 of 12 messages unroutable") {
		t.Fatalf("%d %q %s", code, out, errOut)
	}
	testbroker.WaitQueue(t, ch, "sum-q", 4)
}

// TestProduceRabbitPartitionSaysQueues: --partition, or a Kafka export
// line that names its partition, produced to a RabbitMQ classic queue is
// refused in RabbitMQ's terms (a queue, not a stream); nothing is written.
func TestProduceRabbitPartitionSaysQueues(t *testing.T) {
	vhostURL, _, _ := testbroker.RabbitVhost(t)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	ac, ch := testbroker.AMQPChannel(t, vhostURL)
	defer ac.Close()
	_, err := ch.QueueDeclare("part-q", true, false, false, false, nil)
	testbroker.Must(t)(err)
	code, _, errOut := run(t, "--rabbitmq", vhostURL, "produce", "part-q", "--partition", "1", "--value", "x")
	if code != 1 || !strings.Contains(errOut, "RabbitMQ queues have no partitions (--partition 1)") || strings.Contains(errOut, "streams") {
		t.Fatalf("--partition 1: %d %s", code, errOut)
	}
	lines := filepath.Join(t.TempDir(), "kafka.jsonl")
	testbroker.Must(t)(os.WriteFile(lines, []byte(`{"stream":"part-q","partition":2,"offset":7,"timestamp":null,"key":"k","value":"v"}`+"\n"), 0o600))
	code, _, errOut = run(t, "--rabbitmq", vhostURL, "produce", "part-q", "--format", "jsonl", "-f", lines, "--yes")
	if code != 1 || !strings.Contains(errOut, "names partition 2: RabbitMQ queues have no partitions") || strings.Contains(errOut, "streams have") {
		t.Fatalf("Kafka line: %d %s", code, errOut)
	}
	testbroker.WaitQueue(t, ch, "part-q", 0)
}
