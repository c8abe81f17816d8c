package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// TestPublishToARabbitQueue: on a queue's page P starts from a template
// with AMQP properties; the confirmation lists them; the status line says
// the message was routed to one queue, and it reads back with them.
func TestPublishToARabbitQueue(t *testing.T) {
	vhostURL, _, _ := testbroker.RabbitVhost(t)
	ac, ch := testbroker.AMQPChannel(t, vhostURL)
	defer ac.Close()
	if _, err := ch.QueueDeclare("inbox", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	conn, err := rabbitmq.Dial(context.Background(), rabbitmq.Options{Name: "rabbit", URL: vhostURL})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := testCommon(120, 40)
	p := newMessagesPage(c, conn, sources.StreamInfo{Name: "inbox", Kind: "queue", Reading: sources.Reading{Queue: true}})
	p.pid = 42
	defer p.Close()
	editorWriting(t, `{"key": "", "headers": [{"key": "tenant", "value": "acme"}], "properties": {"content-type": "text/plain", "message-id": "m-9", "delivery-mode": "1"}, "value": "hello\n"}`)
	written := openPublish(t, p, func() any { return p.Update(keyPress("P"))() })
	for _, want := range []string{`"content-type": "application/json"`, `"delivery-mode": "2"`, `"message-id": ""`} {
		if !strings.Contains(string(written.doc), want) {
			t.Fatalf("the template lacks %s:\n%s", want, written.doc)
		}
	}
	if v := p.View(120, 37); !strings.Contains(v, "Publish to inbox") || !strings.Contains(v, "properties  content-type: text/plain") || !strings.Contains(v, "message-id: m-9") {
		t.Fatalf("confirmation:\n%s", v)
	}
	done := p.Update(keyPress("enter"))().(publishDone)
	if status := p.Update(done)().(statusSet); status.err || status.text != "published: routed to 1 queue by the default exchange" {
		t.Fatalf("status %+v", status)
	}
	testbroker.WaitQueue(t, ch, "inbox", 1)
	d, ok, err := ch.Get("inbox", true)
	if err != nil || !ok {
		t.Fatalf("get: %v", err)
	}
	if string(d.Body) != "hello\n" || d.ContentType != "text/plain" || d.MessageId != "m-9" || d.DeliveryMode != 1 || d.Headers["tenant"] != "acme" {
		t.Fatalf("read back %+v", d)
	}
}
