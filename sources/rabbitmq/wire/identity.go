package wire

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math"
	"slices"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Identity names a message by everything a redelivery leaves as it was:
// the routing key, every basic property (message-id, correlation-id,
// timestamp, type, app-id, user-id, reply-to, expiration, priority, content
// type and encoding, delivery mode), the headers but x-delivery-count, and
// the body. Messages alike in all of these share an identity; the same
// message read as raw bytes (package wire) or decoded by amqp091-go has
// the same one.
type Identity [16]byte

// String is the identity in 32 lower-case hex digits.
func (id Identity) String() string { return hex.EncodeToString(id[:]) }

// MaxDepth and MaxElements are the deepest nesting of header tables and
// arrays and the most entries one holds that an identity is taken of: what
// amqp091-go decodes, so a message one reader refuses the other refuses too.
const (
	MaxDepth    = 32
	MaxElements = 8192
)

// Property flags after the message id (the ones before are in props.go).
const (
	flagTimestamp = 0x0040
	flagType      = 0x0020
	flagUserID    = 0x0010
	flagAppID     = 0x0008
	flagClusterID = 0x0004
)

// Identifier takes identities, reusing its buffers between messages. The
// zero value is ready; it is not safe for concurrent use.
type Identifier struct {
	h   hash.Hash
	buf []byte
	sum []byte
	// entries are scratch tables, one per nesting depth.
	entries [][]rawEntry
	// the last x-death and its canonical form: the dead letters of one
	// burst mostly carry the same.
	memoRaw, memoCanon []byte
}

// rawEntry is a table entry as encoded.
type rawEntry struct {
	key   []byte
	typ   byte
	value []byte
}

// canonical property numbers, in the order the AMQP spec lists them.
const (
	propContentType = iota + 1
	propContentEncoding
	propDeliveryMode
	propPriority
	propCorrelationID
	propReplyTo
	propExpiration
	propMessageID
	propTimestamp
	propType
	propUserID
	propAppID
)

// Raw is the identity of a delivery read with package wire: its routing
// key, its properties as the broker sent them (flags first) and its body.
// It fails on properties or headers amqp091-go could not decode either.
func (x *Identifier) Raw(routingKey string, props, body []byte) (Identity, error) {
	b := x.start(routingKey)
	if len(props) < 2 {
		return Identity{}, errors.New("amqp: properties too short")
	}
	flags := binary.BigEndian.Uint16(props)
	if flags&1 != 0 {
		return Identity{}, errors.New("amqp: more property flags than basic properties have")
	}
	r := reader{b: props[2:]}
	str := func(flag uint16, n byte) {
		if flags&flag != 0 {
			b = canonString(b, n, r.take(int(r.u8())))
		}
	}
	str(flagContentType, propContentType)
	str(flagContentEncoding, propContentEncoding)
	var table []byte
	if flags&flagHeaders != 0 {
		table = r.longstr()
	}
	for _, f := range [...]struct {
		flag uint16
		n    byte
	}{{flagDeliveryMode, propDeliveryMode}, {flagPriority, propPriority}} {
		if flags&f.flag != 0 {
			if v := r.u8(); v != 0 {
				b = append(b, f.n, v)
			}
		}
	}
	str(flagCorrelationID, propCorrelationID)
	str(flagReplyTo, propReplyTo)
	str(flagExpiration, propExpiration)
	str(flagMessageID, propMessageID)
	if flags&flagTimestamp != 0 {
		b = binary.BigEndian.AppendUint64(append(b, propTimestamp), r.u64())
	}
	str(flagType, propType)
	str(flagUserID, propUserID)
	str(flagAppID, propAppID)
	if flags&flagClusterID != 0 {
		r.shortstr() // deprecated, and not in amqp091-go's deliveries
	}
	if r.err != nil {
		return Identity{}, fmt.Errorf("amqp properties: %w", r.err)
	}
	b, err := x.rawTable(append(b, 'H'), table, 0, true)
	if err != nil {
		return Identity{}, err
	}
	x.buf = b
	return x.finish(body), nil
}

