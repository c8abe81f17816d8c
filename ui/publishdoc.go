package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources"
)

// publishDocOrder is the order of a publish document's fields.
var publishDocOrder = []string{"//", "key", "key_b64", "routing_key", "routing_key_b64", "headers", "properties", "value_json", "value", "value_b64"}

// publishKeys is what a publish document calls the message's key.
type publishKeys int

const (
	keyField        publishKeys = iota // "key": the message's key
	routingKeyField                    // "routing_key": an exchange routes by it
	noKeyField                         // none: the stream's name routes the message
)

// publishDocument is the file a person edits to publish m to target: the
// edit document's key, headers and value, with the message's properties
// where the broker has them (withProps), each field on its own lines. A
// header without a value is null, one with an empty value "". Where the
// connection has no template of its own (!withProps) a message without a
// key says "key": null, so the field is there to fill in and left as it
// is publishes no key.
func publishDocument(m sources.Message, target string, withProps bool, keys publishKeys) []byte {
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(replay.EditDocument(m), &fields) // the edit document is JSON: it cannot fail
	fields["headers"] = nullHeaders(fields["headers"], m.Headers)
	what := "edit key, headers, properties and value (value_json, value or value_b64); a null or missing key means none"
	switch keys {
	case routingKeyField:
		for _, name := range []string{"key", "key_b64"} {
			if v, ok := fields[name]; ok {
				fields["routing_"+name] = v
				delete(fields, name)
			}
		}
		if fields["routing_key"] == nil && fields["routing_key_b64"] == nil {
			fields["routing_key"] = json.RawMessage(`""`)
		}
		what = "edit routing_key (the exchange routes by it), headers, properties and value (value_json, value or value_b64)"
	case noKeyField:
		delete(fields, "key")
		delete(fields, "key_b64")
		what = "edit headers, properties and value (value_json, value or value_b64); the routing key is the queue's name"
	default:
		if _, b64 := fields["key_b64"]; !withProps && fields["key"] == nil && !b64 {
			fields["key"] = json.RawMessage("null")
		}
	}
	comment, _ := json.Marshal("publish to " + target + ": " + what + "; a null header has no value; save and quit to go on, an empty file cancels")
	fields["//"] = comment
	if withProps {
		props := map[string]string{}
		for _, p := range m.Properties {
			props[p.Name] = p.Value
		}
		fields["properties"], _ = json.Marshal(props)
	}
	var b bytes.Buffer
	b.WriteString("{\n")
	first := true
	for _, name := range publishDocOrder {
		v, ok := fields[name]
		if !ok {
			continue
		}
		if !first {
			b.WriteString(",\n")
		}
		first = false
		var pretty bytes.Buffer
		if json.Indent(&pretty, v, "  ", "  ") != nil {
			pretty.Reset()
			pretty.Write(v)
		}
		fmt.Fprintf(&b, "  %q: %s", name, pretty.Bytes())
	}
	b.WriteString("\n}\n")
	return b.Bytes()
}

// nullHeaders is the edit document's headers raw with those of hs that
// have no value (nil) null, as the edit document writes them "". The
// document leaves out headers set on publish: a header of hs is matched
// to the next one of the document of its name.
func nullHeaders(raw json.RawMessage, hs []sources.Header) json.RawMessage {
	var doc []map[string]any
	if json.Unmarshal(raw, &doc) != nil {
		return raw
	}
	j := 0
	for _, h := range hs {
		if j < len(doc) && doc[j]["key"] == h.Key {
			if h.Value == nil {
				doc[j]["value"] = nil
				delete(doc[j], "value_b64")
			}
			j++
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return raw
	}
	return out
}

// nullAt are the indexes of the headers of a document's raw headers whose
// value is null (and that have no value_b64).
func nullAt(raw json.RawMessage) []int {
	var doc []map[string]json.RawMessage
	if json.Unmarshal(raw, &doc) != nil {
		return nil
	}
	var out []int
	for i, h := range doc {
		v, ok := h["value"]
		if _, b64 := h["value_b64"]; ok && !b64 && string(bytes.TrimSpace(v)) == "null" {
			out = append(out, i)
		}
	}
	return out
}

// errPublishCancelled says the document was emptied: nothing to publish.
var errPublishCancelled = errors.New("the file is empty: nothing published")

// parsePublishDocument reads an edited publish document back: the message
// to publish (its properties sorted by name).
func parsePublishDocument(doc []byte) (sources.Message, error) {
	if len(bytes.TrimSpace(doc)) == 0 {
		return sources.Message{}, errPublishCancelled
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(doc, &fields); err != nil {
		return sources.Message{}, fmt.Errorf("the message to publish: %w", err)
	}
	for _, name := range []string{"key", "key_b64"} { // an exchange's document names the key routing_key
		if raw, ok := fields["routing_"+name]; ok {
			if _, both := fields[name]; both {
				return sources.Message{}, fmt.Errorf("the message to publish: give %s or routing_%s, not both", name, name)
			}
			fields[name] = raw
			delete(fields, "routing_"+name)
		}
	}
	var props map[string]string
	if raw, ok := fields["properties"]; ok {
		if err := json.Unmarshal(raw, &props); err != nil {
			return sources.Message{}, fmt.Errorf("the message to publish: properties: want an object of strings: %w", err)
		}
		delete(fields, "properties")
	}
	rest, err := json.Marshal(fields)
	if err != nil {
		return sources.Message{}, fmt.Errorf("the message to publish: %w", err)
	}
	e, err := replay.ParseEdit(rest)
	if err != nil {
		return sources.Message{}, err
	}
	if e.Decoded != nil {
		return sources.Message{}, errors.New("the message to publish: value_decoded: give the value as value_json, value or value_b64")
	}
	for _, i := range nullAt(fields["headers"]) {
		if i < len(e.Headers) {
			e.Headers[i].Value = nil // null: no value, not an empty one
		}
	}
	m := sources.Message{Partition: sources.NoPartition, Key: e.Key, Value: e.Value, ValueSize: len(e.Value), Headers: e.Headers}
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		m.Properties = append(m.Properties, sources.Property{Name: n, Value: props[n]})
	}
	return m, nil
}
