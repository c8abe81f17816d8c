package ui

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/logging"
	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// TestLiveStreamSurvivesADroppedConnection: the broker drops the
// connection under a live RabbitMQ stream; the list keeps what it read,
// says it is retrying, reopens the stream after the last offset it holds,
// and shows what was published meanwhile, each message once. The log
// records the break, the reconnect and the reopened read.
func TestLiveStreamSurvivesADroppedConnection(t *testing.T) {
	vhostURL, vhost, mgmt := testbroker.RabbitVhost(t)
	ac, ch := testbroker.AMQPChannel(t, vhostURL)
	defer ac.Close()
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
	var logBuf syncBuffer
	log := logging.New(&logBuf, &logging.Redactor{})
	conn, err := rabbitmq.Dial(context.Background(), rabbitmq.Options{URL: vhostURL, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := testCommon(120, 30)
	c.Log = log
	c.Now = time.Now
	p := newMessagesPage(c, conn, sources.StreamInfo{Name: "audit", Kind: "stream", Reading: sources.Reading{HasPositions: true, Live: true}})
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
	l.until(t, nil, func() bool { return strings.Contains(logBuf.String(), `"msg":"live read reopened"`) })
	for _, want := range []string{`"msg":"live read broke: reopening","connection":"127.0.0.1/` + vhost + `","stream":"audit"`, `"msg":"reconnected"`} {
		if !strings.Contains(logBuf.String(), want) {
			t.Errorf("%s not in the log:\n%s", want, logBuf.String())
		}
	}
}

// syncBuffer is a bytes.Buffer for a log written from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
