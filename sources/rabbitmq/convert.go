package rabbitmq

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
	"github.com/mqscope/mqscope/sources/rabbitmq/wire"
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
		Headers:     withoutPosition(TableHeaders(d.Headers), d.Headers, seq),
		Properties:  Properties(d),
	}
	if m.Value == nil {
		m.Value = []byte{} // AMQP has no null body
	}
	if m.Timestamp.IsZero() {
		if t, ok := d.Headers["timestamp_in_ms"]; ok { // set by the broker's message_timestamp plugin
			m.Timestamp = time.UnixMilli(toInt(t))
		} else {
			m.NoTimestamp = true // no timestamp property: the time is unknown, not when it was read
		}
	}
	m.DeadLetter = DeadLetterFromTable(d.Headers, m.Headers)
	dlq.MarkCopy(&m)
	return m
}

// withoutPosition is hs without the x-stream-offset header a stream adds
// to every delivery: it is the message's position (seq), not a header its
// publisher set, and publishing the message again must not add it.
func withoutPosition(hs []sources.Header, t amqp.Table, seq int64) []sources.Header {
	v, ok := t[streamOffsetHeader]
	if !ok || toInt(v) != seq {
		return hs
	}
	out := hs[:0:0]
	for _, h := range hs {
		if h.Key != streamOffsetHeader {
			out = append(out, h)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// streamOffsetHeader is the header a stream delivery carries its offset in.
const streamOffsetHeader = "x-stream-offset"

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

// Basic property flags, in the order the properties follow.
const (
	propContentType     = 0x8000
	propContentEncoding = 0x4000
	propHeaders         = 0x2000
	propDeliveryMode    = 0x1000
	propPriority        = 0x0800
	propCorrelationID   = 0x0400
	propReplyTo         = 0x0200
	propExpiration      = 0x0100
	propMessageID       = 0x0080
	propTimestamp       = 0x0040
	propType            = 0x0020
	propUserID          = 0x0010
	propAppID           = 0x0008
)

// convertRaw turns a delivery read with package wire into a Message
// whatever its properties hold: they are decoded defensively (see
// DecodeHeaders), and a message whose properties would break other
// clients, or could not be read whole, carries a Flaw saying so.
// frameMax is the frame size the connection agreed on.
func (c *Conn) convertRaw(d wire.Delivery, stream string, seq int64, frameMax int) sources.Message {
	ad, problems := deliveryFromWire(d)
	m := c.convert(ad, stream, seq)
	size := len(d.Properties)
	if frame := size + 12 + 8; frameMax > 0 && frame > frameMax {
		problems = append([]string{fmt.Sprintf("its header frame is larger than the %d KiB frame_max the broker agreed with its clients: amqp091-go and other clients that keep to it close the connection on it, and every message they hold goes back to the queue (mqscope read it whole)",
			frameMax>>10)}, problems...)
	}
	if len(problems) > 0 {
		m.Flaw = &sources.Flaw{HeaderBytes: size, Reason: strings.Join(problems, "; ")}
	}
	return m
}

// deliveryFromWire is the amqp091-go delivery of a message read with
// package wire: what could not be decoded is left out and said in problems.
func deliveryFromWire(d wire.Delivery) (amqp.Delivery, []string) {
	out := amqp.Delivery{DeliveryTag: d.Tag, Redelivered: d.Redelivered, Exchange: d.Exchange, RoutingKey: d.RoutingKey, Body: d.Body}
	p, err := wire.SplitProperties(d.Properties)
	if err != nil {
		return out, []string{"its properties cannot be read (" + err.Error() + "): left out"}
	}
	before := fields{b: p.Before}
	out.ContentType = before.str(p.Flags&propContentType != 0)
	out.ContentEncoding = before.str(p.Flags&propContentEncoding != 0)
	var problems []string
	if p.Flags&propHeaders != 0 {
		out.Headers, problems = DecodeHeaders(p.Table)
	}
	after := fields{b: p.After}
	out.DeliveryMode = after.byte(p.Flags&propDeliveryMode != 0)
	out.Priority = after.byte(p.Flags&propPriority != 0)
	out.CorrelationId = after.str(p.Flags&propCorrelationID != 0)
	out.ReplyTo = after.str(p.Flags&propReplyTo != 0)
	out.Expiration = after.str(p.Flags&propExpiration != 0)
	out.MessageId = after.str(p.Flags&propMessageID != 0)
	if p.Flags&propTimestamp != 0 {
		if ts := after.take(8); ts != nil {
			out.Timestamp = time.Unix(int64(binary.BigEndian.Uint64(ts)), 0)
		}
	}
	out.Type = after.str(p.Flags&propType != 0)
	out.UserId = after.str(p.Flags&propUserID != 0)
	out.AppId = after.str(p.Flags&propAppID != 0)
	if before.bad || after.bad {
		problems = append(problems, "its properties are truncated: the rest left out")
	}
	return out, problems
}

// fields takes property fields off a byte slice; a short one sets bad.
type fields struct {
	b   []byte
	bad bool
}

func (f *fields) take(n int) []byte {
	if f.bad || n > len(f.b) {
		f.bad = true
		return nil
	}
	v := f.b[:n]
	f.b = f.b[n:]
	return v
}

func (f *fields) byte(present bool) uint8 {
	if !present {
		return 0
	}
	if v := f.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (f *fields) str(present bool) string {
	if !present {
		return ""
	}
	n := f.take(1)
	if n == nil {
		return ""
	}
	return string(f.take(int(n[0])))
}
