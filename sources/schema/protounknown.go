package schema

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/mqscope/mqscope/internal/jsonenc"
)

// A Protobuf body may hold fields its schema lacks (written with a newer
// schema, or read with the wrong one). The document shows them, message
// by message, under UnknownFieldsKey: each with its field number and its
// wire value ({"field":7,"varint":42}, {"field":9,"bytes":"eA=="}, fixed32,
// fixed64, group), and encoding writes them back, so an edit keeps them.

// UnknownFieldsKey is the key a Protobuf document shows a message's
// fields the schema lacks under. No field's JSON name can be it.
const UnknownFieldsKey = "$unknown_fields"

// ErrUnknownFields is the reason of the *Error a decode of a Protobuf body
// holding fields its schema lacks carries (the document is whole: they
// are under UnknownFieldsKey, and encoding writes them back).
var ErrUnknownFields = errors.New("the body has fields the schema does not have (a newer writer, or the wrong schema), shown under " + UnknownFieldsKey)

// unknownJSON renders raw, a message's unknown fields, as the document
// shows them (ok false when they do not parse).
func unknownJSON(out, raw []byte) ([]byte, bool) {
	out = append(out, '[')
	for i := 0; len(raw) > 0; i++ {
		num, typ, n := protowire.ConsumeTag(raw)
		if n < 0 {
			return nil, false
		}
		raw = raw[n:]
		if i > 0 {
			out = append(out, ',')
		}
		out = strconv.AppendInt(append(out, `{"field":`...), int64(num), 10)
		switch typ {
		case protowire.VarintType:
			v, m := protowire.ConsumeVarint(raw)
			if m < 0 {
				return nil, false
			}
			out, raw = strconv.AppendUint(append(out, `,"varint":`...), v, 10), raw[m:]
		case protowire.Fixed32Type:
			v, m := protowire.ConsumeFixed32(raw)
			if m < 0 {
				return nil, false
			}
			out, raw = strconv.AppendUint(append(out, `,"fixed32":`...), uint64(v), 10), raw[m:]
		case protowire.Fixed64Type:
			v, m := protowire.ConsumeFixed64(raw)
			if m < 0 {
				return nil, false
			}
			out, raw = strconv.AppendUint(append(out, `,"fixed64":`...), v, 10), raw[m:]
		case protowire.BytesType:
			v, m := protowire.ConsumeBytes(raw)
			if m < 0 {
				return nil, false
			}
			out, raw = appendBase64(append(out, `,"bytes":`...), v), raw[m:]
		case protowire.StartGroupType:
			v, m := protowire.ConsumeGroup(num, raw)
			if m < 0 {
				return nil, false
			}
			out, raw = appendBase64(append(out, `,"group":`...), v), raw[m:]
		default:
			return nil, false
		}
		out = append(out, '}')
	}
	return append(out, ']'), true
}

// unknownEntry is one field of UnknownFieldsKey as a document has it.
type unknownEntry struct {
	Field   *int64  `json:"field"`
	Varint  *uint64 `json:"varint"`
	Fixed32 *uint32 `json:"fixed32"`
	Fixed64 *uint64 `json:"fixed64"`
	Bytes   *string `json:"bytes"`
	Group   *string `json:"group"`
}

