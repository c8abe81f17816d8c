package testbroker

import (
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// MixedDLT is NewNamedDLT's orders.DLT (10 values without provenance
// headers: 9 framed with v3 of orders-value, 1 with BadID) with 6 more:
// 2 JSON values and 1 text value without provenance headers, and 3 JSON
// values with Spring's: 2 from orders failed by order-service with an
// OrderValidationException, 1 from payments failed by payment-service with
// a SocketTimeoutException.
type MixedDLT struct {
	NamedDLT
}

// NewMixedDLT makes it; the cluster and the registry close with the test.
func NewMixedDLT(t testing.TB) MixedDLT {
	t.Helper()
	n := MixedDLT{NewNamedDLT(t, "orders.DLT")}
	t0 := time.Date(2026, 12, 1, 9, 1, 0, 0, time.UTC)
	spring := func(origin, group, class, text string) []sarama.RecordHeader {
		return []sarama.RecordHeader{
			{Key: []byte("kafka_dlt-original-topic"), Value: []byte(origin)},
			{Key: []byte("kafka_dlt-original-consumer-group"), Value: []byte(group)},
			{Key: []byte("kafka_dlt-exception-fqcn"), Value: []byte(class)},
			{Key: []byte("kafka_dlt-exception-message"), Value: []byte(text)},
		}
	}
	msgs := []*sarama.ProducerMessage{
		{Value: sarama.StringEncoder(`{"id":"o-1"}`)},
		{Value: sarama.StringEncoder(`{"id":"o-2"}`)},
		{Value: sarama.StringEncoder(`order o-3 could not be read`)},
		{Value: sarama.StringEncoder(`{"id":"o-4"}`), Headers: spring("orders", "order-service", "com.acme.OrderValidationException", "total -1 must be positive")},
		{Value: sarama.StringEncoder(`{"id":"o-5"}`), Headers: spring("orders", "order-service", "com.acme.OrderValidationException", "total -7 must be positive")},
		{Value: sarama.StringEncoder(`{"id":"p-1"}`), Headers: spring("payments", "payment-service", "java.net.SocketTimeoutException", "Read timed out after 3000 ms")},
	}
	for i, m := range msgs {
		m.Topic, m.Timestamp = n.DLT, t0.Add(time.Duration(i)*time.Second)
	}
	sendAll(t, n.Addr, msgs)
	return n
}
