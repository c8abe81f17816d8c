package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testbroker"
)

// TestProduceRabbitRoutedAndUnroutable: a message published to a queue
// and one through an exchange read back with their headers and AMQP
// properties as given; each says how many queues it was routed to; one no
// binding takes is reported unroutable and fails the command.
func TestProduceRabbitRoutedAndUnroutable(t *testing.T) {
	vhostURL, _, _ := testbroker.RabbitVhost(t)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	ac, ch := testbroker.AMQPChannel(t, vhostURL)
	defer ac.Close()
	must := testbroker.Must(t)
	for _, q := range []string{"orders", "audit"} {
		_, err := ch.QueueDeclare(q, true, false, false, false, nil)
		must(err)
	}
	must(ch.ExchangeDeclare("shop", "topic", true, false, false, false, nil))
	must(ch.QueueBind("orders", "order.*", "shop", false, nil))
	must(ch.QueueBind("audit", "#", "shop", false, nil))
	value := "{\"id\":7}\n"
	code, out, errOut := runAnswering(t, "", "--rabbitmq", vhostURL, "produce", "orders", "--value", value, "--header", "tenant=acme",
		"--property", "content-type=application/json", "--property", "message-id=m-1", "--property", "correlation-id=c-1",
		"--property", "delivery-mode=1", "--property", "priority=3", "--property", "type=order.created", "--property", "app-id=shop")
	if code != 0 || out != "published: routed to 1 queue by the default exchange\n" {
		t.Fatalf("to the queue: %d %q %s", code, out, errOut)
	}
	testbroker.WaitQueue(t, ch, "orders", 1)
	d, ok, err := ch.Get("orders", true)
	if err != nil || !ok {
		t.Fatalf("get: %v", err)
	}
	if string(d.Body) != value || d.Headers["tenant"] != "acme" || d.ContentType != "application/json" || d.MessageId != "m-1" || d.CorrelationId != "c-1" ||
		d.DeliveryMode != amqp.Transient || d.Priority != 3 || d.Type != "order.created" || d.AppId != "shop" {
		t.Fatalf("read back %+v", d)
	}
	code, out, errOut = runAnswering(t, "", "--rabbitmq", vhostURL, "produce", "--exchange", "shop", "--routing-key", "order.created", "--value", "x")
	if code != 0 || out != "published: routed to 2 queues by exchange shop\n" {
		t.Fatalf("through the exchange: %d %q %s", code, out, errOut)
	}
	testbroker.WaitQueue(t, ch, "audit", 1)
	code, out, errOut = runAnswering(t, "", "--rabbitmq", vhostURL, "produce", "--exchange", "amq.direct", "--routing-key", "nobody", "--value", "lost?")
	if code == 0 || out != "not published: unroutable: exchange amq.direct returned it, no queue is bound to take it\n" || !strings.Contains(errOut, "1 of 1 messages unroutable") {
		t.Fatalf("unroutable: %d %q %s", code, out, errOut)
	}
	lines := filepath.Join(t.TempDir(), "lines")
	must(os.WriteFile(lines, []byte("order.a:1\nnothing.b:2\norder.c:3\nnothing.d:2\n"), 0o600))
	code, out, errOut = runAnswering(t, "", "--rabbitmq", vhostURL, "produce", "--exchange", "shop", "--format", "kcat", "-K", ":", "-f", lines, "--yes", "--json")
	want := `{"stream":"shop","published":true,"routed_queues":2}` + "\n" + `{"stream":"shop","published":true,"routed_queues":1}` + "\n" + `{"stream":"shop","published":true,"routed_queues":2}` + "\n" + `{"stream":"shop","published":true,"routed_queues":1}` + "\n"
	if code != 0 || out != want {
		t.Fatalf("each line by its key: %d\n%s\n%s", code, out, errOut)
	}
	must(ch.QueueUnbind("audit", "#", "shop", nil))
	code, out, errOut = runAnswering(t, "", "--rabbitmq", vhostURL, "produce", "--exchange", "shop", "--format", "kcat", "-K", ":", "-f", lines, "--yes", "--json")
	want = `{"stream":"shop","published":true,"routed_queues":1}` + "\n" + `{"stream":"shop","published":false,"routed_queues":0,"unroutable":true}` + "\n" + `{"stream":"shop","published":true,"routed_queues":1}` + "\n" + `{"stream":"shop","published":false,"routed_queues":0,"unroutable":true}` + "\n"
	if code == 0 || out != want || !strings.Contains(errOut, "2 of 4 messages unroutable") {
		t.Fatalf("two unroutable among four: %d\n%s\n%s", code, out, errOut)
	}
	if code, _, errOut := runAnswering(t, "", "--rabbitmq", vhostURL, "produce", "nowhere", "--value", "x"); code == 0 || !strings.Contains(errOut, "nowhere") {
		t.Fatalf("a queue that does not exist: %d %s", code, errOut)
	}
}

// TestProduceSQSAttributes: a message sent to an SQS queue reads back with
// its body and message attributes (a Number one too), at the message id
// produce printed.
func TestProduceSQSAttributes(t *testing.T) {
	endpoint := testbroker.SQS(t)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	name := "produce-" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "")
	c, u := sqsQueue(t, endpoint, name, 0, nil)
	code, out, errOut := run(t, "--sqs-endpoint", endpoint, "produce", name, "--value", "{\"n\":1}\n", "--header", "tenant=acme", "--header", "count=3", "--property", "attribute type count=Number")
	if code != 0 || !strings.HasPrefix(out, "published: "+name+" id ") {
		t.Fatalf("produce: %d %q %s", code, out, errOut)
	}
	id := strings.TrimSpace(strings.TrimPrefix(out, "published: "+name+" id "))
	got, err := c.Client().ReceiveMessage(context.Background(), &awssqs.ReceiveMessageInput{QueueUrl: aws.String(u), MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"}, WaitTimeSeconds: 1})
	if err != nil || len(got.Messages) != 1 {
		t.Fatalf("receive: %v %+v", err, got)
	}
	m := got.Messages[0]
	if aws.ToString(m.MessageId) != id || aws.ToString(m.Body) != "{\"n\":1}\n" {
		t.Fatalf("read back %s %q", aws.ToString(m.MessageId), aws.ToString(m.Body))
	}
	tenant, count := m.MessageAttributes["tenant"], m.MessageAttributes["count"]
	if aws.ToString(tenant.StringValue) != "acme" || aws.ToString(tenant.DataType) != "String" || aws.ToString(count.StringValue) != "3" || aws.ToString(count.DataType) != "Number" {
		t.Fatalf("attributes %+v", m.MessageAttributes)
	}
}
