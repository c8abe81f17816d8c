package cmd

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// rabbitQueue declares a queue in a vhost of the test's own and publishes n
// messages to it; it returns the vhost's URL and a channel to look with.
func rabbitQueue(t *testing.T, name string, args amqp.Table, n int) (string, *amqp.Channel) {
	t.Helper()
	vhostURL, _, _ := testbroker.RabbitVhost(t)
	conn, ch := testbroker.AMQPChannel(t, vhostURL)
	t.Cleanup(func() { conn.Close() })
	if _, err := ch.QueueDeclare(name, true, false, false, false, args); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if err := ch.PublishWithContext(context.Background(), "", name, false, false, amqp.Publishing{MessageId: fmt.Sprint(i), Body: []byte(fmt.Sprintf(`{"n":%d}`, i))}); err != nil {
			t.Fatal(err)
		}
	}
	waitReady(t, ch, name, n)
	return vhostURL, ch
}

func waitReady(t *testing.T, ch *amqp.Channel, name string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		q, err := ch.QueueDeclarePassive(name, true, false, false, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		if q.Messages == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s holds %d messages, want %d", name, q.Messages, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// deliveryCounts are the x-delivery-count headers of an export (0 where
// there is none: never delivered before).
func deliveryCounts(t *testing.T, out string) []int {
	t.Helper()
	dec := capture.NewDecoder(strings.NewReader(out))
	var counts []int
	for {
		m, err := dec.Next()
		if err != nil {
			return counts
		}
		n := 0
		if v, ok := m.Header("x-delivery-count"); ok {
			fmt.Sscan(string(v), &n)
		}
		counts = append(counts, n)
	}
}

// TestQuorumDeliveryLimitRefusesHeadlessReads: on a quorum queue with
// x-delivery-limit 2, export, tail, triage, trace and the redrive plan's
// peek refuse before reading (the delivery counts stay 0) and exit
// non-zero, saying what a read costs; --accept-peek-cost reads, says the
// cost on stderr, and the broker then does what it said: each read raises
// the count, and the read past the limit loses the messages.
func TestQuorumDeliveryLimitRefusesHeadlessReads(t *testing.T) {
	const n = 5
	vhostURL, ch := rabbitQueue(t, "orders.q", amqp.Table{"x-queue-type": "quorum", "x-delivery-limit": int32(2)}, n)
	const cost = "orders.q is a quorum queue with x-delivery-limit 2: each read raises every message's delivery count by 1; a message past the limit is dropped (the queue has no dead-letter exchange). Pass --accept-peek-cost to read anyway"
	for _, args := range [][]string{
		{"export", "orders.q"},
		{"tail", "orders.q"},
		{"triage", "orders.q"},
		{"redrive", "orders.q", "--dry-run"},
		{"edit", "orders.q", "0"},
	} {
		code, out, errOut := run(t, append([]string{"--rabbitmq", vhostURL}, args...)...)
		if code == 0 || out != "" || strings.TrimSpace(errOut) != "mqscope: "+cost {
			t.Fatalf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	// a trace names the queue it skipped (its name says DLQ to nobody, so
	// mark it as one through a queue that dead-letters into it)
	if _, err := ch.QueueDeclare("orders.work", true, false, false, false, amqp.Table{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "orders.q"}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "--rabbitmq", vhostURL, "trace", "no-such-id")
	if code != 0 || !strings.Contains(out, "skipped 127.0.0.1/") || !strings.Contains(out, "/orders.q: orders.q is a quorum queue with x-delivery-limit 2: each read raises") ||
		!strings.Contains(out, "(--accept-peek-cost reads it)") {
		t.Fatalf("trace: exit %d\n%s\n%s", code, out, errOut)
	}
	waitReady(t, ch, "orders.q", n)
	// accepted: the first read is the first delivery of every message
	code, out, errOut = run(t, "--rabbitmq", vhostURL, "export", "orders.q", "--accept-peek-cost")
	if code != 0 || fmt.Sprint(deliveryCounts(t, out)) != "[0 0 0 0 0]" || !strings.Contains(errOut, "reading anyway (--accept-peek-cost): orders.q is a quorum queue with x-delivery-limit 2") {
		t.Fatalf("accepted export: exit %d, counts %v\n%s", code, deliveryCounts(t, out), errOut)
	}
	code, out, errOut = run(t, "--rabbitmq", vhostURL, "trace", "no-such-id", "--accept-peek-cost")
	if code != 0 || strings.Contains(out, "skipped 127.0.0.1/") || !strings.Contains(errOut, "read anyway (--accept-peek-cost): orders.q is a quorum queue") {
		t.Fatalf("accepted trace: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = run(t, "--rabbitmq", vhostURL, "export", "orders.q", "--accept-peek-cost")
	if code != 0 || fmt.Sprint(deliveryCounts(t, out)) != "[2 2 2 2 2]" {
		t.Fatalf("third read: exit %d, counts %v", code, deliveryCounts(t, out))
	}
	// the third read took every message past the limit: the broker dropped them
	waitReady(t, ch, "orders.q", 0)
}

// TestDeliveryLimitFromPolicy: a limit set by a policy, not an argument,
// refuses a read too, and says where it comes from.
func TestDeliveryLimitFromPolicy(t *testing.T) {
	vhostURL, ch := rabbitQueue(t, "pol.q", amqp.Table{"x-queue-type": "quorum"}, 2)
	u, _ := url.Parse(vhostURL)
	vhost := strings.TrimPrefix(u.Path, "/")
	_, api := testbroker.RabbitURLs()
	mu, _ := url.Parse(api)
	pass, _ := mu.User.Password()
	body := `{"pattern":"^pol\\.","definition":{"delivery-limit":1},"apply-to":"queues"}`
	req, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("%s://%s/api/policies/%s/limits", mu.Scheme, mu.Host, url.PathEscape(vhost)), strings.NewReader(body))
	req.SetBasicAuth(mu.User.Username(), pass)
	req.Header.Set("Content-Type", "application/json")
	cl := &http.Client{Timeout: 10 * time.Second}
	defer cl.CloseIdleConnections()
	resp, err := cl.Do(req)
	if err != nil || resp.StatusCode >= 300 {
		t.Fatalf("policy: %v %v", err, resp)
	}
	resp.Body.Close()
	mgmt, _ := rabbitmq.NewManagement(api, "", "")
	defer mgmt.Close()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if q, err := mgmt.Queue(context.Background(), vhost, "pol.q"); err == nil && q.EffectivePolicy["delivery-limit"] != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the policy never applied")
		}
	}
	code, out, errOut := run(t, "--rabbitmq", vhostURL, "export", "pol.q")
	if code == 0 || out != "" || !strings.Contains(errOut, `pol.q is a quorum queue with delivery-limit 1 (policy "limits"): each read raises`) {
		t.Fatalf("policy limit: exit %d, %s", code, errOut)
	}
	waitReady(t, ch, "pol.q", 2)
}

// TestSQSRedrivePolicyRefusesHeadlessReads: a queue with a RedrivePolicy
// (maxReceiveCount 2) is not read without --accept-peek-cost: after three
// refusals every message is still there and none went to the DLQ; with
// the flag the read works and says the cost, and the broker counts it.
func TestSQSRedrivePolicyRefusesHeadlessReads(t *testing.T) {
	endpoint := testbroker.SQS(t)
	id := rand.IntN(1e6)
	work, dlq := fmt.Sprintf("pay-%d", id), fmt.Sprintf("pay-%d-dlq", id)
	c, dlqURL := sqsQueue(t, endpoint, dlq, 0, nil)
	arn, err := c.QueueARN(context.Background(), dlq)
	if err != nil {
		t.Fatal(err)
	}
	_, workURL := sqsQueue(t, endpoint, work, 4, map[string]string{"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":"%s","maxReceiveCount":"2"}`, arn)})
	cost := work + " is an SQS queue with a RedrivePolicy (maxReceiveCount 2): each read raises every message's ApproximateReceiveCount by 1; a message past the limit is moved to its dead-letter queue " + dlq + ". Pass --accept-peek-cost to read anyway"
	for _, args := range [][]string{{"export", work}, {"tail", work}, {"triage", work}, {"redrive", work, "--dry-run"}} {
		code, out, errOut := run(t, append([]string{"--sqs-endpoint", endpoint}, args...)...)
		if code == 0 || out != "" || strings.TrimSpace(errOut) != "mqscope: "+cost {
			t.Fatalf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	if v, f := visibility(t, c, workURL); v != 4 || f != 0 {
		t.Fatalf("after the refusals: %d visible, %d in flight", v, f)
	}
	code, out, errOut := run(t, "--sqs-endpoint", endpoint, "export", work, "--accept-peek-cost")
	if code != 0 || strings.Count(out, "\n") != 4 || !strings.Contains(errOut, "reading anyway (--accept-peek-cost): "+work+" is an SQS queue with a RedrivePolicy (maxReceiveCount 2)") {
		t.Fatalf("accepted: exit %d\n%s\n%s", code, out, errOut)
	}
	if v, _ := visibility(t, c, workURL); v != 4 {
		t.Fatalf("after one read: %d visible", v)
	}
	if d, _ := visibility(t, c, dlqURL); d != 0 {
		t.Fatalf("after one read the DLQ holds %d", d)
	}
	// the DLQ itself has no RedrivePolicy: reading it costs nothing and asks nothing
	if code, _, errOut := run(t, "--sqs-endpoint", endpoint, "export", dlq); code != 0 || errOut != "" {
		t.Fatalf("the DLQ: exit %d %s", code, errOut)
	}
}

// TestNoManagementAPIRefusesQueueReads: without the management API a
// queue's type and delivery limit cannot be seen, so a read asks for
// --accept-peek-cost, and says why.
func TestNoManagementAPIRefusesQueueReads(t *testing.T) {
	vhostURL, ch := rabbitQueue(t, "plain.q", nil, 3)
	base := []string{"--rabbitmq", vhostURL, "--management", "http://127.0.0.1:1", "--queue", "plain.q"}
	code, out, errOut := run(t, append(base, "export", "plain.q")...)
	if code == 0 || out != "" || !strings.Contains(errOut, "plain.q is a queue whose type and delivery limit mqscope cannot see without the management API") ||
		!strings.Contains(errOut, "Pass --accept-peek-cost to read anyway") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = run(t, append(base, "export", "plain.q", "--accept-peek-cost")...)
	if code != 0 || strings.Count(out, "\n") != 3 || fmt.Sprint(deliveryCounts(t, out)) != "[0 0 0]" {
		t.Fatalf("accepted: exit %d\n%s\n%s", code, out, errOut)
	}
	waitReady(t, ch, "plain.q", 3)
}
