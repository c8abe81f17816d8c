package replay

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
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
	// ValueDecoded is the value decoded with its schema (ValueSchema),
	// encoded again with the same schema when the edit is read back.
	ValueDecoded json.RawMessage     `json:"value_decoded,omitempty"`
	ValueSchema  *capture.SchemaName `json:"value_schema,omitempty"`
}

type editHeader struct {
	Key      string  `json:"key"`
	Value    *string `json:"value,omitempty"`
	ValueB64 *string `json:"value_b64,omitempty"`
}

// EditDocument renders a message for editing (the redrive's provenance
// headers and the broker's own are left out: they are set on publish).
func EditDocument(m sources.Message) []byte { return EditDocumentDecoded(m, nil) }

// EditDocumentDecoded renders a message for editing; when its value was
// decoded with a schema (d from schema.Decoder, a registry or a local
// schema), the value is the decoded document (value_decoded) with the
// schema it is written with (value_schema), to be encoded again with the
// same schema (Edit.EncodeValue).
func EditDocumentDecoded(m sources.Message, d *schema.Decoded) []byte {
	doc := editDocOf(m)
	if d != nil && (d.Err == nil || errors.Is(d.Err, schema.ErrUnknownFields)) && d.JSON != nil && d.Ref.Origin != schema.OriginContent {
		var pretty bytes.Buffer
		if json.Indent(&pretty, d.JSON, "  ", "  ") == nil {
			name := SchemaNameOf(d.Ref)
			doc.ValueJSON, doc.Value, doc.ValueB64 = nil, nil, nil
			doc.ValueDecoded, doc.ValueSchema = pretty.Bytes(), &name
			doc.Comment = "edit key, headers and value_decoded (encoded again with value_schema, which an edit does not change); a null or missing key means none; save and quit to go on, an unchanged file cancels"
		}
	}
	out, _ := json.MarshalIndent(doc, "", "  ") // plain strings and raw JSON: it cannot fail
	return append(out, '\n')
}

// SchemaNameOf names a schema ref as edit documents and capture lines do.
func SchemaNameOf(r schema.Ref) capture.SchemaName {
	n := capture.SchemaName{ID: r.ID, Subject: r.Subject, Version: r.Version, Format: string(r.Format)}
	if r.Format == schema.FormatProtobuf {
		n.Indexes = r.Indexes
	}
	return n
}

// editDocOf is a message's edit document with its raw value.
func editDocOf(m sources.Message) editDoc {
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
	return d
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
	case d.ValueDecoded != nil && (d.ValueJSON != nil || d.Value != nil || d.ValueB64 != nil):
		return Edit{}, errors.New("the edited message: give value_decoded, value_json, value or value_b64, not several")
	case d.ValueDecoded != nil && d.ValueSchema == nil:
		return Edit{}, errors.New("the edited message: value_decoded needs its value_schema")
	case d.ValueDecoded != nil:
		var compact bytes.Buffer
		if err := json.Compact(&compact, d.ValueDecoded); err != nil {
			return Edit{}, fmt.Errorf("the edited message: value_decoded: %w", err)
		}
		e.Decoded, e.Schema = compact.Bytes(), d.ValueSchema
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

// EncodeValue encodes an edit's decoded value (value_decoded) with the
// schema orig, m's value as decoded, was written with (the same id,
// message indexes and union branches), and sets Value: to m's own bytes,
// byte for byte, when the document holds what orig does (an edit of the
// key or the headers only), else to the edited document encoded. The
// document's value_schema must name the same id. An edit that does not fit
// is refused with the field and the reason (a *schema.Error in the chain),
// before anything is written. It returns the value to be written as
// decoded, for a diff (nil when the edit has no decoded value), and what
// the encoding did to the bytes: when it changes more than the edit shows
// (Reencoding.Surprising), a person must confirm it.
func (e *Edit) EncodeValue(ctx context.Context, dec *schema.Decoder, m sources.Message, orig *schema.Decoded) (*schema.Decoded, Reencoding, error) {
	if e.Decoded == nil {
		return nil, Reencoding{Part: schema.PartValue, Kept: true}, nil
	}
	if dec == nil || orig == nil {
		return nil, Reencoding{}, errors.New("the edited message: value_decoded needs the schema decoder it was decoded with")
	}
	ref := orig.Ref
	if e.Schema != nil && e.Schema.ID != ref.ID {
		return nil, Reencoding{}, fmt.Errorf("the edited message: value_schema names id %d, the value is written with id %d: an edit keeps the schema", e.Schema.ID, ref.ID)
	}
	out, db, re, err := EncodePart(ctx, dec, m, orig, e.Decoded)
	if err != nil {
		return nil, Reencoding{}, fmt.Errorf("the edited value does not fit %s: %w", ref, err)
	}
	if re.Kept {
		out = bytes.Clone(out)
	}
	e.Value, e.Decoded = out, nil
	return db, re, nil
}

// KeepValueBytes keeps the original value's bytes when the edit left the
// JSON value as it was (value_json is shown indented and read back
// compacted: only white space differs, the same names in the same order
// and the same number texts), so an edit of a header alone writes the
// value byte for byte.
func (e *Edit) KeepValueBytes(orig []byte) {
	if e.Decoded != nil || e.Value == nil || !json.Valid(orig) {
		return
	}
	var compact bytes.Buffer
	if json.Compact(&compact, orig) == nil && bytes.Equal(compact.Bytes(), e.Value) {
		e.Value = orig
	}
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
