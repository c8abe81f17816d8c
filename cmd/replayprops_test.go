package cmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testbroker"
)

// TestRabbitExportAndReplayKeepEveryProperty: a RabbitMQ queue exported
// and replayed into another queue gives messages with every AMQP property
// they had (message id, correlation id, type, app id, reply-to, content
// type and encoding, delivery mode, priority, expiration, user id,
// timestamp), and a message without a timestamp gets none: the export
// does not write the time it was read.
func TestRabbitExportAndReplayKeepEveryProperty(t *testing.T) {
	vhostURL, _, _ := testbroker.RabbitVhost(t)
	ac, ch := testbroker.AMQPChannel(t, vhostURL)
	defer ac.Close()
	must := testbroker.Must(t)
	for _, q := range []string{"src", "copy"} {
		_, err := ch.QueueDeclare(q, true, false, false, false, amqp.Table{"x-max-priority": int32(9)})
		must(err)
	}
	must(ch.ExchangeDeclare("replayed", "fanout", true, false, false, false, nil))
	must(ch.QueueBind("copy", "", "replayed", false, nil))
	full := amqp.Publishing{
		Headers: amqp.Table{"tenant": "acme"}, ContentType: "application/json", ContentEncoding: "identity",
		DeliveryMode: amqp.Transient, Priority: 7, CorrelationId: "corr-1", ReplyTo: "answers", Expiration: "600000",
		MessageId: "m-1", Timestamp: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC), Type: "order.created", UserId: "guest", AppId: "order-service",
		Body: []byte(`{"id":1}`),
	}
	bare := amqp.Publishing{Body: []byte("bare")}
	for _, p := range []amqp.Publishing{full, bare} {
		must(ch.PublishWithContext(context.Background(), "", "src", false, false, p))
	}
	testbroker.WaitQueue(t, ch, "src", 2)

	file := filepath.Join(t.TempDir(), "src.jsonl")
	if code, _, errOut := run(t, "--rabbitmq", vhostURL, "export", "src", "-o", file); code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	data, err := os.ReadFile(file)
	must(err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"properties":{"content-type":"application/json"`) || !strings.Contains(lines[1], `"timestamp":null`) {
		t.Fatalf("export:\n%s", data)
	}
	if code, out, errOut := run(t, "--rabbitmq", vhostURL, "replay", file, "--to", "replayed", "--yes"); code != 0 {
		t.Fatalf("replay: %d %s %s", code, out, errOut)
	}
	testbroker.WaitQueue(t, ch, "copy", 2)
	for i, want := range []amqp.Publishing{full, bare} {
		d, ok, err := ch.Get("copy", true)
		if err != nil || !ok {
			t.Fatalf("copy %d: %v", i, err)
		}
		got := amqp.Publishing{Headers: d.Headers, ContentType: d.ContentType, ContentEncoding: d.ContentEncoding, DeliveryMode: d.DeliveryMode,
			Priority: d.Priority, CorrelationId: d.CorrelationId, ReplyTo: d.ReplyTo, Expiration: d.Expiration, MessageId: d.MessageId,
			Timestamp: d.Timestamp, Type: d.Type, UserId: d.UserId, AppId: d.AppId, Body: d.Body}
		if want.Headers == nil {
			want.Headers = amqp.Table{}
		}
		if got.Headers == nil {
			got.Headers = amqp.Table{}
		}
		if !got.Timestamp.Equal(want.Timestamp) {
			t.Errorf("message %d: timestamp %v, want %v", i, got.Timestamp, want.Timestamp)
		}
		got.Timestamp, want.Timestamp = time.Time{}, time.Time{}
		if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); g != w {
			t.Errorf("message %d:\n got %s\nwant %s", i, g, w)
		}
	}
}
