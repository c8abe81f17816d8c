package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// TestHealthOfAQueuePastThePeekLimitIsPartial: H on a queue larger than
// one peek holds says how much it checked of how much, and no "healthy".
func TestHealthOfAQueuePastThePeekLimitIsPartial(t *testing.T) {
	url, _, _ := testbroker.RabbitVhost(t)
	amqpConn, ch := testbroker.AMQPChannel(t, url)
	defer amqpConn.Close()
	must := testbroker.Must(t)
	_, err := ch.QueueDeclare("big.work", true, false, false, false, nil)
	must(err)
	const n = 5010
	for i := 0; i < n; i++ {
		must(ch.PublishWithContext(context.Background(), "", "big.work", false, false, amqp.Publishing{MessageId: fmt.Sprintf("m%d", i), Body: []byte("{}")}))
	}
	testbroker.WaitQueue(t, ch, "big.work", n)
	conn, err := rabbitmq.Dial(context.Background(), rabbitmq.Options{URL: url})
	must(err)
	t.Cleanup(func() { conn.Close() })
	st, err := conn.Locate(context.Background(), "big.work")
	must(err)
	st.Messages = n // as a listing counts it
	hp := newHealthPage(testCommon(120, 30), conn, st)
	hp.pid = 9
	defer hp.Close()
	pump(t, hp, hp.Init(), func() bool { return hp.done })
	v := hp.View(120, 27)
	if !hp.done || hp.report.Scanned != rabbitmq.MaxPeek || strings.Contains(v, "healthy") ||
		!strings.Contains(v, "partial: 5,000 of 5,010 checked (one peek holds at most 5,000)") {
		t.Fatalf("done %v, scanned %d:\n%s", hp.done, hp.report.Scanned, v)
	}
}
