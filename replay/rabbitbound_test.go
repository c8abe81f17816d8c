package replay

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// TestRedriveRabbitBoundsWhatIsUnconfirmed: with --batch 2000 and a target
// queue that stops confirming for two seconds, a run never has more than
// maxUnconfirmed messages published and not confirmed, on either path.
func TestRedriveRabbitBoundsWhatIsUnconfirmed(t *testing.T) {
	const n = 3000
	for _, path := range []string{"wire", "amqp091-go"} {
		t.Run(path, func(t *testing.T) {
			vhostURL, vhost, _ := testbroker.RabbitVhost(t)
			ac, ch := testbroker.AMQPChannel(t, vhostURL)
			defer ac.Close()
			must := testbroker.Must(t)
			// Messages expire at once in work and are dead-lettered into work.dlq.
			testbroker.WorkQueues(t, ch, amqp.Table{"x-message-ttl": int32(0)})
			_, err := ch.QueueDeclare("target", true, false, false, false, nil)
			must(err)
			must(ch.QueueBind("target", "work", "amq.direct", false, nil))
			for range n {
				must(ch.PublishWithContext(context.Background(), "", "work", false, false, amqp.Publishing{Body: []byte("alike"), DeliveryMode: amqp.Persistent}))
			}
			testbroker.WaitQueue(t, ch, "work.dlq", n)
			conn, err := rabbitmq.Dial(context.Background(), rabbitmq.Options{URL: vhostURL})
			must(err)
			defer conn.Close()
			p, err := NewPlan("work.dlq", nil, Options{To: "amq.direct"})
			must(err)
			var mu sync.Mutex
			most := 0
			o := RunOptions{Batch: 2000, inflightSeen: func(k int) {
				mu.Lock()
				most = max(most, k)
				mu.Unlock()
			}}
			var c sources.StreamRedriver = conn
			if path == "amqp091-go" {
				c = rabbitmq.AMQPClientOnly(conn)
			}
			testbroker.SuspendRabbitQueue(t, vhost, "target", 3*time.Second)
			unacked := make(chan string, 1)
			go func() { // what the broker says the run holds, while the target is stopped
				time.Sleep(time.Second)
				out, err := exec.Command("rabbitmqctl", "list_queues", "-q", "--no-table-headers", "-p", vhost, "name", "messages_unacknowledged").CombinedOutput()
				if err != nil {
					unacked <- fmt.Sprintf("rabbitmqctl list_queues: %v: %s", err, out)
					return
				}
				unacked <- string(out)
			}()
			res, err := RedriveStreamed(context.Background(), c, p, true, o)
			if err != nil || res.Done != n {
				t.Fatalf("redrove %d of %d: %v (%s)", res.Done, n, err, res.Stop)
			}
			testbroker.WaitQueue(t, ch, "target", n)
			t.Logf("at most %d published and not confirmed", most)
			if most > maxUnconfirmed {
				t.Fatalf("%d messages were published and not confirmed at once, more than %d", most, maxUnconfirmed)
			}
			if most < maxUnconfirmed/2 {
				t.Fatalf("at most %d were unconfirmed while the target was stopped: the bound was not reached", most)
			}
			listed := <-unacked
			for _, line := range strings.Split(strings.TrimSpace(listed), "\n") {
				name, count, ok := strings.Cut(strings.Join(strings.Fields(line), " "), " ")
				if !ok {
					t.Fatalf("rabbitmqctl: %s", listed)
				}
				if n, err := strconv.Atoi(count); name == "work.dlq" && (err != nil || n > maxUnconfirmed) {
					t.Fatalf("the broker counted %s unacknowledged deliveries of work.dlq, more than %d", count, maxUnconfirmed)
				}
			}
			t.Logf("the broker's unacknowledged counts while the target was stopped: %q", listed)
		})
	}
}
