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
var publishDocOrder = []string{"//", "key", "key_b64", "headers", "properties", "value_json", "value", "value_b64"}

// publishDocument is the file a person edits to publish m to target: the
// edit document's key, headers and value, with the message's properties
// where the broker has them (withProps), each field on its own lines.
func publishDocument(m sources.Message, target string, withProps bool) []byte {
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(replay.EditDocument(m), &fields) // the edit document is JSON: it cannot fail
	comment, _ := json.Marshal("publish to " + target + ": edit key, headers, properties and value (value_json, value or value_b64); a null or missing key means none; save and quit to go on, an empty file cancels")
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
