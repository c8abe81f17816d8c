package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/mqscope/mqscope/internal/jsonenc"
)

// protojson writes a message's fields in the order the .proto declares
// them; a document shows them in field-number order instead (as a
// message's bytes are written), so that two schemas declaring the same
// fields differently render one message alike. Encoding takes the fields
// in any order.

// outOfOrder reports a message, or one it holds, whose fields are not
// declared in field-number order (the document then needs reordering).
func outOfOrder(md protoreflect.MessageDescriptor, seen map[protoreflect.FullName]bool) bool {
	if seen[md.FullName()] || strings.HasPrefix(string(md.FullName()), "google.protobuf.") {
		return false
	}
	seen[md.FullName()] = true
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if i > 0 && fd.Number() < fields.Get(i-1).Number() {
			return true
		}
		if fd.IsMap() {
			fd = fd.MapValue()
		}
		if fd.Message() != nil && outOfOrder(fd.Message(), seen) {
			return true
		}
	}
	return false
}

// needsOrder is outOfOrder(md), remembered per message.
func (s *protoSchema) needsOrder(md protoreflect.MessageDescriptor) bool {
	if v, ok := s.ordered.Load(md.FullName()); ok {
		return v.(bool)
	}
	need := outOfOrder(md, map[protoreflect.FullName]bool{})
	s.ordered.Store(md.FullName(), need)
	return need
}

// entry is one member of a JSON object.
type entry struct {
	key string
	val json.RawMessage
	num int64 // the field's number (extensions and unknown keys after the fields)
}

// numberOrder rewrites js, md's compact document as protojson writes it
// (proto names), with every message's fields in field-number order.
func numberOrder(js []byte, md protoreflect.MessageDescriptor, depth int) ([]byte, error) {
	if depth > 100 || len(js) == 0 || js[0] != '{' || strings.HasPrefix(string(md.FullName()), "google.protobuf.") {
		return js, nil // a well-known type's JSON is its own
	}
	es, err := jsonEntries(js)
	if err != nil {
		return nil, err
	}
	for i := range es {
		e := &es[i]
		e.num = 1 << 40
		if fd := md.Fields().ByName(protoreflect.Name(e.key)); fd != nil {
			e.num = int64(fd.Number())
			if e.val, err = orderValue(e.val, fd, depth); err != nil {
				return nil, fmt.Errorf("%s: %w", e.key, err)
			}
		}
	}
	sort.SliceStable(es, func(i, j int) bool { return es[i].num < es[j].num })
	out := make([]byte, 0, len(js))
	out = append(out, '{')
	for i, e := range es {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(append(jsonenc.AppendStringUnescapedHTML(out, e.key), ':'), e.val...)
	}
	return append(out, '}'), nil
}

// orderValue is numberOrder for the value of field fd.
func orderValue(v json.RawMessage, fd protoreflect.FieldDescriptor, depth int) (json.RawMessage, error) {
	var md protoreflect.MessageDescriptor
	switch {
	case fd.IsMap():
		md = fd.MapValue().Message()
	default:
		md = fd.Message()
	}
	if md == nil || len(v) == 0 {
		return v, nil
	}
	switch {
	case fd.IsMap() && v[0] == '{':
		d := json.NewDecoder(bytes.NewReader(v))
		if _, err := d.Token(); err != nil {
			return nil, err
		}
		out := []byte{'{'}
		for n := 0; d.More(); n++ {
			t, err := d.Token()
			if err != nil {
				return nil, err
			}
			k, _ := t.(string)
			var e json.RawMessage
			if err := d.Decode(&e); err != nil {
				return nil, err
			}
			if e, err = numberOrder(e, md, depth+1); err != nil {
				return nil, err
			}
			if n > 0 {
				out = append(out, ',')
			}
			out = append(append(jsonenc.AppendStringUnescapedHTML(out, k), ':'), e...)
		}
		return append(out, '}'), nil
	case fd.IsList() && v[0] == '[':
		var items []json.RawMessage
		if err := json.Unmarshal(v, &items); err != nil {
			return nil, err
		}
		out := []byte{'['}
		for i, it := range items {
			it, err := numberOrder(it, md, depth+1)
			if err != nil {
				return nil, err
			}
			if i > 0 {
				out = append(out, ',')
			}
			out = append(out, it...)
		}
		return append(out, ']'), nil
	}
	return numberOrder(v, md, depth+1)
}
