package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/testbroker"
)

// TestProduceRabbitQueueFlags: --json names the queue written to; a
// --routing-key or --partition beside a queue is refused, and so is a key
// (--key, or kcat's -K), which a queue publish has no place for: the
// refusal names a header and an exchange instead; nothing is written.
func TestProduceRabbitQueueFlags(t *testing.T) {
	vhostURL, _, _ := testbroker.RabbitVhost(t)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	ac, ch := testbroker.AMQPChannel(t, vhostURL)
	defer ac.Close()
	_, err := ch.QueueDeclare("s19-q", true, false, false, false, nil)
	testbroker.Must(t)(err)
	code, out, errOut := run(t, "--rabbitmq", vhostURL, "produce", "s19-q", "--value", "x", "--json")
	if code != 0 || out != `{"stream":"s19-q","published":true,"routed_queues":1}`+"\n" {
		t.Fatalf("--json: %d %q %s", code, out, errOut)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--routing-key", "rk"}, "--routing-key rk with queue s19-q"},
		{[]string{"--partition", "1"}, "RabbitMQ queues have no partitions (--partition 1)"},
		{[]string{"--key", "ord-1"}, `message 1 has key "ord-1", and queue s19-q is published to through the default exchange, its name the routing key: an AMQP message has no other key; ` +
			"give it as a header (--header key=VALUE) or route by it through an exchange (--exchange X --routing-key KEY)"},
	} {
		code, _, errOut := run(t, append([]string{"--rabbitmq", vhostURL, "produce", "s19-q", "--value", "y"}, tc.args...)...)
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Fatalf("%v: %d %s", tc.args, code, errOut)
		}
	}
	lines := filepath.Join(t.TempDir(), "lines")
	testbroker.Must(t)(os.WriteFile(lines, []byte("plain\nk1:v1\n"), 0o600))
	code, _, errOut = run(t, "--rabbitmq", vhostURL, "produce", "s19-q", "--format", "kcat", "-K", ":", "-f", lines, "--yes")
	if code != 1 || !strings.Contains(errOut, `message 2 has key "k1"`) || !strings.Contains(errOut, "(0 of 2 published)") {
		t.Fatalf("kcat -K to a queue: %d %s", code, errOut)
	}
	testbroker.WaitQueue(t, ch, "s19-q", 1)
	audit, err := os.ReadFile(filepath.Join(os.Getenv("XDG_STATE_HOME"), "mqscope", "audit.jsonl"))
	if err != nil || !strings.Contains(string(audit), `"action":"publish-run"`) || !strings.Contains(string(audit), `"counts":{"published":1,"tombstones":0,"total":1,"unroutable":0}`) {
		t.Fatalf("audit: %v\n%s", err, audit)
	}
}
