// Package capture reads and writes message captures as JSON Lines: one
// object per message with key, value and headers (names too) kept
// byte-exact (as text where they are valid UTF-8, base64 where they are
// not). Controls a terminal would act on (C0, DEL, C1, bidi) are written as
// \uXXXX escapes, so a capture can be printed safely. A RabbitMQ message's
// AMQP basic properties are kept in "properties" under their AMQP names
// (and the exchange it was published to in "exchange"), and a message the broker gave no time has "timestamp": null.
package capture

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/mqscope/mqscope/internal/jsonenc"
	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/sources"
)

// Record is the JSON form of one message. Exactly one of Key and KeyB64 (and
// of Value and ValueB64) is set; neither means null.
type Record struct {
	Conn      string `json:"conn,omitempty"`
	Stream    string `json:"stream"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	// Position is the message's position as its stream names it when
	// that is not the offset (a Redis entry id: "1700000000000-0"),
	// omitted when it is; reading a capture back uses Offset.
	Position string `json:"position,omitempty"`
	// Timestamp is nil (null) when the broker gave the message no time.
	Timestamp *time.Time     `json:"timestamp"`
	Key       *string        `json:"key,omitempty"`
	KeyB64    *string        `json:"key_b64,omitempty"`
	Value     *string        `json:"value,omitempty"`
	ValueB64  *string        `json:"value_b64,omitempty"`
	Headers   []HeaderRecord `json:"headers,omitempty"`
	// Lost says nothing of the message itself is left, only the notice
	// of its death (a dead letter whose original the stream no longer
	// holds, a Redis entry deleted while pending): why, in words. Such a
	// line has no key and no value, and a replay does not write it.
	Lost *string `json:"lost,omitempty"`
	// Exchange is the exchange a RabbitMQ message was published to (""
	// the default exchange); nil for other brokers.
	Exchange   *string         `json:"exchange,omitempty"`
	Properties *AMQPProperties `json:"properties,omitempty"`

	// The key and value as a schema decoded them (an export with schemas
	// adds them; reading a capture back uses only the bytes above).
	KeyDecoded        json.RawMessage `json:"key_decoded,omitempty"`
	KeyDecodedLossy   *LossRecord     `json:"key_decoded_lossy,omitempty"`
	KeySchema         *SchemaRecord   `json:"key_schema,omitempty"`
	KeySchemaError    *SchemaError    `json:"key_schema_error,omitempty"`
	ValueDecoded      json.RawMessage `json:"value_decoded,omitempty"`
	ValueDecodedLossy *LossRecord     `json:"value_decoded_lossy,omitempty"`
	ValueSchema       *SchemaRecord   `json:"value_schema,omitempty"`
	ValueSchemaError  *SchemaError    `json:"value_schema_error,omitempty"`
}

// LossRecord says that a decoded key or value (key_decoded,
// value_decoded) is not the whole truth of its bytes: encoding the
// document again with its schema gives other bytes. The raw bytes (key,
// value, value_b64) are the message; the document is a view of them.
type LossRecord struct {
	// Kind names what the document cannot show: invalid_utf8 (a string
	// that is not UTF-8, shown with U+FFFD), nan_payload (a NaN's payload
	// bits), non_canonical (bytes not in the encoder's form), union_branch
	// (a union branch the document does not tell), duplicate_key (a JSON
	// object naming a member twice).
	Kind string `json:"kind"`
	// Path is the first field it is at ("" for the whole value, or when
	// the format cannot tell where).
	Path string `json:"path,omitempty"`
	// Why says it in words.
	Why string `json:"why"`
	// More counts the further places of the value that lose too.
	More int `json:"more,omitempty"`
}

// SchemaRecord names the schema a key or value was decoded with.
type SchemaRecord struct {
	// ID is the registry's schema id (nil, omitted, for a local schema;
	// an id 0 is written as any other).
	ID *int `json:"id,omitempty"`
	// Subject and Version are the subject version that has the id, when
	// the registry told.
	Subject string `json:"subject,omitempty"`
	Version int    `json:"version,omitempty"`
	// Deleted says that subject version was soft-deleted in the registry.
	Deleted bool `json:"deleted,omitempty"`
	// Format is avro, protobuf or jsonschema.
	Format string `json:"format"`
	// Message is the Protobuf message's full name.
	Message string `json:"message,omitempty"`
	// Local is the local schema's path.
	Local string `json:"local,omitempty"`
	// FramedID is the registry id the framing of a value a local schema
	// decoded names (no registry is configured, or it does not have the
	// id; nil, omitted: the value is not framed).
	FramedID *int `json:"framed_id,omitempty"`
}

// SchemaError says why a key or value could not be decoded with its schema.
type SchemaError struct {
	// ID is the schema id the framing names (nil, omitted: none; an id
	// 0 is written as any other).
	ID *int `json:"id,omitempty"`
	// Kind is what went wrong ("unknown schema id", "registry down"...).
	Kind string `json:"kind"`
	// Error is the whole reason.
	Error string `json:"error"`
}

// Decoded is what a schema made of a key or value, for a line: the
// document and its schema, and why it failed when it did (JSON may then
// still hold what was read).
type Decoded struct {
	// JSON is one JSON document (compact; nil: none).
	JSON   []byte
	Schema *SchemaRecord
	Err    *SchemaError
	// Lossy says the document is not the whole truth of the bytes
	// (written as key_decoded_lossy, value_decoded_lossy; nil: it is).
	Lossy *LossRecord
	// Compact says JSON is compact JSON on one line with the controls a
	// terminal would act on escaped already: it is written as it is.
	Compact bool
}

// DefaultExchange is how a message's properties name the default exchange.
const DefaultExchange = "(default)"

// AMQPProperties are the AMQP basic properties a message was published
// with (those set), under their AMQP names, in the spec's order, and the
// shape of a Redis stream entry; headers are in Record.Headers.
type AMQPProperties struct {
	ContentType     *string `json:"content-type,omitempty"`
	ContentEncoding *string `json:"content-encoding,omitempty"`
	DeliveryMode    *int    `json:"delivery-mode,omitempty"` // 1 transient, 2 persistent
	Priority        *int    `json:"priority,omitempty"`
	CorrelationID   *string `json:"correlation-id,omitempty"`
	ReplyTo         *string `json:"reply-to,omitempty"`
	Expiration      *string `json:"expiration,omitempty"`
	MessageID       *string `json:"message-id,omitempty"`
	Timestamp       *int64  `json:"timestamp,omitempty"` // seconds since the epoch, as AMQP has it
	Type            *string `json:"type,omitempty"`
	UserID          *string `json:"user-id,omitempty"`
	AppID           *string `json:"app-id,omitempty"`
	// ValueField and ValuePair are a Redis stream entry's shape (its
	// "value field" and "value pair" properties): which field was the
	// value (payload, data...) and its place among the pairs, from 1, so
	// the entry is written back under its own field, in its own place.
	ValueField *string `json:"value field,omitempty"`
	ValuePair  *int    `json:"value pair,omitempty"`
}

// amqpProperty is how one AMQP basic property is kept: its name (as in
// sources.Message.Properties and the capture) and whether it is a number.
type amqpProperty struct {
	name   string
	number bool
}

// amqpProperties are the properties a record keeps: the AMQP basic
// properties, in the spec's order, then a Redis stream entry's shape
// (sources/redis PropValueField, PropValuePair).
var amqpProperties = []amqpProperty{
	{"content-type", false}, {"content-encoding", false}, {"delivery-mode", true}, {"priority", true},
	{"correlation-id", false}, {"reply-to", false}, {"expiration", false}, {"message-id", false},
	{"timestamp", true}, {"type", false}, {"user-id", false}, {"app-id", false},
	{"value field", false}, {"value pair", true},
}

// propertyText renders a property's number as sources.Message.Properties
// has it (as the RabbitMQ connector renders a delivery's).
func propertyText(name string, n int64) string {
	switch {
	case name == "timestamp":
		return time.Unix(n, 0).UTC().Format(time.RFC3339)
	case name == "delivery-mode" && n == 1:
		return "1 (transient)"
	case name == "delivery-mode" && n == 2:
		return "2 (persistent)"
	}
	return strconv.FormatInt(n, 10)
}

// HeaderRecord is the JSON form of one header. Exactly one of Key and
// KeyB64 is set (base64 for a name that is not UTF-8); as for values,
// neither Value nor ValueB64 means null.
type HeaderRecord struct {
	Key      *string `json:"key,omitempty"`
	KeyB64   *string `json:"key_b64,omitempty"`
	Value    *string `json:"value,omitempty"`
	ValueB64 *string `json:"value_b64,omitempty"`
}

// Encoder writes messages as JSON Lines.
type Encoder struct {
	w   *bufio.Writer
	buf []byte
	// schemas are the key's and value's last schema objects as written:
	// the lines of a stream name the same few schemas again and again.
	schemas [2]schemaObject
	// decoded is EncodeSchemas' storage.
	decoded lineSchemas
}

// NewEncoder returns an Encoder writing to w. Call Flush when done.
func NewEncoder(w io.Writer) *Encoder {
	return &Encoder{w: bufio.NewWriterSize(w, 256<<10)}
}

// Encode writes one message as one line.
func (e *Encoder) Encode(m *sources.Message) error { return e.EncodeDecoded(m, nil, nil) }

// EncodeDecoded writes one message as one line with its key and value as
// schemas decoded them (nil: not decoded).
func (e *Encoder) EncodeDecoded(m *sources.Message, key, value *Decoded) error {
	e.buf = appendRecordDecoded(e.buf[:0], m, key, value, &e.schemas)
	if _, err := e.w.Write(e.buf); err != nil {
		return fmt.Errorf("write capture: %w", err)
	}
	return nil
}

// Flush writes what is buffered.
func (e *Encoder) Flush() error {
	if err := e.w.Flush(); err != nil {
		return fmt.Errorf("write capture: %w", err)
	}
	return nil
}

// AppendRecord appends the JSON line (with its newline) of m to b. It writes
// the same document as json.Marshal(Record) without reflection.
func AppendRecord(b []byte, m *sources.Message) []byte { return AppendRecordDecoded(b, m, nil, nil) }

// AppendRecordDecoded is AppendRecord with the key and value as schemas
// decoded them (nil: not decoded): key_decoded, key_schema,
// key_schema_error, value_decoded, value_schema, value_schema_error.
func AppendRecordDecoded(b []byte, m *sources.Message, key, value *Decoded) []byte {
	return appendRecordDecoded(b, m, key, value, nil)
}

// appendRecordDecoded is AppendRecordDecoded that writes the key's and
// value's schema objects from schemas (nil: none) where they are the ones
// written last.
func appendRecordDecoded(b []byte, m *sources.Message, key, value *Decoded, schemas *[2]schemaObject) []byte {
	var ks, vs *schemaObject
	if schemas != nil {
		ks, vs = &schemas[0], &schemas[1]
	}
	b = append(b, '{')
	if m.Conn != "" {
		b = append(b, `"conn":`...)
		b = jsonenc.AppendStringUnescapedHTML(b, m.Conn)
		b = append(b, ',')
	}
	b = append(b, `"stream":`...)
	b = jsonenc.AppendStringUnescapedHTML(b, m.Stream)
	b = append(b, `,"partition":`...)
	b = strconv.AppendInt(b, int64(m.Partition), 10)
	b = append(b, `,"offset":`...)
	b = strconv.AppendInt(b, m.Offset, 10)
	if m.IDPosition && m.ID != "" {
		b = append(b, `,"position":`...)
		b = jsonenc.AppendStringSafe(b, m.ID)
	}
	if m.NoTimestamp {
		b = append(b, `,"timestamp":null`...)
	} else {
		b = append(b, `,"timestamp":"`...)
		b = m.Timestamp.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	b = appendBytesField(b, "key", m.Key)
	b = appendBytesField(b, "value", m.Value)
	if len(m.Headers) > 0 {
		b = append(b, `,"headers":[`...)
		for i, h := range m.Headers {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			b = appendMember(b, "key", h.Key)
			b = appendBytesField(b, "value", h.Value)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if m.Flaw != nil && m.Flaw.Lost {
		b = append(b, `,"lost":`...)
		b = jsonenc.AppendStringUnescapedHTML(b, LostReason(m))
	}
	for _, p := range m.Properties {
		if p.Name == "exchange" {
			b = append(b, `,"exchange":`...)
			b = jsonenc.AppendStringUnescapedHTML(b, strings.TrimPrefix(p.Value, DefaultExchange))
			break
		}
	}
	b = appendProperties(b, m.Properties)
	b = appendDecoded(b, "key", key, ks)
	b = appendDecoded(b, "value", value, vs)
	return append(b, '}', '\n')
}

// appendProperties appends ,"properties":{...} with the AMQP basic
// properties among props (nothing when there is none).
func appendProperties(b []byte, props []sources.Property) []byte {
	n := 0
	for _, ap := range amqpProperties {
		for _, p := range props {
			if p.Name != ap.name {
				continue
			}
			num, isNum := int64(0), false
			if ap.number {
				if num, isNum = sources.PropertyNumber(p.Name, p.Value); !isNum {
					break // not a number: left out, as the broker could not have sent it
				}
			}
			if n == 0 {
				b = append(b, `,"properties":{`...)
			} else {
				b = append(b, ',')
			}
			n++
			b = append(b, '"')
			b = append(b, ap.name...)
			b = append(b, '"', ':')
			if isNum {
				b = strconv.AppendInt(b, num, 10)
			} else {
				b = jsonenc.AppendStringUnescapedHTML(b, p.Value)
			}
			break
		}
	}
	if n > 0 {
		b = append(b, '}')
	}
	return b
}

// appendDecoded appends the decoded fields of a key or value.
func appendDecoded(b []byte, part string, d *Decoded, last *schemaObject) []byte {
	if d == nil {
		return b
	}
	if d.JSON != nil {
		b = append(b, ',', '"')
		b = append(b, part...)
		b = append(b, `_decoded":`...)
		if d.Compact {
			b = append(b, d.JSON...)
		} else {
			b = appendDocument(b, d.JSON)
		}
		if l := d.Lossy; l != nil {
			b = append(b, ',', '"')
			b = append(b, part...)
			b = append(b, `_decoded_lossy":{"kind":`...)
			b = jsonenc.AppendStringUnescapedHTML(b, l.Kind)
			if l.Path != "" {
				b = append(b, `,"path":`...)
				b = jsonenc.AppendStringUnescapedHTML(b, l.Path)
			}
			b = append(b, `,"why":`...)
			b = jsonenc.AppendStringUnescapedHTML(b, l.Why)
			if l.More > 0 {
				b = append(b, `,"more":`...)
				b = strconv.AppendInt(b, int64(l.More), 10)
			}
			b = append(b, '}')
		}
	}
	if s := d.Schema; s != nil && last != nil {
		if !last.is(s) {
			last.set(s, appendSchema(last.json[:0], part, s))
		}
		b = append(b, last.json...)
	} else if s != nil {
		b = appendSchema(b, part, s)
	}
	if e := d.Err; e != nil {
		b = append(b, ',', '"')
		b = append(b, part...)
		b = append(b, `_schema_error":{`...)
		if e.ID != nil {
			b = append(b, `"id":`...)
			b = strconv.AppendInt(b, int64(*e.ID), 10)
			b = append(b, ',')
		}
		b = append(b, `"kind":`...)
		b = jsonenc.AppendStringUnescapedHTML(b, e.Kind)
		b = append(b, `,"error":`...)
		b = jsonenc.AppendStringUnescapedHTML(b, e.Error)
		b = append(b, '}')
	}
	return b
}

// appendDocument appends a JSON document on one line, UTF-8 (U+FFFD for
// bytes that are not), with the controls a terminal would act on escaped;
// a document that is not JSON is written as a JSON string of its text, so
// the line stays valid.
func appendDocument(b []byte, doc []byte) []byte {
	start := len(b)
	if !utf8.Valid(doc) { // a line is UTF-8: the decoder says where the document lost bytes
		doc = bytes.ToValidUTF8(doc, []byte("\uFFFD"))
	}
	if bytes.IndexByte(doc, '\n') >= 0 || bytes.IndexByte(doc, '\r') >= 0 {
		var buf bytes.Buffer
		if json.Compact(&buf, doc) != nil {
			return jsonenc.AppendStringUnescapedHTML(b, string(doc))
		}
		b = append(b, buf.Bytes()...)
	} else {
		b = append(b, doc...)
	}
	if esc := jsonenc.EscapeControls(b[start:]); len(esc) != len(b)-start {
		b = append(b[:start], esc...)
	}
	return b
}

// appendBytesField appends ,"name":"text" or ,"name_b64":"..." (nothing for nil).
func appendBytesField(b []byte, name string, v []byte) []byte {
	if v == nil {
		return b
	}
	// v is only read while the line is written: viewed as a string, not
	// copied into one.
	return appendMember(append(b, ','), name, unsafe.String(unsafe.SliceData(v), len(v)))
}

// appendMember appends "name":"text", or "name_b64":"..." when v is not UTF-8.
func appendMember(b []byte, name string, v string) []byte {
	b = append(b, '"')
	b = append(b, name...)
	if utf8.ValidString(v) {
		b = append(b, '"', ':')
		return jsonenc.AppendStringUnescapedHTML(b, v)
	}
	b = append(b, `_b64":"`...)
	b = base64.StdEncoding.AppendEncode(b, unsafe.Slice(unsafe.StringData(v), len(v))) // only read
	return append(b, '"')
}

// LostReason is what a line's "lost" says of a message nothing of which
// is left (its Flaw's reason, or a general one when that is empty).
func LostReason(m *sources.Message) string {
	if m.Flaw.Reason != "" {
		return m.Flaw.Reason
	}
	return "nothing of the message is left, only the notice of its death"
}

// Message converts a decoded record back into a message.
func (r *Record) Message() (sources.Message, error) {
	m := sources.Message{Conn: r.Conn, Stream: r.Stream, Partition: r.Partition, Offset: r.Offset}
	if r.Position != "" {
		m.ID, m.IDPosition = r.Position, true
	}
	if r.Timestamp != nil {
		m.Timestamp = *r.Timestamp
	} else {
		m.NoTimestamp = true
	}
	var err error
	if m.Key, err = decodeBytes(r.Key, r.KeyB64); err != nil {
		return m, fmt.Errorf("key: %w", err)
	}
	if m.Value, err = decodeBytes(r.Value, r.ValueB64); err != nil {
		return m, fmt.Errorf("value: %w", err)
	}
	m.ValueSize = len(m.Value)
	for i, h := range r.Headers {
		k, err := decodeBytes(h.Key, h.KeyB64)
		if err != nil {
			return m, fmt.Errorf("header %d: key: %w", i, err)
		}
		if k == nil {
			return m, fmt.Errorf("header %d: no key (key or key_b64)", i)
		}
		v, err := decodeBytes(h.Value, h.ValueB64)
		if err != nil {
			return m, fmt.Errorf("header %d (%q): %w", i, safetext.Bytes(k), err)
		}
		m.Headers = append(m.Headers, sources.Header{Key: string(k), Value: v})
	}
	if r.Lost != nil {
		m.Flaw = &sources.Flaw{Lost: true, Reason: *r.Lost}
	}
	if r.Exchange != nil {
		m.Properties = append(m.Properties, sources.Property{Name: "exchange", Value: cmp.Or(*r.Exchange, DefaultExchange)})
	}
	if p := r.Properties; p != nil {
		text := func(name string, v *string) {
			if v != nil {
				m.Properties = append(m.Properties, sources.Property{Name: name, Value: *v})
			}
		}
		number := func(name string, v *int64) {
			if v != nil {
				m.Properties = append(m.Properties, sources.Property{Name: name, Value: propertyText(name, *v)})
			}
		}
		small := func(v *int) *int64 {
			if v == nil {
				return nil
			}
			n := int64(*v)
			return &n
		}
		text("content-type", p.ContentType)
		text("content-encoding", p.ContentEncoding)
		number("delivery-mode", small(p.DeliveryMode))
		number("priority", small(p.Priority))
		text("correlation-id", p.CorrelationID)
		text("reply-to", p.ReplyTo)
		text("expiration", p.Expiration)
		text("message-id", p.MessageID)
		number("timestamp", p.Timestamp)
		text("type", p.Type)
		text("user-id", p.UserID)
		text("app-id", p.AppID)
		text("value field", p.ValueField)
		number("value pair", small(p.ValuePair))
		if p.MessageID != nil {
			m.ID = *p.MessageID
		}
	}
	return m, nil
}

func decodeBytes(text, b64 *string) ([]byte, error) {
	switch {
	case text != nil && b64 != nil:
		return nil, fmt.Errorf("both text and base64 given")
	case text != nil:
		return []byte(*text), nil
	case b64 != nil:
		v, err := base64.StdEncoding.DecodeString(*b64)
		if err != nil {
			return nil, fmt.Errorf("bad base64: %w", err)
		}
		return v, nil
	}
	return nil, nil
}

// kcatRecord is a line of kcat -J output.
type kcatRecord struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	TS        int64  `json:"ts"`
}

// DecodedValue is a capture line's value as decoded with its schema: the
// document (value_decoded) and the schema it was decoded with
// (value_schema), for a replay to encode again.
type DecodedValue struct {
	JSON   json.RawMessage
	Schema SchemaName
	// Err is the line's value_schema_error: the value did not decode
	// cleanly with its schema, and the document is not the whole value
	// (nil: it decoded).
	Err *SchemaError
}

// SchemaName names the schema of a decoded value (value_schema).
type SchemaName struct {
	ID      int    `json:"id"`
	Subject string `json:"subject,omitempty"`
	Version int    `json:"version,omitempty"`
	Format  string `json:"format,omitempty"`
	// Indexes are the Protobuf message indexes, when the line gives them.
	Indexes []int `json:"indexes,omitempty"`
	// Message is the Protobuf message's full name (the Avro record's, the
	// JSON Schema's title).
	Message string `json:"message,omitempty"`
}

// decodedOf reads a line's value_decoded and value_schema (nil: none).
func decodedOf(probe map[string]json.RawMessage) (*DecodedValue, error) {
	doc, ok := probe["value_decoded"]
	if !ok || string(doc) == "null" {
		return nil, nil
	}
	d := &DecodedValue{JSON: doc}
	raw, ok := probe["value_schema"]
	if !ok || string(raw) == "null" {
		return nil, errors.New("value_decoded without value_schema: the schema to encode it with is not named")
	}
	if err := json.Unmarshal(raw, &d.Schema); err != nil {
		return nil, fmt.Errorf("value_schema: %w", err)
	}
	if raw, ok := probe["value_schema_error"]; ok && string(raw) != "null" {
		d.Err = new(SchemaError)
		if err := json.Unmarshal(raw, d.Err); err != nil {
			return nil, fmt.Errorf("value_schema_error: %w", err)
		}
	}
	return d, nil
}

// decodeLine reads one line of either format: mqscope's capture records,
// or kcat -J (topic, ts, key, payload, headers as a flat [k, v, ...] list).
func decodeLine(line []byte) (sources.Message, error) {
	m, _, err := decodeLineDecoded(line)
	return m, err
}

// decodeLineDecoded is decodeLine that also reads a capture record's
// decoded value.
func decodeLineDecoded(line []byte) (sources.Message, *DecodedValue, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(line, &probe); err != nil {
		return sources.Message{}, nil, err
	}
	m, err := decodeProbed(line, probe)
	if err != nil {
		return m, nil, err
	}
	d, err := decodedOf(probe)
	return m, d, err
}

func decodeProbed(line []byte, probe map[string]json.RawMessage) (sources.Message, error) {
	if _, kcat := probe["payload"]; kcat || probe["topic"] != nil && probe["stream"] == nil {
		return decodeKcat(line, probe)
	}
	if err := knownProperties(probe["properties"]); err != nil {
		return sources.Message{}, err
	}
	r := Record{Partition: sources.NoPartition} // a line without "partition" names none, not partition 0
	if err := json.Unmarshal(line, &r); err != nil {
		return sources.Message{}, err
	}
	return r.Message()
}

// knownProperties refuses a record's "properties" with a key that is no
// property a record keeps (an AMQP basic property, a Redis entry's
// shape), which reading it would otherwise drop unsaid.
func knownProperties(raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var props map[string]json.RawMessage
	if err := json.Unmarshal(raw, &props); err != nil {
		return fmt.Errorf("properties: %w", err)
	}
	var unknown []string
	for k := range props {
		if !slices.ContainsFunc(amqpProperties, func(p amqpProperty) bool { return p.name == k }) {
			unknown = append(unknown, strconv.Quote(k))
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	names := make([]string, len(amqpProperties))
	for i, p := range amqpProperties {
		names[i] = p.name
	}
	return fmt.Errorf("unknown property %s in \"properties\": the properties are %s", strings.Join(unknown, ", "), strings.Join(names, ", "))
}

// Decoder reads a capture file line by line.
type Decoder struct {
	s    *bufio.Scanner
	line int
}

// NewDecoder reads records from r. Lines may be up to 64 MiB long.
func NewDecoder(r io.Reader) *Decoder {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64<<10), 64<<20)
	return &Decoder{s: s}
}

// Next returns the next message, or io.EOF after the last one.
func (d *Decoder) Next() (sources.Message, error) {
	m, _, err := d.NextDecoded()
	return m, err
}

// NextDecoded returns the next message and its decoded value when the
// line carries one (value_decoded, value_schema), or io.EOF after the
// last one.
func (d *Decoder) NextDecoded() (sources.Message, *DecodedValue, error) {
	for d.s.Scan() {
		d.line++
		line := d.s.Bytes()
		if len(line) == 0 {
			continue
		}
		m, dv, err := decodeLineDecoded(line)
		if err != nil {
			return m, nil, fmt.Errorf("capture line %d: %w", d.line, err)
		}
		return m, dv, nil
	}
	if err := d.s.Err(); err != nil {
		return sources.Message{}, nil, fmt.Errorf("capture line %d: %w", d.line+1, err)
	}
	return sources.Message{}, nil, io.EOF
}

// Line is the number of the line Next last read.
func (d *Decoder) Line() int { return d.line }

// appendSchema appends ,"<part>_schema":{...}.
func appendSchema(b []byte, part string, s *SchemaRecord) []byte {
	b = append(b, ',', '"')
	b = append(b, part...)
	b = append(b, `_schema":{`...)
	if s.ID != nil {
		b = append(b, `"id":`...)
		b = strconv.AppendInt(b, int64(*s.ID), 10)
		b = append(b, ',')
	}
	if s.Subject != "" {
		b = append(b, `"subject":`...)
		b = jsonenc.AppendStringUnescapedHTML(b, s.Subject)
		b = append(b, ',')
	}
	if s.Version != 0 {
		b = append(b, `"version":`...)
		b = strconv.AppendInt(b, int64(s.Version), 10)
		b = append(b, ',')
	}
	if s.Deleted {
		b = append(b, `"deleted":true,`...)
	}
	b = append(b, `"format":`...)
	b = jsonenc.AppendStringUnescapedHTML(b, s.Format)
	if s.Message != "" {
		b = append(b, `,"message":`...)
		b = jsonenc.AppendStringUnescapedHTML(b, s.Message)
	}
	if s.Local != "" {
		b = append(b, `,"local":`...)
		b = jsonenc.AppendStringUnescapedHTML(b, s.Local)
	}
	if s.FramedID != nil {
		b = append(b, `,"framed_id":`...)
		b = strconv.AppendInt(b, int64(*s.FramedID), 10)
	}
	b = append(b, '}')
	return b
}

// schemaObject is a schema record and its object as written last.
type schemaObject struct {
	rec      SchemaRecord
	id       int // *rec.ID when it is set
	framedID int // *rec.FramedID when it is set
	json     []byte
}

// is reports that s writes what o holds.
func (o *schemaObject) is(s *SchemaRecord) bool {
	if o.json == nil || (s.ID == nil) != (o.rec.ID == nil) || s.ID != nil && *s.ID != o.id {
		return false
	}
	if (s.FramedID == nil) != (o.rec.FramedID == nil) || s.FramedID != nil && *s.FramedID != o.framedID {
		return false
	}
	return s.Subject == o.rec.Subject && s.Version == o.rec.Version && s.Deleted == o.rec.Deleted && s.Format == o.rec.Format && s.Message == o.rec.Message && s.Local == o.rec.Local
}

// set makes o hold s, written as js.
func (o *schemaObject) set(s *SchemaRecord, js []byte) {
	o.rec, o.json = *s, js
	if s.ID != nil {
		o.id = *s.ID
		o.rec.ID = &o.id
	}
	if s.FramedID != nil {
		o.framedID = *s.FramedID
		o.rec.FramedID = &o.framedID
	}
}
