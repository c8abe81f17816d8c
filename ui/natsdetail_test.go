package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/mqscope/mqscope/sources"
)

// natsDeadLetter is a JetStream dead letter as the NATS connector reads
// it from an advisory: the original's subject, stream and sequence, no
// exchange.
func natsDeadLetter() sources.Message {
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	return sources.Message{Conn: "nats", Stream: "DLQ", Partition: sources.NoPartition, Offset: 3, Key: []byte("orders.created.eu"),
		Value: []byte(`{"n":1}`), ValueSize: 7, Timestamp: at,
		Properties: []sources.Property{{Name: "subject", Value: "orders.created.eu"}, {Name: "origin", Value: "ORDERS#42"}},
		DeadLetter: &sources.DeadLetter{Scheme: "nats", BySubject: true, OriginStream: "ORDERS", OriginPartition: sources.NoPartition, OriginOffset: 42,
			ConsumerGroup: "ORDERS/worker", Reason: "max-deliveries", Count: 5, FirstDeath: at, LastDeath: at, OriginTime: at,
			RoutingKeys: []string{"orders.created.eu"}, ReturnTo: "orders.created.eu",
			Extra:  []sources.Property{{Name: "Consumer", Value: "worker"}, {Name: "Advisory", Value: "adv1"}},
			Deaths: []sources.Death{{Queue: "ORDERS/worker", Reason: "max-deliveries", Count: 5, Time: at, RoutingKeys: []string{"orders.created.eu"}}}}}
}

// TestDetailOfANATSDeadLetterShowsStreamSubjectSequence: a JetStream
// dead letter's detail names its origin stream, sequence and subject, and
// shows no RabbitMQ exchange, routing keys or x-death history.
func TestDetailOfANATSDeadLetterShowsStreamSubjectSequence(t *testing.T) {
	view := plain(newDetailPage(testCommon(120, 60), natsDeadLetter(), nil, nil).View(120, 60))
	for _, want := range []string{"Dead letter (nats)", "ORDERS  sequence 42", "Subject", "orders.created.eu", "JetStream advisories", "DELIVERIES"} {
		if !strings.Contains(view, want) {
			t.Errorf("the detail lacks %q:\n%s", want, view)
		}
	}
	for _, not := range []string{"Exchange", "exchange", "routing keys", "x-death", "EXCHANGE", "ROUTING KEYS", "ORDERS  offset"} {
		if strings.Contains(view, not) {
			t.Errorf("the detail shows %q:\n%s", not, view)
		}
	}
}
