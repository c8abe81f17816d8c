package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// DecodeDelivery is a delivery as amqp091-go would give it: every property
// decoded, the header table with Decode's types. Its Acknowledger is not
// set: acknowledge through the Conn it came on. Unlike amqp091-go it reads
// tables of any depth and size; Identifier.Raw says which amqp091-go
// could not.
func DecodeDelivery(d Delivery) (amqp.Delivery, error) {
	out := amqp.Delivery{DeliveryTag: d.Tag, Redelivered: d.Redelivered, Exchange: d.Exchange, RoutingKey: d.RoutingKey, Body: d.Body}
	if len(d.Properties) < 2 {
		return out, errors.New("amqp: properties too short")
	}
	flags := binary.BigEndian.Uint16(d.Properties)
	r := reader{b: d.Properties[2:]}
	str := func(flag uint16, v *string) {
		if flags&flag != 0 {
			*v = r.shortstr()
		}
	}
	str(flagContentType, &out.ContentType)
	str(flagContentEncoding, &out.ContentEncoding)
	var table []byte
	if flags&flagHeaders != 0 {
		table = r.longstr()
	}
	if flags&flagDeliveryMode != 0 {
		out.DeliveryMode = r.u8()
	}
	if flags&flagPriority != 0 {
		out.Priority = r.u8()
	}
	str(flagCorrelationID, &out.CorrelationId)
	str(flagReplyTo, &out.ReplyTo)
	str(flagExpiration, &out.Expiration)
	str(flagMessageID, &out.MessageId)
	if flags&flagTimestamp != 0 {
		out.Timestamp = time.Unix(int64(r.u64()), 0)
	}
	str(flagType, &out.Type)
	str(flagUserID, &out.UserId)
	str(flagAppID, &out.AppId)
	if r.err != nil {
		return out, fmt.Errorf("amqp properties: %w", r.err)
	}
	if flags&flagHeaders != 0 {
		h, err := DecodeTable(table)
		if err != nil {
			return out, err
		}
		out.Headers = h
	}
	return out, nil
}

// PropertiesSize is how many bytes amqp091-go encodes p's properties in:
// what a content header frame must hold.
func PropertiesSize(p amqp.Publishing) (int, error) {
	n := 2 // flags
	for _, s := range []string{p.ContentType, p.ContentEncoding, p.CorrelationId, p.ReplyTo, p.Expiration, p.MessageId, p.Type, p.UserId, p.AppId} {
		if s != "" {
			n += 1 + len(s)
		}
	}
	if p.DeliveryMode != 0 {
		n++
	}
	if p.Priority != 0 {
		n++
	}
	if !p.Timestamp.IsZero() {
		n += 8
	}
	if len(p.Headers) > 0 {
		t, err := tableSize(p.Headers)
		if err != nil {
			return 0, err
		}
		n += 4 + t
	}
	return n, nil
}

func tableSize(t amqp.Table) (int, error) {
	n := 0
	for k, v := range t {
		s, err := fieldSize(v)
		if err != nil {
			return 0, fmt.Errorf("header %q: %w", k, err)
		}
		n += 1 + len(k) + s
	}
	return n, nil
}

// fieldSize is the size of an encoded field value, its type included.
func fieldSize(v any) (int, error) {
	switch v := v.(type) {
	case nil:
		return 1, nil
	case bool, byte, int8:
		return 2, nil
	case int16, uint16:
		return 3, nil
	case int, int32, uint32, float32:
		return 5, nil
	case int64, float64, time.Time:
		return 9, nil
	case amqp.Decimal:
		return 6, nil
	case string:
		return 5 + len(v), nil
	case []byte:
		return 5 + len(v), nil
	case amqp.Table:
		t, err := tableSize(v)
		return 5 + t, err
	case []any:
		n := 5
		for _, e := range v {
			s, err := fieldSize(e)
			if err != nil {
				return 0, err
			}
			n += s
		}
		return n, nil
	}
	return 0, fmt.Errorf("a header value of type %T", v)
}