// Delivery is the identity of a delivery amqp091-go decoded; it equals Raw
// of the same message.
func (x *Identifier) Delivery(d amqp.Delivery) (Identity, error) {
	b := x.start(d.RoutingKey)
	b = canonString(b, propContentType, []byte(d.ContentType))
	b = canonString(b, propContentEncoding, []byte(d.ContentEncoding))
	if d.DeliveryMode != 0 {
		b = append(b, propDeliveryMode, d.DeliveryMode)
	}
	if d.Priority != 0 {
		b = append(b, propPriority, d.Priority)
	}
	b = canonString(b, propCorrelationID, []byte(d.CorrelationId))
	b = canonString(b, propReplyTo, []byte(d.ReplyTo))
	b = canonString(b, propExpiration, []byte(d.Expiration))
	b = canonString(b, propMessageID, []byte(d.MessageId))
	if !d.Timestamp.IsZero() {
		b = binary.BigEndian.AppendUint64(append(b, propTimestamp), uint64(d.Timestamp.Unix()))
	}
	b = canonString(b, propType, []byte(d.Type))
	b = canonString(b, propUserID, []byte(d.UserId))
	b = canonString(b, propAppID, []byte(d.AppId))
	b, err := goTable(append(b, 'H'), d.Headers, 0, true)
	if err != nil {
		return Identity{}, err
	}
	x.buf = b
	return x.finish(d.Body), nil
}

func (x *Identifier) start(routingKey string) []byte {
	b := append(x.buf[:0], "mqscope-identity/1\x00"...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(routingKey)))
	return append(b, routingKey...)
}

func (x *Identifier) finish(body []byte) Identity {
	if x.h == nil {
		x.h = sha256.New()
	}
	x.h.Reset()
	x.buf = binary.BigEndian.AppendUint64(x.buf, uint64(len(body)))
	x.h.Write(x.buf)
	x.h.Write(body)
	x.sum = x.h.Sum(x.sum[:0])
	var id Identity
	copy(id[:], x.sum)
	return id
}

// canonString appends a string property when it is set (amqp091-go gives
// an absent one as empty, so empty counts as absent).
func canonString(b []byte, n byte, v []byte) []byte {
	if len(v) == 0 {
		return b
	}
	b = binary.BigEndian.AppendUint32(append(b, n), uint32(len(v)))
	return append(b, v...)
}

// rawTable appends the canonical form of a table's entries: sorted by key,
// the last of equal keys kept (as amqp091-go's map keeps it), count first.
// At the top, x-delivery-count is left out: a redelivery changes it.
func (x *Identifier) rawTable(b, table []byte, depth int, top bool) ([]byte, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("amqp headers nested deeper than %d levels", MaxDepth)
	}
	for len(x.entries) <= depth {
		x.entries = append(x.entries, nil)
	}
	es := x.entries[depth][:0]
	for len(table) > 0 {
		r := reader{b: table}
		key := r.take(int(r.u8()))
		typ := r.u8()
		if r.err != nil {
			return nil, fmt.Errorf("amqp headers: %w", r.err)
		}
		n, err := valueLen(typ, r.b)
		if err != nil {
			return nil, fmt.Errorf("header %q: %w", key, err)
		}
		if !top || string(key) != "x-delivery-count" {
			es = append(es, rawEntry{key: key, typ: typ, value: r.b[:n]})
		}
		table = r.b[n:]
		if len(es) > MaxElements {
			return nil, fmt.Errorf("amqp header table of more than %d entries", MaxElements)
		}
	}
	slices.SortStableFunc(es, func(a, b rawEntry) int { return bytes.Compare(a.key, b.key) })
	kept := es[:0]
	for i, e := range es {
		if i+1 < len(es) && bytes.Equal(es[i+1].key, e.key) {
			continue // a later entry of the same key wins
		}
		kept = append(kept, e)
	}
	x.entries[depth] = es
	b = binary.BigEndian.AppendUint32(b, uint32(len(kept)))
	for _, e := range kept {
		b = binary.BigEndian.AppendUint32(b, uint32(len(e.key)))
		b = append(b, e.key...)
		var err error
		if top && e.typ == 'A' && string(e.key) == "x-death" {
			b, err = x.memoValue(b, e.value, depth)
		} else {
			b, err = x.rawValue(b, e.typ, e.value, depth)
		}
		if err != nil {
			if top { // the header it is in; the error says what is wrong inside
				err = fmt.Errorf("header %q: %w", e.key, err)
			}
			return nil, err
		}
	}
	return b, nil
}

// memoValue is rawValue for an x-death array, remembering the last one.
func (x *Identifier) memoValue(b, v []byte, depth int) ([]byte, error) {
	if x.memoRaw != nil && bytes.Equal(v, x.memoRaw) {
		return append(b, x.memoCanon...), nil
	}
	start := len(b)
	b, err := x.rawValue(b, 'A', v, depth)
	if err != nil {
		return nil, err
	}
	x.memoRaw = append(x.memoRaw[:0], v...)
	x.memoCanon = append(x.memoCanon[:0], b[start:]...)
	return b, nil
}

