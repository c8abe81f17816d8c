// Package capture reads and writes message captures as JSON Lines: one
// object per message with key, value and headers (names too) kept
// byte-exact (as text where they are valid UTF-8, base64 where they are
// not). Controls a terminal would act on (C0, DEL, C1, bidi) are written as
// \uXXXX escapes, so a capture can be printed safely.
package capture

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/mqscope/mqscope/internal/jsonenc"
	"github.com/mqscope/mqscope/internal/safetext"
	"github.com/mqscope/mqscope/sources"
)

// Record is the JSON form of one message. Exactly one of Key and KeyB64 (and
// of Value and ValueB64) is set; neither means null.
type Record struct {
	Conn      string         `json:"conn,omitempty"`
	Stream    string         `json:"stream"`
	Partition int32          `json:"partition"`
	Offset    int64          `json:"offset"`
	Timestamp time.Time      `json:"timestamp"`
	Key       *string        `json:"key,omitempty"`
	KeyB64    *string        `json:"key_b64,omitempty"`
	Value     *string        `json:"value,omitempty"`
	ValueB64  *string        `json:"value_b64,omitempty"`
	Headers   []HeaderRecord `json:"headers,omitempty"`
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
}

// NewEncoder returns an Encoder writing to w. Call Flush when done.
func NewEncoder(w io.Writer) *Encoder {
	return &Encoder{w: bufio.NewWriterSize(w, 256<<10)}
}

// Encode writes one message as one line.
func (e *Encoder) Encode(m *sources.Message) error {
	e.buf = AppendRecord(e.buf[:0], m)
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
func AppendRecord(b []byte, m *sources.Message) []byte {
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
	b = append(b, `,"timestamp":"`...)
	b = m.Timestamp.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
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
	return append(b, '}', '\n')
}

// appendBytesField appends ,"name":"text" or ,"name_b64":"..." (nothing for nil).
func appendBytesField(b []byte, name string, v []byte) []byte {
	if v == nil {
		return b
	}
	return appendMember(append(b, ','), name, string(v))
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
	b = base64.StdEncoding.AppendEncode(b, []byte(v))
	return append(b, '"')
}

// Message converts a decoded record back into a message.
func (r *Record) Message() (sources.Message, error) {
	m := sources.Message{Conn: r.Conn, Stream: r.Stream, Partition: r.Partition, Offset: r.Offset, Timestamp: r.Timestamp}
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
	Topic     string          `json:"topic"`
	Partition int32           `json:"partition"`
	Offset    int64           `json:"offset"`
	TS        int64           `json:"ts"`
	Key       *string         `json:"key"`
	Payload   *string         `json:"payload"`
	Headers   json.RawMessage `json:"headers"`
}

// DecodedValue is a capture line's value as decoded with its schema: the
// document (value_decoded) and the schema it was decoded with
// (value_schema), for a replay to encode again.
type DecodedValue struct {
	JSON   json.RawMessage
	Schema SchemaName
}

// SchemaName names the schema of a decoded value (value_schema).
type SchemaName struct {
	ID      int    `json:"id"`
	Subject string `json:"subject,omitempty"`
	Version int    `json:"version,omitempty"`
	Format  string `json:"format,omitempty"`
	// Indexes are the Protobuf message indexes, when the line gives them.
	Indexes []int `json:"indexes,omitempty"`
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
		var k kcatRecord
		if err := json.Unmarshal(line, &k); err != nil {
			return sources.Message{}, fmt.Errorf("kcat record: %w", err)
		}
		m := sources.Message{Stream: k.Topic, Partition: k.Partition, Offset: k.Offset, Timestamp: time.UnixMilli(k.TS)}
		if k.Key != nil {
			m.Key = []byte(*k.Key)
		}
		if k.Payload != nil {
			m.Value = []byte(*k.Payload)
		}
		m.ValueSize = len(m.Value)
		if len(k.Headers) > 0 && string(k.Headers) != "null" {
			var flat []*string
			if err := json.Unmarshal(k.Headers, &flat); err != nil {
				return m, fmt.Errorf("kcat headers: %w", err)
			}
			if len(flat)%2 != 0 {
				return m, fmt.Errorf("kcat headers: odd number of elements")
			}
			for i := 0; i < len(flat); i += 2 {
				h := sources.Header{}
				if flat[i] != nil {
					h.Key = *flat[i]
				}
				if flat[i+1] != nil {
					h.Value = []byte(*flat[i+1])
				}
				m.Headers = append(m.Headers, h)
			}
		}
		return m, nil
	}
	var r Record
	if err := json.Unmarshal(line, &r); err != nil {
		return sources.Message{}, err
	}
	return r.Message()
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
