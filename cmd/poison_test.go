package cmd

import (
	"net/url"
	"strings"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testbroker"
)

// TestExportReadsPastPoison: an export of a queue holding a message with
// 1 MiB of headers and one with a header nested 200 deep writes all the
// messages and says, one line each on stderr, which messages are poison
// and why; the queue keeps them all.
func TestExportReadsPastPoison(t *testing.T) {
	vhostURL, ch := rabbitQueue(t, "work.dlq", nil, 2)
	u, _ := url.Parse(vhostURL)
	testbroker.PublishOverHTTP(t, strings.TrimPrefix(u.Path, "/"), "work.dlq", map[string]any{"big": strings.Repeat("x", 1<<20)}, "big")
	testbroker.PublishTable(t, vhostURL, "work.dlq", testbroker.DeepTable("deep", 200), "deep")
	if err := ch.PublishWithContext(t.Context(), "", "work.dlq", false, false, amqp.Publishing{Body: []byte("last")}); err != nil {
		t.Fatal(err)
	}
	waitReady(t, ch, "work.dlq", 5)
	for _, args := range [][]string{{"export", "work.dlq"}, {"tail", "work.dlq", "--format", "jsonl"}} {
		code, out, errOut := run(t, append([]string{"--rabbitmq", vhostURL}, args...)...)
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		// the first line says the read peeked the queue
		if len(lines) > 0 && strings.HasPrefix(lines[0], "mqscope: work.dlq is a queue: 5 messages were peeked") {
			lines = lines[1:]
		}
		if code != 0 || strings.Count(out, "\n") != 5 || !strings.Contains(out, `"value":"last"`) || len(lines) != 2 ||
			!strings.HasPrefix(lines[0], "mqscope: work.dlq@2 (1.0 MiB of headers): its header frame is larger than the 128 KiB frame_max") ||
			!strings.HasPrefix(lines[1], "mqscope: work.dlq@3 (") || !strings.Contains(lines[1], `header "deep" nests tables or arrays 200 deep`) {
			t.Fatalf("%v: exit %d, %d lines\n%s", args, code, strings.Count(out, "\n"), errOut)
		}
		waitReady(t, ch, "work.dlq", 5)
	}
}