// unknownBytes is unknownJSON's inverse: the wire bytes of the fields.
func unknownBytes(js json.RawMessage) ([]byte, error) {
	var fs []unknownEntry
	d := json.NewDecoder(bytes.NewReader(js))
	d.DisallowUnknownFields()
	if err := d.Decode(&fs); err != nil {
		return nil, fmt.Errorf("%s: want a list of {\"field\": number, and one of varint, fixed32, fixed64, bytes, group}: %w", UnknownFieldsKey, err)
	}
	var out []byte
	for i, f := range fs {
		if f.Field == nil || *f.Field < 1 || *f.Field > int64(protowire.MaxValidNumber) {
			return nil, fmt.Errorf("%s[%d]: want a field number from 1 to %d", UnknownFieldsKey, i, protowire.MaxValidNumber)
		}
		num, set := protowire.Number(*f.Field), 0
		for _, p := range []bool{f.Varint != nil, f.Fixed32 != nil, f.Fixed64 != nil, f.Bytes != nil, f.Group != nil} {
			if p {
				set++
			}
		}
		if set != 1 {
			return nil, fmt.Errorf("%s[%d]: want one value of varint, fixed32, fixed64, bytes or group", UnknownFieldsKey, i)
		}
		switch {
		case f.Varint != nil:
			out = protowire.AppendVarint(protowire.AppendTag(out, num, protowire.VarintType), *f.Varint)
		case f.Fixed32 != nil:
			out = protowire.AppendFixed32(protowire.AppendTag(out, num, protowire.Fixed32Type), *f.Fixed32)
		case f.Fixed64 != nil:
			out = protowire.AppendFixed64(protowire.AppendTag(out, num, protowire.Fixed64Type), *f.Fixed64)
		default:
			s, typ := f.Bytes, protowire.BytesType
			if f.Group != nil {
				s, typ = f.Group, protowire.StartGroupType
			}
			b, err := base64.StdEncoding.DecodeString(*s)
			if err != nil {
				return nil, fmt.Errorf("%s[%d]: not base64: %w", UnknownFieldsKey, i, err)
			}
			if typ == protowire.BytesType {
				out = protowire.AppendBytes(protowire.AppendTag(out, num, typ), b)
			} else {
				out = protowire.AppendTag(append(protowire.AppendTag(out, num, typ), b...), num, protowire.EndGroupType)
			}
		}
	}
	return out, nil
}

// holdsUnknown reports a message holding unknown fields, itself or in a
// message it holds.
func holdsUnknown(m protoreflect.Message) bool { return unknownField(m, "") != "" }

// jsonEntries splits a JSON object into its members, raw.
func jsonEntries(js []byte) ([]entry, error) {
	d := json.NewDecoder(bytes.NewReader(js))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("not an object")
	}
	var es []entry
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil, err
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, err
		}
		es = append(es, entry{key: k, val: v})
	}
	return es, nil
}

// joinEntries writes members as a JSON object.
func joinEntries(es []entry) []byte {
	out := []byte{'{'}
	for i, e := range es {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(append(jsonenc.AppendStringUnescapedHTML(out, e.key), ':'), e.val...)
	}
	return append(out, '}')
}

// withUnknown adds m's unknown fields, and those of the messages it holds,
// to js, m's document, under UnknownFieldsKey.
func withUnknown(js []byte, m protoreflect.Message, depth int) ([]byte, error) {
	if depth > 100 || len(js) == 0 || js[0] != '{' || strings.HasPrefix(string(m.Descriptor().FullName()), "google.protobuf.") || !holdsUnknown(m) {
		return js, nil
	}
	es, err := jsonEntries(js)
	if err != nil {
		return nil, err
	}
	for i := range es {
		fd := m.Descriptor().Fields().ByName(protoreflect.Name(es[i].key))
		if fd == nil || !m.Has(fd) {
			continue
		}
		v := m.Get(fd)
		switch {
		case fd.IsMap() && fd.MapValue().Message() != nil:
			ms, err := jsonEntries(es[i].val)
			if err != nil {
				return nil, err
			}
			for j := range ms {
				mk, ok := mapKey(fd.MapKey(), ms[j].key)
				if !ok || !v.Map().Has(mk) {
					continue
				}
				if ms[j].val, err = withUnknown(ms[j].val, v.Map().Get(mk).Message(), depth+1); err != nil {
					return nil, err
				}
			}
			es[i].val = joinEntries(ms)
		case fd.IsList() && fd.Message() != nil:
			var items []json.RawMessage
			if err := json.Unmarshal(es[i].val, &items); err != nil {
				return nil, err
			}
			if len(items) != v.List().Len() {
				continue
			}
			for j := range items {
				if items[j], err = withUnknown(items[j], v.List().Get(j).Message(), depth+1); err != nil {
					return nil, err
				}
			}
			es[i].val = jsonArray(items)
		case !fd.IsMap() && !fd.IsList() && fd.Message() != nil:
			if es[i].val, err = withUnknown(es[i].val, v.Message(), depth+1); err != nil {
				return nil, err
			}
		}
	}
	if raw := m.GetUnknown(); len(raw) > 0 {
		uj, ok := unknownJSON(nil, raw)
		if !ok {
			return nil, errors.New("unknown fields that do not parse")
		}
		es = append(es, entry{key: UnknownFieldsKey, val: uj})
	}
	return joinEntries(es), nil
}

