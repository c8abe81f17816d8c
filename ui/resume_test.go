package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// TestLiveStreamSurvivesADroppedConnection: the broker drops the
// connection under a live RabbitMQ stream; the list keeps what it read,
// says it is retrying, reopens the stream after the last offset it holds,
// and shows what was published meanwhile, each message once.
func TestLiveStreamSurvivesADroppedConnection(t *testing.T) {
	vhostURL, vhost, mgmt := testbroker.RabbitVhost(t)
	ac, err := amqp.Dial(vhostURL)
	if err != nil {
		t.Fatal(err)
	}
	defer ac.Close()
	ch, _ := ac.Channel()
	if _, err := ch.QueueDeclare("audit", true, false, false, false, amqp.Table{"x-queue-type": "stream"}); err != nil {
		t.Fatal(err)
	}
	publish := func(from, n int) {
		t.Helper()
		for i := from; i < from+n; i++ {
			if err := ch.PublishWithContext(context.Background(), "", "audit", false, false, amqp.Publishing{Body: []byte(fmt.Sprint(i))}); err != nil {
				t.Fatal(err)
			}
		}
	}
	publish(0, 10)
	conn, err := rabbitmq.Dial(context.Background(), rabbitmq.Options{URL: vhostURL})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := testCommon(120, 30)
	c.Now = time.Now
	p := newMessagesPage(c, conn, sources.StreamInfo{Name: "audit", Kind: "stream"})
	p.pid, p.start = 50, sources.Start{Kind: sources.StartOldest}
	defer p.Close()
	l := newLoop(p)
	l.until(t, p.restart(), func() bool { return p.buf.Len() == 10 })

	// The broker drops mqscope's connection (its name says so).
	var closed int
	for deadline := time.Now().Add(15 * time.Second); closed == 0 && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		cs, _ := mgmt.Connections(context.Background())
		for _, cn := range cs {
			if cn.Vhost == vhost && cn.ClientProperties.ConnectionName == "mqscope" {
				if err := mgmt.CloseConnection(context.Background(), cn.Name); err == nil {
					closed++
				}
			}
		}
	}
	if closed == 0 {
		t.Fatal("the management API never listed mqscope's connection")
	}
	l.until(t, nil, func() bool { return p.resumeWait > 0 })
	if v := p.View(120, 27); !strings.Contains(v, "RETRYING") || p.buf.Len() != 10 {
		t.Fatalf("while reconnecting (%d held):\n%s", p.buf.Len(), v)
	}
	publish(10, 5)
	l.until(t, nil, func() bool { return p.buf.Len() >= 15 })
	for i := 0; i < p.buf.Len(); i++ {
		if got := string(p.buf.At(i).Value); got != fmt.Sprint(i) {
			t.Fatalf("row %d holds %q: a message lost or twice", i, got)
		}
	}
}
