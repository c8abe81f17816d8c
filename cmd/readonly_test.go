package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources/sqs"
)

// rabbitReadOnly is a vhost with a quorum queue of three dead letters and
// a config naming it as a read-only connection "rabbit".
func rabbitReadOnly(t *testing.T) (cfgPath, amqpURL, apiURL, vhost string) {
	t.Helper()
	amqpURL, vhost, _ = testbroker.RabbitVhost(t)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	conn, ch := testbroker.AMQPChannel(t, amqpURL)
	defer conn.Close()
	if _, err := ch.QueueDeclare("orders", true, false, false, false, amqp.Table{"x-queue-type": "quorum"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.QueueDeclare("orders.dlq", true, false, false, false, amqp.Table{"x-queue-type": "quorum"}); err != nil {
		t.Fatal(err)
	}
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		dc, err := ch.PublishWithDeferredConfirmWithContext(context.Background(), "", "orders.dlq", false, false, amqp.Publishing{
			Body: []byte(fmt.Sprintf(`{"n":%d}`, i)), Headers: amqp.Table{"x-original-queue": "orders"}})
		if err != nil {
			t.Fatal(err)
		}
		if !dc.Wait() {
			t.Fatal("not confirmed")
		}
	}
	u, _ := url.Parse(amqpURL)
	pw, _ := u.User.Password()
	t.Setenv("MQ_TEST_RABBIT_PW", pw)
	_, apiURL = testbroker.RabbitURLs()
	api, _ := url.Parse(apiURL)
	api.User = nil
	cfg := fmt.Sprintf("connections:\n  rabbit:\n    kind: rabbitmq\n    url: amqp://%s/%s\n    username: %s\n    password_env: MQ_TEST_RABBIT_PW\n    management: %s\n",
		u.Host, vhost, u.User.Username(), api.String())
	cfgPath = filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfgPath, amqpURL, apiURL, vhost
}

// neverDelivered asks the management API for a queue's messages (the
// first delivery for each, requeued) and fails when one was delivered
// before or the queue does not hold want messages.
func neverDelivered(t *testing.T, apiURL, vhost, queue string, want int) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"count": 100, "ackmode": "ack_requeue_true", "encoding": "auto"})
	endpoint := strings.TrimRight(apiURL, "/") + "/api/queues/" + url.PathEscape(vhost) + "/" + url.PathEscape(queue) + "/get"
	req, err := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var msgs []struct {
		Redelivered bool           `json:"redelivered"`
		Properties  map[string]any `json:"properties"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&msgs); err != nil {
		t.Fatalf("%s: %s: %v", endpoint, resp.Status, err)
	}
	if len(msgs) != want {
		t.Fatalf("%s holds %d messages, want %d", queue, len(msgs), want)
	}
	for i, m := range msgs {
		if m.Redelivered {
			t.Fatalf("message %d of %s was delivered before (peeked): %+v", i, queue, m.Properties)
		}
	}
}

// TestReadOnlyRabbitRefusedBeforeThePeek: redrive (also --dry-run), edit
// and replay on a read-only RabbitMQ connection are refused before a
// single message is delivered, with a message that says why.
func TestReadOnlyRabbitRefusedBeforeThePeek(t *testing.T) {
	cfg, amqpURL, apiURL, vhost := rabbitReadOnly(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--config", cfg, "redrive", "orders.dlq", "--dry-run"}, "connection rabbit is read-only: nothing was read: reading queue orders.dlq is a peek"},
		{[]string{"--config", cfg, "redrive", "orders.dlq", "--yes"}, "a side effect read_only forbids; set read_only: false on it in " + cfg},
		{[]string{"--config", cfg, "edit", "orders.dlq", "0", "--yes"}, "connection rabbit is read-only: nothing was read"},
		{[]string{"--rabbitmq", amqpURL, "--read-only", "redrive", "orders.dlq", "--dry-run"}, "is read-only (--read-only): nothing was read: reading queue orders.dlq is a peek"},
		{[]string{"--config", cfg, "replay", "-", "--to", "amq.direct", "--yes"}, "connection rabbit is read-only"},
	} {
		code, out, errOut := runIn(t, "", c.args...)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d\nstdout %s\nstderr %s\nwant %q", c.args, code, out, errOut, c.want)
		}
	}
	neverDelivered(t, apiURL, vhost, "orders.dlq", 3)
	neverDelivered(t, apiURL, vhost, "orders", 0)
}

// TestReadOnlySQSRefusedBeforeTheReceive: a redrive dry run on a
// read-only SQS connection receives nothing (the receive count stays).
func TestReadOnlySQSRefusedBeforeTheReceive(t *testing.T) {
	endpoint := testbroker.SQS(t)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := sqs.Dial(ctx, sqs.Options{Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	queue := fmt.Sprintf("ro-dlq-%d", time.Now().UnixNano())
	out, err := c.Client().CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String(queue)})
	if err != nil {
		t.Fatal(err)
	}
	qurl := aws.ToString(out.QueueUrl)
	t.Cleanup(func() {
		_, _ = c.Client().DeleteQueue(context.Background(), &awssqs.DeleteQueueInput{QueueUrl: aws.String(qurl)})
	})
	if _, err := c.Client().SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(qurl), MessageBody: aws.String(`{"n":1}`)}); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--sqs-endpoint", endpoint, "--read-only", "redrive", queue, "--dry-run"},
		{"--sqs-endpoint", endpoint, "--read-only", "redrive", queue, "--yes"},
	} {
		code, stdout, errOut := run(t, args...)
		if code == 0 || !strings.Contains(errOut, "is read-only (--read-only): nothing was read: reading queue "+queue+" receives its messages") {
			t.Errorf("%v: exit %d\n%s\n%s", args, code, stdout, errOut)
		}
	}
	got, err := c.Client().ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(qurl), MaxNumberOfMessages: 10,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Messages) != 1 {
		t.Fatalf("%d messages", len(got.Messages))
	}
	if n, _ := strconv.Atoi(got.Messages[0].Attributes["ApproximateReceiveCount"]); n != 1 {
		t.Fatalf("receive count %d: the refused redrive received it", n)
	}
}

// TestReadOnlyKafkaDryRunStillPlans: a Kafka read is free, so a dry run
// on a read-only connection plans, and the run itself is refused.
func TestReadOnlyKafkaDryRunStillPlans(t *testing.T) {
	addr := demoBroker(t, -1)
	code, out, errOut := run(t, "--kafka", addr, "--read-only", "redrive", "orders.DLT", "--dry-run")
	if code != 0 || !strings.Contains(out, "dry run: nothing written") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = run(t, "--kafka", addr, "--read-only", "redrive", "orders.DLT", "--yes")
	if code == 0 || !strings.Contains(errOut, "is read-only (--read-only): refusing to write") || strings.Contains(out, "redriven") {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errOut)
	}
}