// jsonArray writes JSON values as an array.
func jsonArray(items []json.RawMessage) []byte {
	out := []byte{'['}
	for i, it := range items {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, it...)
	}
	return append(out, ']')
}

// mapKey is a map's JSON key as the map key of kind fd.
func mapKey(fd protoreflect.FieldDescriptor, k string) (protoreflect.MapKey, bool) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(k).MapKey(), true
	case protoreflect.BoolKind:
		b, err := strconv.ParseBool(k)
		return protoreflect.ValueOfBool(b).MapKey(), err == nil
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		i, err := strconv.ParseInt(k, 10, 32)
		return protoreflect.ValueOfInt32(int32(i)).MapKey(), err == nil
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		i, err := strconv.ParseInt(k, 10, 64)
		return protoreflect.ValueOfInt64(i).MapKey(), err == nil
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		u, err := strconv.ParseUint(k, 10, 32)
		return protoreflect.ValueOfUint32(uint32(u)).MapKey(), err == nil
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		u, err := strconv.ParseUint(k, 10, 64)
		return protoreflect.ValueOfUint64(u).MapKey(), err == nil
	}
	return protoreflect.MapKey{}, false
}

// unknownAt is a message's unknown fields found in a document, at the
// steps that lead to the message from the top (a field name, then an
// index or a map key for a list or a map).
type unknownAt struct {
	steps []string
	raw   []byte
}

// takeUnknown removes UnknownFieldsKey from every message of doc, md's
// document, and returns what they held and where.
func takeUnknown(doc []byte, md protoreflect.MessageDescriptor, steps []string, found *[]unknownAt, depth int) ([]byte, error) {
	if depth > 100 || !bytes.Contains(doc, []byte(UnknownFieldsKey)) || strings.HasPrefix(string(md.FullName()), "google.protobuf.") {
		return doc, nil
	}
	t := bytes.TrimSpace(doc)
	if len(t) == 0 || t[0] != '{' {
		return doc, nil
	}
	es, err := jsonEntries(t)
	if err != nil {
		return doc, nil // protojson says what is wrong
	}
	kept := es[:0]
	for _, e := range es {
		if e.key == UnknownFieldsKey {
			raw, err := unknownBytes(e.val)
			if err != nil {
				return nil, &fieldError{path: pathOf(steps), reason: err}
			}
			*found = append(*found, unknownAt{steps: append([]string(nil), steps...), raw: raw})
			continue
		}
		fd := md.Fields().ByName(protoreflect.Name(e.key))
		if fd == nil {
			fd = md.Fields().ByJSONName(e.key)
		}
		if fd == nil {
			kept = append(kept, e)
			continue
		}
		at := append(steps[:len(steps):len(steps)], string(fd.Name()))
		switch {
		case fd.IsMap() && fd.MapValue().Message() != nil:
			ms, err := jsonEntries(bytes.TrimSpace(e.val))
			if err != nil {
				break
			}
			for j := range ms {
				if ms[j].val, err = takeUnknown(ms[j].val, fd.MapValue().Message(), append(at[:len(at):len(at)], ms[j].key), found, depth+1); err != nil {
					return nil, err
				}
			}
			e.val = joinEntries(ms)
		case fd.IsList() && fd.Message() != nil:
			var items []json.RawMessage
			if json.Unmarshal(e.val, &items) != nil {
				break
			}
			for j := range items {
				if items[j], err = takeUnknown(items[j], fd.Message(), append(at[:len(at):len(at)], strconv.Itoa(j)), found, depth+1); err != nil {
					return nil, err
				}
			}
			e.val = jsonArray(items)
		case !fd.IsMap() && !fd.IsList() && fd.Message() != nil:
			if e.val, err = takeUnknown(e.val, fd.Message(), at, found, depth+1); err != nil {
				return nil, err
			}
		}
		kept = append(kept, e)
	}
	return joinEntries(kept), nil
}

