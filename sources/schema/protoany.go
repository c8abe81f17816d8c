package schema

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// A google.protobuf.Any whose type the schema does not have (or whose
// packed message does not parse as its type) is shown plainly:
//
//	{"@type": "type.googleapis.com/acme.Gone", "value": "<base64>", "error": "unknown type acme.Gone"}
//
// and the rest of the message is decoded. protojson cannot render such an
// Any, so a copy of the message has each one's value wrapped in an
// unresolvedAny message (value, error), and the resolver gives that type
// for the URLs it does not know. Encoding takes the plain form back: the
// wrapped value is unwrapped, the type URL kept, the bytes as they were.

// unresolvedAnyDescriptor is the message an unresolvable Any's value is
// shown as: its bytes and why it could not be decoded.
var unresolvedAnyDescriptor = sync.OnceValue(func() protoreflect.MessageDescriptor {
	str := func(s string) *string { return &s }
	num := func(n int32) *int32 { return &n }
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name:    str("mqscope/unresolved_any.proto"),
		Package: str("mqscope"),
		Syntax:  str("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: str("UnresolvedAny"),
			Field: []*descriptorpb.FieldDescriptorProto{
				{Name: str("value"), JsonName: str("value"), Number: num(1), Label: opt, Type: descriptorpb.FieldDescriptorProto_TYPE_BYTES.Enum()},
				{Name: str("error"), JsonName: str("error"), Number: num(2), Label: opt, Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()},
			},
		}},
	}, nil)
	if err != nil {
		panic(fmt.Sprintf("unresolved Any descriptor: %v", err)) // a constant descriptor: cannot fail
	}
	return fd.Messages().Get(0)
})

// anyResolver is the schema's types, with unresolvedAny for the type URLs
// they do not have.
type anyResolver struct {
	*dynamicpb.Types
}

// FindMessageByURL implements protoregistry.MessageTypeResolver.
func (r anyResolver) FindMessageByURL(url string) (protoreflect.MessageType, error) {
	mt, err := r.Types.FindMessageByURL(url)
	if errors.Is(err, protoregistry.NotFound) {
		return dynamicpb.NewMessageType(unresolvedAnyDescriptor()), nil
	}
	return mt, err
}

// anyFields are the fields of a google.protobuf.Any.
func anyFields(m protoreflect.Message) (url, value protoreflect.FieldDescriptor) {
	fs := m.Descriptor().Fields()
	return fs.ByNumber(1), fs.ByNumber(2)
}

// typeName is the message name a type URL names (after its last '/').
func typeName(url string) string { return url[strings.LastIndexByte(url, '/')+1:] }

// wrapUnresolved wraps, in m and every message it holds (packed ones
// too), the value of each Any the schema cannot decode in an
// unresolvedAny; it reports whether it changed anything.
func (s *protoSchema) wrapUnresolved(m protoreflect.Message, depth int) bool {
	if depth > maxProtoLossDepth {
		return false
	}
	if m.Descriptor().FullName() == anyName {
		return s.wrapAny(m, depth)
	}
	return eachMessage(m, func(v protoreflect.Message) bool { return s.wrapUnresolved(v, depth+1) })
}

// wrapAny is wrapUnresolved of one Any.
func (s *protoSchema) wrapAny(m protoreflect.Message, depth int) bool {
	urlFd, valueFd := anyFields(m)
	url, value := m.Get(urlFd).String(), m.Get(valueFd).Bytes()
	why := ""
	mt, err := s.types.FindMessageByURL(url)
	switch {
	case url == "":
		why = "no type URL"
	case err != nil:
		why = "unknown type " + typeName(url)
	default:
		inner := mt.New()
		if err := (proto.UnmarshalOptions{Resolver: s.types, RecursionLimit: 100, AllowPartial: true}).Unmarshal(value, inner.Interface()); err != nil {
			why = fmt.Sprintf("the value does not parse as %s: %v", mt.Descriptor().FullName(), err)
			break
		}
		if !s.wrapUnresolved(inner, depth+1) {
			return false
		}
		b, err := proto.MarshalOptions{Deterministic: true, AllowPartial: true}.Marshal(inner.Interface())
		if err != nil {
			return false
		}
		m.Set(valueFd, protoreflect.ValueOfBytes(b))
		return true
	}
	w := dynamicpb.NewMessage(unresolvedAnyDescriptor())
	wf := w.Descriptor().Fields()
	w.Set(wf.ByNumber(1), protoreflect.ValueOfBytes(value))
	w.Set(wf.ByNumber(2), protoreflect.ValueOfString(why))
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(w)
	if err != nil {
		return false
	}
	m.Set(valueFd, protoreflect.ValueOfBytes(b))
	return true
}

// unwrapUnresolved is wrapUnresolved's inverse, for a message read from a
// document: the value of each Any the schema does not know is the bytes
// its unresolvedAny holds.
func (s *protoSchema) unwrapUnresolved(m protoreflect.Message, depth int) error {
	if depth > maxProtoLossDepth {
		return nil
	}
	if m.Descriptor().FullName() != anyName {
		var first error
		eachMessage(m, func(v protoreflect.Message) bool {
			if err := s.unwrapUnresolved(v, depth+1); err != nil && first == nil {
				first = err
			}
			return false
		})
		return first
	}
	urlFd, valueFd := anyFields(m)
	url, value := m.Get(urlFd).String(), m.Get(valueFd).Bytes()
	mt, err := s.types.FindMessageByURL(url)
	if err != nil {
		w := dynamicpb.NewMessage(unresolvedAnyDescriptor())
		if err := proto.Unmarshal(value, w); err != nil {
			return fmt.Errorf("the Any of type %s: %w", url, err)
		}
		m.Set(valueFd, protoreflect.ValueOfBytes(w.Get(w.Descriptor().Fields().ByNumber(1)).Bytes()))
		return nil
	}
	inner := mt.New()
	if err := (proto.UnmarshalOptions{Resolver: s.types, AllowPartial: true}).Unmarshal(value, inner.Interface()); err != nil {
		return fmt.Errorf("the Any of type %s: %w", url, err)
	}
	if !holdsAny(inner, depth+1) {
		return nil
	}
	if err := s.unwrapUnresolved(inner, depth+1); err != nil {
		return err
	}
	b, err := proto.MarshalOptions{Deterministic: true, AllowPartial: true}.Marshal(inner.Interface())
	if err != nil {
		return fmt.Errorf("the Any of type %s: %w", url, err)
	}
	m.Set(valueFd, protoreflect.ValueOfBytes(b))
	return nil
}

// holdsAny reports a message that is or holds an Any.
func holdsAny(m protoreflect.Message, depth int) bool {
	if m.Descriptor().FullName() == anyName {
		return true
	}
	if depth > maxProtoLossDepth {
		return false
	}
	return eachMessage(m, func(v protoreflect.Message) bool { return holdsAny(v, depth+1) })
}

// eachMessage calls f with every message m holds directly (singular,
// repeated and map values) and reports whether f reported true of any;
// it visits them all.
func eachMessage(m protoreflect.Message, f func(protoreflect.Message) bool) bool {
	found := false
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsMap():
			if fd.MapValue().Message() != nil {
				v.Map().Range(func(_ protoreflect.MapKey, e protoreflect.Value) bool {
					found = f(e.Message()) || found
					return true
				})
			}
		case fd.IsList():
			if fd.Message() != nil {
				l := v.List()
				for i := 0; i < l.Len(); i++ {
					found = f(l.Get(i).Message()) || found
				}
			}
		case fd.Message() != nil:
			found = f(v.Message()) || found
		}
		return true
	})
	return found
}
