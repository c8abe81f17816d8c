package rabbitmq

import (
	"strconv"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
)

// Convert turns a delivery into a Message: what readers and writers see.
func (c *Conn) Convert(d amqp.Delivery, stream string, seq int64) sources.Message {
	return c.convert(d, stream, seq)
}

// convert turns a delivery into a Message. The routing key stands in the
// Key field; every AMQP property is kept in Properties.
func (c *Conn) convert(d amqp.Delivery, stream string, seq int64) sources.Message {
	m := sources.Message{
		Conn:        c.name,
		Stream:      stream,
		Partition:   sources.NoPartition,
		Offset:      seq,
		ID:          d.MessageId,
		Key:         []byte(d.RoutingKey),
		Value:       d.Body,
		ValueSize:   len(d.Body),
		Timestamp:   d.Timestamp,
		Redelivered: d.Redelivered,
		Headers:     TableHeaders(d.Headers),
		Properties:  Properties(d),
	}
	if m.Value == nil {
		m.Value = []byte{} // AMQP has no null body
	}
	if m.Timestamp.IsZero() {
		if t, ok := d.Headers["timestamp_in_ms"]; ok { // set by the broker's message_timestamp plugin
			m.Timestamp = time.UnixMilli(toInt(t))
		} else {
			m.Timestamp = time.Now() // no timestamp property: when we received it
		}
	}
	m.DeadLetter = DeadLetterFromTable(d.Headers, m.Headers)
	dlq.MarkCopy(&m)
	return m
}

// Properties lists a delivery's AMQP properties and delivery details, the
// ones that are set, in the order the AMQP spec names them.
func Properties(d amqp.Delivery) []sources.Property {
	var out []sources.Property
	add := func(name, v string) {
		if v != "" {
			out = append(out, sources.Property{Name: name, Value: v})
		}
	}
	add("exchange", d.Exchange)
	if d.Exchange == "" && d.RoutingKey != "" {
		add("exchange", "(default)")
	}
	add("routing-key", d.RoutingKey)
	add("content-type", d.ContentType)
	add("content-encoding", d.ContentEncoding)
	switch d.DeliveryMode {
	case amqp.Transient:
		add("delivery-mode", "1 (transient)")
	case amqp.Persistent:
		add("delivery-mode", "2 (persistent)")
	}
	if d.Priority > 0 {
		add("priority", strconv.Itoa(int(d.Priority)))
	}
	add("correlation-id", d.CorrelationId)
	add("reply-to", d.ReplyTo)
	add("expiration", d.Expiration)
	add("message-id", d.MessageId)
	if !d.Timestamp.IsZero() {
		add("timestamp", d.Timestamp.UTC().Format(time.RFC3339))
	}
	add("type", d.Type)
	add("user-id", d.UserId)
	add("app-id", d.AppId)
	if d.Redelivered {
		add("redelivered", "true")
	}
	if v, ok := d.Headers["x-delivery-count"]; ok {
		add("x-delivery-count", ValueText(v))
	}
	return out
}
