package redis

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/mqscope/mqscope/internal/jsonenc"
	"github.com/mqscope/mqscope/sources"
)

// ValueFields are the field names that carry an entry's payload.
//
// A stream entry is a list of field/value pairs, binary-safe, in the order
// the producer gave them (a name may repeat). A Message has one value and
// headers, so an entry is mapped this way:
//
//   - exactly one field named value, payload, data or body: that field's
//     bytes are Message.Value, untouched, and every other pair is a header,
//     in entry order (Properties "value field" names the field, "value
//     pair" says which pair it was, from 1);
//   - otherwise (no such field, or several): Message.Value is the whole
//     entry as one JSON object, pairs in entry order, each value a JSON
//     string, or {"base64": "..."} for bytes that are not UTF-8; and every
//     pair is also a header, byte for byte (Properties "value field" is
//     "(entry as JSON)").
//
// Either way the headers and the value together hold every byte of the
// entry, and a redrive copies the entry as Redis holds it (it is read again
// on the server, inside the write), never this mapping.
var ValueFields = [...]string{"value", "payload", "data", "body"}

// Property names a message from a stream entry carries.
const (
	// PropID is the entry id.
	PropID = "id"
	// PropValueField names the field that is the value, or EntryAsJSON.
	PropValueField = "value field"
	// PropValuePair is the value's place among the entry's pairs, from 1.
	PropValuePair = "value pair"
)

// EntryAsJSON is the "value field" property of an entry whose Value is the
// whole entry as a JSON object.
const EntryAsJSON = "(entry as JSON)"

// Field is one pair of an entry.
type Field struct {
	Name  string
	Value []byte
}

// valueField is the index of the pair that is the entry's value, or -1.
func valueField(pairs []Field) int {
	at := -1
	for i := range pairs {
		if isValueField(pairs[i].Name) {
			if at >= 0 {
				return -1
			}
			at = i
		}
	}
	return at
}

func isValueField(name string) bool {
	for _, f := range ValueFields {
		if name == f {
			return true
		}
	}
	return false
}

// ToMessage maps an entry to a Message (see ValueFields).
func ToMessage(conn, stream string, id string, pairs []Field) sources.Message {
	m := sources.Message{Conn: conn, Stream: stream, Partition: sources.NoPartition, ID: id, IDPosition: true}
	if pid, err := ParseID(id); err == nil {
		m.Offset = pid.Offset()
		m.Timestamp = pid.Time()
	}
	at := valueField(pairs)
	if at >= 0 {
		m.Value = pairs[at].Value
		if len(pairs) > 1 {
			m.Headers = make([]sources.Header, 0, len(pairs)-1)
		}
		for i := range pairs {
			if i != at {
				m.Headers = append(m.Headers, sources.Header{Key: pairs[i].Name, Value: pairs[i].Value})
			}
		}
		m.Properties = []sources.Property{{Name: PropID, Value: id}, {Name: PropValueField, Value: pairs[at].Name}, {Name: PropValuePair, Value: pairNumber(at + 1)}}
	} else {
		m.Value = EntryJSON(pairs)
		m.Headers = make([]sources.Header, len(pairs))
		for i := range pairs {
			m.Headers[i] = sources.Header{Key: pairs[i].Name, Value: pairs[i].Value}
		}
		m.Properties = []sources.Property{{Name: PropID, Value: id}, {Name: PropValueField, Value: EntryAsJSON}}
	}
	m.ValueSize = len(m.Value)
	return m
}

// pairNumbers are the "value pair" texts of the first pairs.
var pairNumbers = [...]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16"}

// pairNumber is n as text, without an allocation for small n.
func pairNumber(n int) string {
	if n >= 0 && n < len(pairNumbers) {
		return pairNumbers[n]
	}
	return strconv.Itoa(n)
}

// EntryJSON renders pairs as one JSON object, in order (see ValueFields).
func EntryJSON(pairs []Field) []byte {
	n := 2
	for i := range pairs {
		n += len(pairs[i].Name) + len(pairs[i].Value) + 6
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i := range pairs {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonenc.AppendStringUnescapedHTML(b, pairs[i].Name)
		b = append(b, ':')
		if v := pairs[i].Value; utf8.Valid(v) {
			b = jsonenc.AppendStringUnescapedHTML(b, string(v))
		} else {
			b = append(b, `{"base64":"`...)
			b = base64.StdEncoding.AppendEncode(b, v)
			b = append(b, `"}`...)
		}
	}
	return append(b, '}')
}

// errNotEntryJSON says an edited value cannot become an entry's pairs.
var errNotEntryJSON = errors.New(`want a JSON object of strings (or {"base64": "..."} values)`)

// PairsFromJSON reads an edited whole-entry value back into pairs: the
// inverse of EntryJSON (a repeated name keeps its place and its repeats).
func PairsFromJSON(b []byte) ([]Field, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, errNotEntryJSON
	}
	var pairs []Field
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("entry JSON: %w", err)
		}
		name, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("entry JSON field %q: %w", name, err)
		}
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			pairs = append(pairs, Field{Name: name, Value: []byte(s)})
			continue
		}
		var bin struct {
			Base64 *string `json:"base64"`
		}
		if err := json.Unmarshal(raw, &bin); err != nil || bin.Base64 == nil {
			return nil, fmt.Errorf("entry JSON field %q: %w", name, errNotEntryJSON)
		}
		v, err := base64.StdEncoding.DecodeString(*bin.Base64)
		if err != nil {
			return nil, fmt.Errorf("entry JSON field %q: base64: %w", name, err)
		}
		pairs = append(pairs, Field{Name: name, Value: v})
	}
	if len(pairs) == 0 {
		return nil, errors.New("entry JSON: a stream entry needs at least one field")
	}
	return pairs, nil
}

// errNotAnEntry says a message does not carry what ToMessage made of an
// entry.
var errNotAnEntry = errors.New("not a message read from a Redis stream entry (its value field properties are missing)")

// EntryPairs gives back the pairs of the entry m was read from, in order,
// byte for byte (the inverse of ToMessage); value, when not nil, stands
// for the message's value (an edit): it replaces the value field, or, for
// an entry read as JSON, it is the edited JSON object of all the pairs.
func EntryPairs(m *sources.Message, value []byte) ([]Field, error) {
	field, pair := "", 0
	for _, p := range m.Properties {
		switch p.Name {
		case PropValueField:
			field = p.Value
		case PropValuePair:
			pair, _ = strconv.Atoi(p.Value)
		}
	}
	switch {
	case field == EntryAsJSON && value != nil:
		return PairsFromJSON(value)
	case field == EntryAsJSON:
		out := make([]Field, len(m.Headers))
		for i, h := range m.Headers {
			out[i] = Field{Name: h.Key, Value: h.Value}
		}
		return out, nil
	case field == "" || pair < 1 || pair > len(m.Headers)+1:
		return nil, errNotAnEntry
	}
	if value == nil {
		value = m.Value
	}
	out := make([]Field, 0, len(m.Headers)+1)
	for i, h := range m.Headers {
		if i == pair-1 {
			out = append(out, Field{Name: field, Value: value})
		}
		out = append(out, Field{Name: h.Key, Value: h.Value})
	}
	if pair == len(m.Headers)+1 {
		out = append(out, Field{Name: field, Value: value})
	}
	return out, nil
}
