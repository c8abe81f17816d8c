package cmd

import (
	"testing"
)

// TestDiffOfAQueuePositionSaysQueuesHaveNone: diff on a RabbitMQ queue
// says a queue's messages have no positions to fetch (a peek's are not
// stable) and what to do instead, and reads nothing (no message comes
// back redelivered).
func TestDiffOfAQueuePositionSaysQueuesHaveNone(t *testing.T) {
	vhostURL, ch := rabbitQueue(t, "d2", nil, 2)
	for _, args := range [][]string{{"diff", "d2", "0"}, {"diff", "d2", "0", "d2", "1"}} {
		code, out, errOut := run(t, append([]string{"--rabbitmq", vhostURL}, args...)...)
		want := "mqscope: d2 is a queue: its messages have no positions to fetch (a peek's positions are not stable); export it (mqscope export d2) and compare the lines, or mark two messages in the TUI (space) and diff them there (d)\n"
		if code == 0 || out != "" || errOut != want {
			t.Fatalf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	m, _, err := ch.Get("d2", false)
	if err != nil || m.Redelivered {
		t.Fatalf("read: %v, redelivered %v", err, m.Redelivered)
	}
}
