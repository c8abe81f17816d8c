package replay

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mqscope/mqscope/sources"
)

// brokerHeader reports a header the broker keeps for itself (RabbitMQ's
// dead-letter history): not editable, republished as the broker wrote it.
func brokerHeader(k string) bool {
	return k == "x-death" || strings.HasPrefix(k, "x-first-death-") || strings.HasPrefix(k, "x-last-death-") || k == "x-delivery-count"
}

// editDoc is the file a person edits: key, headers and value, as text where
// they are UTF-8 (the value as JSON where it is JSON), base64 otherwise.
type editDoc struct {
	Comment   string          `json:"//,omitempty"`
	Key       *string         `json:"key,omitempty"`
	KeyB64    *string         `json:"key_b64,omitempty"`
	Headers   []editHeader    `json:"headers"`
	ValueJSON json.RawMessage `json:"value_json,omitempty"`
	Value     *string         `json:"value,omitempty"`
	ValueB64  *string         `json:"value_b64,omitempty"`
}

type editHeader struct {
	Key      string  `json:"key"`
	Value    *string `json:"value,omitempty"`
	ValueB64 *string `json:"value_b64,omitempty"`
}

// EditDocument renders a message for editing (the redrive's provenance
// headers and the broker's own are left out: they are set on publish).
func EditDocument(m sources.Message) []byte {
	d := editDoc{Comment: "edit key, headers and value; a null or missing key/value means none; save and quit to go on, an unchanged file cancels"}
	d.Key, d.KeyB64 = textOrB64(m.Key)
	d.Headers = []editHeader{}
	for _, h := range m.Headers {
		if strings.HasPrefix(h.Key, provenancePrefix) || brokerHeader(h.Key) {
			continue
		}
		eh := editHeader{Key: h.Key}
		eh.Value, eh.ValueB64 = textOrB64(h.Value)
		if eh.Value == nil && eh.ValueB64 == nil {
			empty := ""
			eh.Value = &empty
		}
		d.Headers = append(d.Headers, eh)
	}
	if v := bytes.TrimSpace(m.Value); len(v) > 0 && json.Valid(v) && (v[0] == '{' || v[0] == '[') {
		var pretty bytes.Buffer
		if json.Indent(&pretty, v, "  ", "  ") == nil {
			d.ValueJSON = pretty.Bytes()
		}
	}
	if d.ValueJSON == nil {
		d.Value, d.ValueB64 = textOrB64(m.Value)
	}
	out, _ := json.MarshalIndent(d, "", "  ") // plain strings and raw JSON: it cannot fail
	return append(out, '\n')
}

func textOrB64(b []byte) (*string, *string) {
	if b == nil {
		return nil, nil
	}
	s := string(b)
	if utf8.Valid(b) {
		return &s, nil
	}
	e := base64.StdEncoding.EncodeToString(b)
	return nil, &e
}

// ParseEdit reads an edited document back.
func ParseEdit(doc []byte) (Edit, error) {
	var d editDoc
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return Edit{}, fmt.Errorf("the edited message: %w", err)
	}
	var e Edit
	var err error
	if e.Key, err = fromTextOrB64("key", d.Key, d.KeyB64); err != nil {
		return Edit{}, err
	}
	for i, h := range d.Headers {
		if h.Key == "" {
			return Edit{}, fmt.Errorf("the edited message: header %d has no key", i+1)
		}
		if strings.HasPrefix(h.Key, provenancePrefix) || brokerHeader(h.Key) {
			return Edit{}, fmt.Errorf("the edited message: header %s is set by the redrive or the broker, not by hand", h.Key)
		}
		v, err := fromTextOrB64("header "+h.Key, h.Value, h.ValueB64)
		if err != nil {
			return Edit{}, err
		}
		if v == nil {
			v = []byte{}
		}
		e.Headers = append(e.Headers, sources.Header{Key: h.Key, Value: v})
	}
	switch {
	case d.ValueJSON != nil && (d.Value != nil || d.ValueB64 != nil):
		return Edit{}, errors.New("the edited message: give value_json, value or value_b64, not several")
	case d.ValueJSON != nil:
		var compact bytes.Buffer
		if err := json.Compact(&compact, d.ValueJSON); err != nil {
			return Edit{}, fmt.Errorf("the edited message: value_json: %w", err)
		}
		e.Value = compact.Bytes()
	default:
		if e.Value, err = fromTextOrB64("value", d.Value, d.ValueB64); err != nil {
			return Edit{}, err
		}
	}
	return e, nil
}

func fromTextOrB64(what string, text, b64 *string) ([]byte, error) {
	switch {
	case text != nil && b64 != nil:
		return nil, fmt.Errorf("the edited message: %s: give text or base64, not both", what)
	case text != nil:
		return []byte(*text), nil
	case b64 != nil:
		b, err := base64.StdEncoding.DecodeString(*b64)
		if err != nil {
			return nil, fmt.Errorf("the edited message: %s: %w", what, err)
		}
		return b, nil
	}
	return nil, nil
}

// Edited is the message as it will be published: the original with the
// edit's key, value and headers (for a diff before publishing). The
// headers the editor does not show (the broker's own, such as x-death, and
// the provenance a redrive sets) are kept as they were, so a diff lists
// only what the edit changed.
func (e Edit) Edited(m sources.Message) sources.Message {
	out := m
	out.Key, out.Value, out.ValueSize = e.Key, e.Value, len(e.Value)
	out.Headers = make([]sources.Header, 0, len(m.Headers)+len(e.Headers))
	for _, h := range m.Headers {
		if strings.HasPrefix(h.Key, provenancePrefix) || brokerHeader(h.Key) {
			out.Headers = append(out.Headers, h)
		}
	}
	out.Headers = append(out.Headers, e.Headers...)
	return out
}