// pathOf is steps as a field path ("lines[2].x", "by[\"k\"]").
func pathOf(steps []string) string {
	return strings.Join(steps, ".")
}

// messageAt is the message steps lead to from m (false when it is not
// there).
func messageAt(m protoreflect.Message, steps []string) (protoreflect.Message, bool) {
	for i := 0; i < len(steps); i++ {
		fd := m.Descriptor().Fields().ByName(protoreflect.Name(steps[i]))
		if fd == nil || !m.Has(fd) {
			return nil, false
		}
		switch {
		case fd.IsMap():
			if i+1 >= len(steps) || fd.MapValue().Message() == nil {
				return nil, false
			}
			i++
			mk, ok := mapKey(fd.MapKey(), steps[i])
			if !ok || !m.Get(fd).Map().Has(mk) {
				return nil, false
			}
			m = m.Get(fd).Map().Get(mk).Message()
		case fd.IsList():
			if i+1 >= len(steps) || fd.Message() == nil {
				return nil, false
			}
			i++
			j, err := strconv.Atoi(steps[i])
			l := m.Get(fd).List()
			if err != nil || j < 0 || j >= l.Len() {
				return nil, false
			}
			m = l.Get(j).Message()
		case fd.Message() != nil:
			m = m.Mutable(fd).Message()
		default:
			return nil, false
		}
	}
	return m, true
}

// unknownIn lists m's unknown fields and those of the messages it holds,
// with the steps to each.
func unknownIn(m protoreflect.Message, steps []string, found *[]unknownAt, depth int) {
	if depth > 100 {
		return
	}
	if raw := m.GetUnknown(); len(raw) > 0 {
		*found = append(*found, unknownAt{steps: append([]string(nil), steps...), raw: append([]byte(nil), raw...)})
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		at := append(steps[:len(steps):len(steps)], string(fd.Name()))
		switch {
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(k protoreflect.MapKey, e protoreflect.Value) bool {
				unknownIn(e.Message(), append(at[:len(at):len(at)], k.String()), found, depth+1)
				return true
			})
		case fd.IsList() && fd.Message() != nil:
			for i := 0; i < v.List().Len(); i++ {
				unknownIn(v.List().Get(i).Message(), append(at[:len(at):len(at)], strconv.Itoa(i)), found, depth+1)
			}
		case !fd.IsMap() && !fd.IsList() && fd.Message() != nil:
			unknownIn(v.Message(), at, found, depth+1)
		}
		return true
	})
}

// putUnknown sets the unknown fields found on the messages of m they
// were found at; one whose message the document no longer has is refused.
func putUnknown(m protoreflect.Message, found []unknownAt) error {
	for _, u := range found {
		at, ok := messageAt(m, u.steps)
		if !ok {
			return &fieldError{path: pathOf(u.steps), reason: fmt.Errorf("the message holding fields the schema does not have is gone from the document: encoding it would drop them")}
		}
		at.SetUnknown(append(at.GetUnknown(), u.raw...))
	}
	return nil
}
