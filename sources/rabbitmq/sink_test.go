package rabbitmq_test

import (
	"context"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/sources"
)

// TestSinkRoutesByKeyAndRefusesWhatItCannotDeliver: a sink on an exchange
// routes each message by its key (no routing key given), publishes a
// message read elsewhere (no AMQP properties) persistent with its id and
// timestamp, says a message nothing is bound to receive is unroutable,
// and refuses an exchange that does not exist before anything is written.
func TestSinkRoutesByKeyAndRefusesWhatItCannotDeliver(t *testing.T) {
	e := newEnv(t)
	e.queue("orders", nil)
	e.must(e.app.ExchangeDeclare("shop", "direct", true, false, false, false, nil))
	e.must(e.app.QueueBind("orders", "order", "shop", false, nil))
	c := e.dial()
	if _, err := c.OpenSink(context.Background(), sources.Target{Stream: "no-such-exchange"}); err == nil || !strings.Contains(err.Error(), "no-such-exchange") {
		t.Fatalf("a missing exchange: %v", err)
	}
	s, err := c.OpenSink(context.Background(), sources.Target{Stream: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Target() != "exchange shop" {
		t.Fatalf("target %q", s.Target())
	}
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	read := sources.Message{ID: "k-1", Key: []byte("order"), Value: []byte(`{"id":1}`), Timestamp: at,
		Headers: []sources.Header{{Key: "tenant", Value: []byte("acme")}}}
	if err := s.Write(context.Background(), []sources.Message{read}); err != nil {
		t.Fatal(err)
	}
	e.waitDepth("orders", 1)
	d, ok, err := e.app.Get("orders", true)
	if err != nil || !ok {
		t.Fatalf("orders: %v", err)
	}
	if d.MessageId != "k-1" || d.DeliveryMode != amqp.Persistent || !d.Timestamp.Equal(at) || d.Headers["tenant"] != "acme" || string(d.Body) != `{"id":1}` {
		t.Fatalf("published %+v", d)
	}
	err = s.Write(context.Background(), []sources.Message{{Key: []byte("refund"), Value: []byte("x")}})
	if err == nil || !strings.Contains(err.Error(), "unroutable") || !strings.Contains(err.Error(), `"refund"`) {
		t.Fatalf("an unroutable message: %v", err)
	}
}