// rawValue appends the canonical form of an encoded field value: its type
// and its bytes, booleans as 0 or 1, 'L' as 'l' (both read as int64),
// containers as their count and their canonical elements.
func (x *Identifier) rawValue(b []byte, typ byte, v []byte, depth int) ([]byte, error) {
	switch typ {
	case 't':
		return append(b, 't', boolByte(v[0] != 0)), nil
	case 'L':
		return append(append(b, 'l'), v...), nil
	case 'b', 'B', 's', 'u', 'I', 'i', 'f', 'd', 'l', 'D', 'T', 'S', 'x', 'V':
		return append(append(b, typ), v...), nil
	case 'F':
		return x.rawTable(append(b, 'F'), v[4:], depth+1, false)
	case 'A':
		if depth+1 > MaxDepth {
			return nil, fmt.Errorf("amqp headers nested deeper than %d levels", MaxDepth)
		}
		b = append(b, 'A', 0, 0, 0, 0)
		count := len(b) - 4
		n := 0
		for rest := v[4:]; len(rest) > 0; n++ {
			if n == MaxElements {
				return nil, fmt.Errorf("amqp header array of more than %d elements", MaxElements)
			}
			t := rest[0]
			l, err := valueLen(t, rest[1:])
			if err != nil {
				return nil, err
			}
			if b, err = x.rawValue(b, t, rest[1:1+l], depth+1); err != nil {
				return nil, err
			}
			rest = rest[1+l:]
		}
		binary.BigEndian.PutUint32(b[count:], uint32(n))
		return b, nil
	}
	return nil, fmt.Errorf("amqp: unknown field type %q", typ)
}

// goTable is rawTable for a table amqp091-go decoded.
func goTable(b []byte, t amqp.Table, depth int, top bool) ([]byte, error) {
	keys := make([]string, 0, len(t))
	for k := range t {
		if !top || k != "x-delivery-count" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	b = binary.BigEndian.AppendUint32(b, uint32(len(keys)))
	for _, k := range keys {
		b = binary.BigEndian.AppendUint32(b, uint32(len(k)))
		b = append(b, k...)
		var err error
		if b, err = goValue(b, t[k], depth); err != nil {
			return nil, fmt.Errorf("header %q: %w", k, err)
		}
	}
	return b, nil
}

// goValue is rawValue for a value amqp091-go decoded.
func goValue(b []byte, v any, depth int) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, 'V'), nil
	case bool:
		return append(b, 't', boolByte(v)), nil
	case int8:
		return append(b, 'b', byte(v)), nil
	case uint8:
		return append(b, 'B', v), nil
	case int16:
		return binary.BigEndian.AppendUint16(append(b, 's'), uint16(v)), nil
	case uint16:
		return binary.BigEndian.AppendUint16(append(b, 'u'), v), nil
	case int32:
		return binary.BigEndian.AppendUint32(append(b, 'I'), uint32(v)), nil
	case uint32:
		return binary.BigEndian.AppendUint32(append(b, 'i'), v), nil
	case int64:
		return binary.BigEndian.AppendUint64(append(b, 'l'), uint64(v)), nil
	case float32:
		return binary.BigEndian.AppendUint32(append(b, 'f'), math.Float32bits(v)), nil
	case float64:
		return binary.BigEndian.AppendUint64(append(b, 'd'), math.Float64bits(v)), nil
	case amqp.Decimal:
		return binary.BigEndian.AppendUint32(append(b, 'D', v.Scale), uint32(v.Value)), nil
	case string:
		return append(binary.BigEndian.AppendUint32(append(b, 'S'), uint32(len(v))), v...), nil
	case []byte:
		return append(binary.BigEndian.AppendUint32(append(b, 'x'), uint32(len(v))), v...), nil
	case time.Time:
		return binary.BigEndian.AppendUint64(append(b, 'T'), uint64(v.Unix())), nil
	case amqp.Table:
		return goTable(append(b, 'F'), v, depth+1, false)
	case []any:
		b = binary.BigEndian.AppendUint32(append(b, 'A'), uint32(len(v)))
		for _, e := range v {
			var err error
			if b, err = goValue(b, e, depth+1); err != nil {
				return nil, err
			}
		}
		return b, nil
	}
	return nil, fmt.Errorf("a header value of type %T", v)
}
