package schema

import (
	"bytes"
	"math"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// maxProtoLossDepth bounds how deep the search for a non-canonical place
// goes into nested messages (the decode's own recursion limit is 100).
const maxProtoLossDepth = 100

// lossPlaces counts the places of a value that lose, keeping the first.
type lossPlaces struct {
	first string
	n     int
	// unknownShown: the document shows the fields the schema does not
	// have, so they are not places of their own.
	unknownShown bool
}

func (p *lossPlaces) add(path string) {
	if p.n == 0 {
		p.first = path
	}
	p.n++
}

// loss is the Loss of kind k at the places found (the whole value when none
// was found).
func (p *lossPlaces) loss(k LossKind) *Loss {
	if p.n == 0 {
		return &Loss{Kind: k}
	}
	return &Loss{Kind: k, Path: p.first, More: p.n - 1}
}

// wireField is one field as the bytes have it: the number, the wire
// type, its bytes from the tag on, and the bytes its length prefixes
// (length-delimited fields).
type wireField struct {
	num   protowire.Number
	typ   protowire.Type
	tag   int // length of the tag
	raw   []byte
	inner []byte
}

// readWireFields splits body into its fields (ok false when it does not
// parse to its end).
func readWireFields(body []byte) ([]wireField, bool) {
	var out []wireField
	for len(body) > 0 {
		num, typ, n := protowire.ConsumeTag(body)
		if n < 0 {
			return out, false
		}
		m := protowire.ConsumeFieldValue(num, typ, body[n:])
		if m < 0 {
			return out, false
		}
		f := wireField{num: num, typ: typ, tag: n, raw: body[:n+m]}
		if typ == protowire.BytesType {
			f.inner, _ = protowire.ConsumeBytes(body[n:])
		}
		out = append(out, f)
		body = body[n+m:]
	}
	return out, true
}

// minimalFrame reports a field whose tag and length prefix are as short
// as they can be.
func (f wireField) minimalFrame() bool {
	if f.tag != protowire.SizeTag(f.num) {
		return false
	}
	return f.typ != protowire.BytesType || len(f.raw)-f.tag == protowire.SizeBytes(len(f.inner))
}

// nonCanonicalPlaces finds the fields of m, read from body, whose bytes
// are not those deterministic marshalling writes: out of declaration
// order, given more than once, not packed where the field is packed (or
// packed where not), a default written out, a varint or length longer
// than it needs, map entries out of key order. Each place is the field's
// path in the document ("items[2].price", `prices["eur"]`).
func nonCanonicalPlaces(m protoreflect.Message, body []byte, path string, depth int, places *lossPlaces) {
	fields, ok := readWireFields(body)
	if !ok || depth > maxProtoLossDepth {
		places.add(pathOr(path, string(m.Descriptor().FullName())))
		return
	}
	fds := m.Descriptor().Fields()
	groups := map[protowire.Number][]wireField{}
	moved := map[protowire.Number]bool{}
	var order []protowire.Number
	last, lastIndex := protowire.Number(-1), -1
	for _, f := range fields {
		fd := fds.ByNumber(f.num)
		if fd == nil { // an unknown field or an extension: the decode says so
			if !places.unknownShown {
				places.add(pathOr(path, string(m.Descriptor().FullName())))
			}
			continue
		}
		if _, seen := groups[f.num]; !seen {
			order = append(order, f.num)
		}
		if !moved[f.num] && (fd.Index() < lastIndex || f.num != last && len(groups[f.num]) > 0) {
			// after a field declared later, or again after another field
			moved[f.num] = true
			places.add(joinPath(path, string(fd.Name())))
		}
		groups[f.num] = append(groups[f.num], f)
		last, lastIndex = f.num, max(lastIndex, fd.Index())
	}
	for _, num := range order {
		fd := fds.ByNumber(num)
		fieldPlaces(m, fd, groups[num], joinPath(path, string(fd.Name())), depth, places)
	}
}

// fieldPlaces checks the occurrences of one field of m.
func fieldPlaces(m protoreflect.Message, fd protoreflect.FieldDescriptor, occ []wireField, p string, depth int, places *lossPlaces) {
	nested := fd.Message() != nil && fd.Kind() == protoreflect.MessageKind
	switch {
	case fd.IsMap():
		if !bytes.Equal(joinRaw(occ), marshalField(m, fd)) {
			before := places.n
			if fd.MapValue().Message() != nil {
				mapPlaces(fd, occ, p, depth, places)
			}
			if places.n == before {
				places.add(p) // the entries' order, a key twice, an entry's own form
			}
		}
	case nested && fd.IsList():
		l := m.Get(fd).List()
		for i, f := range occ {
			ip := p + "[" + strconv.Itoa(i) + "]"
			if f.typ != protowire.BytesType || i >= l.Len() {
				places.add(ip)
				continue
			}
			if !f.minimalFrame() {
				places.add(ip)
			}
			nonCanonicalPlaces(l.Get(i).Message(), f.inner, ip, depth+1, places)
		}
	case nested:
		if len(occ) != 1 || occ[0].typ != protowire.BytesType {
			places.add(p) // merged from several, or not length-delimited
			return
		}
		if !occ[0].minimalFrame() {
			places.add(p)
		}
		nonCanonicalPlaces(m.Get(fd).Message(), occ[0].inner, p, depth+1, places)
	default:
		if !bytes.Equal(joinRaw(occ), marshalField(m, fd)) {
			places.add(p)
		}
	}
}

// mapPlaces looks inside the message values of a map's entries.
func mapPlaces(fd protoreflect.FieldDescriptor, occ []wireField, p string, depth int, places *lossPlaces) {
	ed := fd.Message()
	kfd, vfd := ed.Fields().ByNumber(1), ed.Fields().ByNumber(2)
	for _, f := range occ {
		entry := dynamicpb.NewMessage(ed)
		if f.typ != protowire.BytesType || proto.Unmarshal(f.inner, entry) != nil {
			continue
		}
		kp := p + "[" + strconv.Quote(entry.Get(kfd).MapKey().String()) + "]"
		parts, _ := readWireFields(f.inner)
		for _, part := range parts {
			if part.num == 2 && part.typ == protowire.BytesType {
				nonCanonicalPlaces(entry.Get(vfd).Message(), part.inner, kp, depth+1, places)
			}
		}
	}
}

// marshalField is the deterministic marshalling of fd's value in m alone.
func marshalField(m protoreflect.Message, fd protoreflect.FieldDescriptor) []byte {
	one := m.New()
	if m.Has(fd) {
		one.Set(fd, m.Get(fd))
	}
	b, err := proto.MarshalOptions{Deterministic: true, AllowPartial: true}.Marshal(one.Interface())
	if err != nil {
		return nil
	}
	return b
}

func joinRaw(occ []wireField) []byte {
	if len(occ) == 1 {
		return occ[0].raw
	}
	var b []byte
	for _, f := range occ {
		b = append(b, f.raw...)
	}
	return b
}

func pathOr(path, whole string) string {
	if path == "" {
		return whole
	}
	return path
}

// protoPlaces finds the places of m where pred holds of a value: a float
// or double NaN, a google.protobuf.Any (a message's own place is its
// field's path).
func protoPlaces(m protoreflect.Message, path string, pred func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool, depth int, places *lossPlaces) {
	if depth > maxProtoLossDepth {
		return
	}
	visit := func(fd protoreflect.FieldDescriptor, v protoreflect.Value, p string) {
		if pred(fd, v) {
			places.add(p)
			return
		}
		if fd.Message() != nil {
			protoPlaces(v.Message(), p, pred, depth+1, places)
		}
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		p := joinPath(path, string(fd.Name()))
		switch {
		case fd.IsMap():
			v.Map().Range(func(k protoreflect.MapKey, e protoreflect.Value) bool {
				visit(fd.MapValue(), e, p+"["+strconv.Quote(k.String())+"]")
				return true
			})
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				visit(fd, l.Get(i), p+"["+strconv.Itoa(i)+"]")
			}
		default:
			visit(fd, v, p)
		}
		return true
	})
}

// isNaN holds of a float or double NaN.
func isNaN(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
	k := fd.Kind()
	return (k == protoreflect.FloatKind || k == protoreflect.DoubleKind) && math.IsNaN(v.Float())
}

// isAny holds of a google.protobuf.Any.
func isAny(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
	return fd.Message() != nil && fd.Message().FullName() == anyName
}

// anyName is the full name of google.protobuf.Any.
const anyName protoreflect.FullName = "google.protobuf.Any"
