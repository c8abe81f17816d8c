package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Property flag bits of basic properties, in the order the fields follow.
const (
	flagContentType     = 0x8000
	flagContentEncoding = 0x4000
	flagHeaders         = 0x2000
	flagDeliveryMode    = 0x1000
	flagPriority        = 0x0800
	flagCorrelationID   = 0x0400
	flagReplyTo         = 0x0200
	flagExpiration      = 0x0100
	flagMessageID       = 0x0080
)

// Properties are basic properties as sent: the flags, what precedes the
// header table, the table's entries and what follows it.
type Properties struct {
	Flags  uint16
	Before []byte // content-type and content-encoding
	Table  []byte // the header table's entries (without its length)
	After  []byte // delivery-mode onwards
}

// SplitProperties finds the header table in raw properties.
func SplitProperties(raw []byte) (Properties, error) {
	if len(raw) < 2 {
		return Properties{}, errors.New("amqp: properties too short")
	}
	p := Properties{Flags: binary.BigEndian.Uint16(raw)}
	if p.Flags&1 != 0 {
		return p, errors.New("amqp: more property flags than basic properties have")
	}
	r := reader{b: raw[2:]}
	if p.Flags&flagContentType != 0 {
		r.shortstr()
	}
	if p.Flags&flagContentEncoding != 0 {
		r.shortstr()
	}
	before := len(raw) - 2 - len(r.b)
	p.Before = raw[2 : 2+before]
	if p.Flags&flagHeaders != 0 {
		p.Table = r.longstr()
	}
	p.After = r.b
	return p, r.err
}

// MessageID is the message-id property, if set.
func (p Properties) MessageID() string { return p.shortstrAfter(flagMessageID) }

// CorrelationID is the correlation-id property, if set.
func (p Properties) CorrelationID() string { return p.shortstrAfter(flagCorrelationID) }

// shortstrAfter is the string property of flag (one of correlation-id,
// reply-to, expiration, message-id), if set.
func (p Properties) shortstrAfter(flag uint16) string {
	r := reader{b: p.After}
	if p.Flags&flagDeliveryMode != 0 {
		r.u8()
	}
	if p.Flags&flagPriority != 0 {
		r.u8()
	}
	for _, f := range []uint16{flagCorrelationID, flagReplyTo, flagExpiration, flagMessageID} {
		if p.Flags&f == 0 {
			continue
		}
		v := r.shortstr()
		if f == flag {
			if r.err != nil {
				return ""
			}
			return v
		}
	}
	return ""
}

// AppendWithTable appends the properties with table's entries as the
// header table (the headers flag set).
func (p Properties) AppendWithTable(b, table []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, p.Flags|flagHeaders)
	b = append(b, p.Before...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(table)))
	b = append(b, table...)
	return append(b, p.After...)
}

// Entries calls fn for every entry of a table's entries: its key, its type
// and the bytes of its value; entry is the whole entry as encoded, to copy
// it into another table.
func Entries(table []byte, fn func(key string, typ byte, value, entry []byte) error) error {
	for len(table) > 0 {
		start := table
		r := reader{b: table}
		key := r.shortstr()
		typ := r.u8()
		if r.err != nil {
			return r.err
		}
		n, err := valueLen(typ, r.b)
		if err != nil {
			return fmt.Errorf("header %q: %w", key, err)
		}
		value := r.b[:n]
		table = r.b[n:]
		if err := fn(key, typ, value, start[:len(start)-len(table)]); err != nil {
			return err
		}
	}
	return nil
}

// ValueLen is the length of a field value of type typ at the start of b
// (an array's elements are a type byte and such a value each).
func ValueLen(typ byte, b []byte) (int, error) { return valueLen(typ, b) }

// valueLen is the length of a field value of type typ at the start of b.
func valueLen(typ byte, b []byte) (int, error) {
	n := 0
	switch typ {
	case 'V':
	case 't', 'b', 'B':
		n = 1
	case 's', 'u':
		n = 2
	case 'I', 'i', 'f':
		n = 4
	case 'D':
		n = 5
	case 'l', 'L', 'd', 'T':
		n = 8
	case 'S', 'x', 'A', 'F':
		if len(b) < 4 {
			return 0, errors.New("amqp: truncated field")
		}
		n = 4 + int(binary.BigEndian.Uint32(b))
	default:
		return 0, fmt.Errorf("amqp: unknown field type %q", typ)
	}
	if n > len(b) {
		return 0, errors.New("amqp: truncated field")
	}
	return n, nil
}

// AppendStringEntry appends a table entry whose value is a long string.
func AppendStringEntry(b []byte, key, value string) []byte {
	return appendLongstr(append(appendShortstr(b, key), 'S'), value)
}

// Decode turns a field value into the Go value amqp091-go gives for it.
func Decode(typ byte, v []byte) (any, error) {
	switch typ {
	case 'V':
		return nil, nil
	case 't':
		return v[0] != 0, nil
	case 'b':
		return int8(v[0]), nil
	case 'B':
		return v[0], nil
	case 's':
		return int16(binary.BigEndian.Uint16(v)), nil
	case 'u':
		return binary.BigEndian.Uint16(v), nil
	case 'I':
		return int32(binary.BigEndian.Uint32(v)), nil
	case 'i':
		return binary.BigEndian.Uint32(v), nil
	case 'f':
		return math.Float32frombits(binary.BigEndian.Uint32(v)), nil
	case 'd':
		return math.Float64frombits(binary.BigEndian.Uint64(v)), nil
	case 'l', 'L':
		return int64(binary.BigEndian.Uint64(v)), nil
	case 'T':
		return time.Unix(int64(binary.BigEndian.Uint64(v)), 0), nil
	case 'D':
		return amqp.Decimal{Scale: v[0], Value: int32(binary.BigEndian.Uint32(v[1:]))}, nil
	case 'S':
		return string(v[4:]), nil
	case 'x':
		return append([]byte(nil), v[4:]...), nil
	case 'F':
		return DecodeTable(v[4:])
	case 'A':
		out := []any{}
		for rest := v[4:]; len(rest) > 0; {
			t := rest[0]
			n, err := valueLen(t, rest[1:])
			if err != nil {
				return nil, err
			}
			e, err := Decode(t, rest[1:1+n])
			if err != nil {
				return nil, err
			}
			out = append(out, e)
			rest = rest[1+n:]
		}
		return out, nil
	}
	return nil, fmt.Errorf("amqp: unknown field type %q", typ)
}

// DecodeTable decodes a table's entries as amqp091-go does.
func DecodeTable(entries []byte) (amqp.Table, error) {
	t := amqp.Table{}
	err := Entries(entries, func(key string, typ byte, value, _ []byte) error {
		v, err := Decode(typ, value)
		t[key] = v
		return err
	})
	return t, err
}
