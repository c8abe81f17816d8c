package schema

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// protoCodec reads Protobuf: protocompile compiles the schema's .proto
// text (with its references and the well-known types), dynamicpb decodes
// the body and protojson renders it, well-known types as protojson does.
type protoCodec struct{}

// Format implements Codec.
func (protoCodec) Format() Format { return FormatProtobuf }

// confluentProtos are the files Confluent's serialisers let schemas import
// without a reference.
var confluentProtos = map[string]string{
	"confluent/meta.proto": `syntax = "proto3";
package confluent;
import "google/protobuf/descriptor.proto";
message Meta { string doc = 1; map<string, string> params = 2; repeated string tags = 3; }
extend google.protobuf.FileOptions { Meta file_meta = 1088; }
extend google.protobuf.MessageOptions { Meta message_meta = 1088; }
extend google.protobuf.FieldOptions { Meta field_meta = 1088; }
extend google.protobuf.EnumOptions { Meta enum_meta = 1088; }
extend google.protobuf.EnumValueOptions { Meta enum_value_meta = 1088; }
`,
	"confluent/type/decimal.proto": `syntax = "proto3";
package confluent.type;
message Decimal { bytes value = 1; uint32 precision = 2; int32 scale = 3; }
`,
}

// Compile implements Codec.
func (protoCodec) Compile(main Named, refs []Named) (Compiled, error) {
	srcs := map[string]string{}
	for k, v := range confluentProtos {
		srcs[k] = v
	}
	for _, r := range refs {
		srcs[r.Name] = r.Text
	}
	name := main.Name
	if name == "" {
		name = "schema.proto"
	}
	srcs[name] = main.Text
	c := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
			Accessor: protocompile.SourceAccessorFromMap(srcs),
		}),
	}
	fs, err := c.Compile(context.Background(), name)
	if err != nil {
		return nil, err
	}
	files := new(protoregistry.Files)
	for _, f := range fs {
		if err := registerFile(files, f); err != nil {
			return nil, err
		}
	}
	return newProtoSchema(files, fs[0]), nil
}

// registerFile adds f and what it imports to files.
func registerFile(files *protoregistry.Files, f protoreflect.FileDescriptor) error {
	if _, err := files.FindFileByPath(f.Path()); err == nil {
		return nil
	}
	imps := f.Imports()
	for i := 0; i < imps.Len(); i++ {
		if err := registerFile(files, imps.Get(i).FileDescriptor); err != nil {
			return err
		}
	}
	if err := files.RegisterFile(f); err != nil {
		return fmt.Errorf("register %s: %w", f.Path(), err)
	}
	return nil
}

// protoSchema is a compiled set of .proto files; main is the file message
// indexes count in (nil for a local directory or descriptor set, where a
// message is picked by name).
type protoSchema struct {
	files    *protoregistry.Files
	main     protoreflect.FileDescriptor
	types    *dynamicpb.Types
	decimals sync.Map // protoreflect.FullName -> bool: the message holds a confluent.type.Decimal
	ordered  sync.Map // protoreflect.FullName -> bool: the message's document needs numberOrder
}

// holdsDecimal is hasDecimal(md), remembered per message.
func (s *protoSchema) holdsDecimal(md protoreflect.MessageDescriptor) bool {
	if v, ok := s.decimals.Load(md.FullName()); ok {
		return v.(bool)
	}
	has := hasDecimal(md)
	s.decimals.Store(md.FullName(), has)
	return has
}

func newProtoSchema(files *protoregistry.Files, main protoreflect.FileDescriptor) *protoSchema {
	return &protoSchema{files: files, main: main, types: dynamicpb.NewTypes(files)}
}

// message finds the descriptor sel picks.
func (s *protoSchema) message(sel Selector) (protoreflect.MessageDescriptor, error) {
	if sel.Name != "" {
		d, err := s.files.FindDescriptorByName(protoreflect.FullName(strings.TrimPrefix(sel.Name, ".")))
		if err != nil {
			return nil, fmt.Errorf("no message %s in the schema", sel.Name)
		}
		md, ok := d.(protoreflect.MessageDescriptor)
		if !ok {
			return nil, fmt.Errorf("%s is not a message", sel.Name)
		}
		return md, nil
	}
	if s.main == nil {
		return nil, errors.New("no message named (set the message of the rule or a type header)")
	}
	idx := sel.Indexes
	if len(idx) == 0 {
		idx = []int{0}
	}
	msgs := s.main.Messages()
	var md protoreflect.MessageDescriptor
	for i, x := range idx {
		if x < 0 || x >= msgs.Len() {
			where := "at the top level"
			if md != nil {
				where = "in " + string(md.FullName())
			}
			return nil, fmt.Errorf("message indexes %v are out of range for the schema: index %d at level %d, and it has %d messages %s", idx, x, i+1, msgs.Len(), where)
		}
		md = msgs.Get(x)
		msgs = md.Messages()
	}
	return md, nil
}

// Message implements Compiled.
func (s *protoSchema) Message(sel Selector) (string, error) {
	md, err := s.message(sel)
	if err != nil {
		return "", err
	}
	return string(md.FullName()), nil
}

// Decode implements Compiled.
func (s *protoSchema) Decode(body []byte, sel Selector) ([]byte, error) {
	out, _, err := s.decodeMsg(body, sel)
	return out, err
}

// decodeLoss is Decode that also reports whether the document is the
// whole truth of body. The message as read is marshalled again: other
// bytes are bytes not in the marshaller's form (field order, packing,
// defaults written out, a field given twice). The same bytes leave only
// what JSON cannot show, a NaN's payload: a message holding a NaN has its
// document encoded again and compared.
func (s *protoSchema) decodeLoss(body []byte, sel Selector) (out []byte, loss *Loss, err error) {
	out, msg, err := s.decodeMsg(body, sel)
	if errors.Is(err, ErrUnknownFields) && out != nil {
		// The document shows the fields the schema does not have, and
		// encoding writes them back: the bytes it gives are the truth.
		return out, s.unknownLoss(out, msg, body, sel), err
	}
	if err != nil || out == nil {
		return out, nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			loss = &Loss{Kind: LossNonCanonical}
		}
	}()
	var places lossPlaces
	same, mErr := (proto.MarshalOptions{Deterministic: true}).Marshal(msg)
	if mErr != nil || !bytes.Equal(same, body) {
		nonCanonicalPlaces(msg.ProtoReflect(), body, "", 0, &places)
		return out, places.loss(LossNonCanonical), nil
	}
	nan, anyMsg := jsonMayLose(msg.ProtoReflect())
	if !nan && !anyMsg {
		return out, nil, nil
	}
	if again, encErr := s.Encode(context.Background(), out, sel); encErr != nil || !bytes.Equal(again, body) {
		if nan {
			protoPlaces(msg.ProtoReflect(), "", isNaN, 0, &places)
			return out, places.loss(LossNaNPayload), nil
		}
		// an Any's packed message, read and written again
		if msg.Descriptor().FullName() != anyName {
			protoPlaces(msg.ProtoReflect(), "", isAny, 0, &places)
		}
		return out, places.loss(LossNonCanonical), nil
	}
	return out, nil, nil
}

// unknownLoss is decodeLoss's loss of a body holding fields the schema
// does not have: none when encoding the document gives body again, else
// the places whose bytes are not in the marshaller's form (the message
// holding the unknown fields when no other is found).
func (s *protoSchema) unknownLoss(out []byte, msg *dynamicpb.Message, body []byte, sel Selector) (loss *Loss) {
	defer func() {
		if p := recover(); p != nil {
			loss = &Loss{Kind: LossNonCanonical}
		}
	}()
	again, err := s.Encode(context.Background(), out, sel)
	if err == nil && bytes.Equal(again, body) {
		return nil
	}
	places := lossPlaces{unknownShown: true}
	nonCanonicalPlaces(msg.ProtoReflect(), body, "", 0, &places)
	if places.n == 0 {
		if path := unknownField(msg.ProtoReflect(), ""); path != "" {
			places.add(path)
		}
	}
	return places.loss(LossNonCanonical)
}

// jsonMayLose reports what in m its JSON may not show: a float or double
// NaN (its payload), and a google.protobuf.Any, whose packed message JSON
// shows decoded and encoding packs again.
func jsonMayLose(m protoreflect.Message) (nan, anyMsg bool) {
	if m.Descriptor().FullName() == anyName {
		return false, true
	}
	look := func(fd protoreflect.FieldDescriptor, v protoreflect.Value) {
		switch fd.Kind() {
		case protoreflect.FloatKind, protoreflect.DoubleKind:
			nan = nan || math.IsNaN(v.Float())
		case protoreflect.MessageKind, protoreflect.GroupKind:
			n, a := jsonMayLose(v.Message())
			nan, anyMsg = nan || n, anyMsg || a
		}
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsMap():
			v.Map().Range(func(_ protoreflect.MapKey, e protoreflect.Value) bool {
				look(fd.MapValue(), e)
				return !(nan && anyMsg)
			})
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len() && !(nan && anyMsg); i++ {
				look(fd, l.Get(i))
			}
		default:
			look(fd, v)
		}
		return !(nan && anyMsg)
	})
	return nan, anyMsg
}

// decodeMsg decodes body to the message and its document.
func (s *protoSchema) decodeMsg(body []byte, sel Selector) (out []byte, msg *dynamicpb.Message, err error) {
	// google.golang.org/protobuf v1.36 panics on some malformed map
	// entries of dynamic messages (FuzzProtobufDecode found one): a body
	// that makes it panic does not fit the schema.
	defer func() {
		if p := recover(); p != nil {
			out, msg, err = nil, nil, fmt.Errorf("the body does not parse as the message: %v", p)
		}
	}()
	md, err := s.message(sel)
	if err != nil {
		return nil, nil, err
	}
	msg = dynamicpb.NewMessage(md)
	// protojson checks required fields; the unmarshal need not too.
	if err := (proto.UnmarshalOptions{Resolver: s.types, RecursionLimit: 100, AllowPartial: true}).Unmarshal(body, msg); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", md.FullName(), protoErr{err})
	}
	js, err := protojson.MarshalOptions{Resolver: s.types, UseProtoNames: true}.Marshal(msg)
	if err != nil && holdsAny(msg, 0) {
		// An Any protojson cannot render: shown plainly, the rest decoded.
		shown := proto.Clone(msg).ProtoReflect()
		if s.wrapUnresolved(shown, 0) {
			js, err = protojson.MarshalOptions{Resolver: anyResolver{s.types}, UseProtoNames: true}.Marshal(shown.Interface())
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", md.FullName(), protoErr{err})
	}
	// protojson varies its spacing on purpose; compact it so equal
	// messages render as equal bytes.
	var buf bytes.Buffer
	if err := json.Compact(&buf, js); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", md.FullName(), err)
	}
	out = buf.Bytes()
	if s.needsOrder(md) {
		if out, err = numberOrder(out, md, 0); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", md.FullName(), err)
		}
	}
	if s.holdsDecimal(md) {
		if out, err = decimalsToStrings(out, md); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", md.FullName(), err)
		}
	}
	if path := unknownField(msg.ProtoReflect(), ""); path != "" {
		if out, err = withUnknown(out, msg.ProtoReflect(), 0); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", md.FullName(), err)
		}
		return out, msg, &fieldError{path: path, reason: ErrUnknownFields}
	}
	return out, msg, nil
}

// unknownField returns the path of the first message holding fields its
// descriptor does not have ("" for none).
func unknownField(m protoreflect.Message, path string) string {
	if len(m.GetUnknown()) > 0 {
		if path == "" {
			return string(m.Descriptor().FullName())
		}
		return path
	}
	found := ""
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		p := joinPath(path, string(fd.Name()))
		switch {
		case fd.IsMap():
			if fd.MapValue().Message() != nil {
				v.Map().Range(func(k protoreflect.MapKey, e protoreflect.Value) bool {
					found = unknownField(e.Message(), p+"["+k.String()+"]")
					return found == ""
				})
			}
		case fd.IsList():
			if fd.Message() != nil {
				l := v.List()
				for i := 0; i < l.Len() && found == ""; i++ {
					found = unknownField(l.Get(i).Message(), fmt.Sprintf("%s[%d]", p, i))
				}
			}
		case fd.Message() != nil:
			found = unknownField(v.Message(), p)
		}
		return found == ""
	})
	return found
}

// Encode implements Compiled. A message's fields the schema does not
// have, under UnknownFieldsKey, are written back.
func (s *protoSchema) Encode(ctx context.Context, doc []byte, sel Selector) ([]byte, error) {
	return s.encodeOver(ctx, doc, sel, nil)
}

// encodeOver is Encode that keeps the fields the schema does not have of
// orig, the body the document was decoded from, when the document does
// not show them (an edit of a document without UnknownFieldsKey).
func (s *protoSchema) encodeOver(ctx context.Context, doc []byte, sel Selector, orig []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("encoding stopped: %w", err)
	}
	md, err := s.message(sel)
	if err != nil {
		return nil, err
	}
	var unknown []unknownAt
	if doc, err = takeUnknown(doc, md, nil, &unknown, 0); err != nil {
		return nil, err
	}
	if len(unknown) == 0 && orig != nil {
		if _, om, err := s.decodeMsg(orig, sel); om != nil && (err == nil || errors.Is(err, ErrUnknownFields)) {
			unknownIn(om.ProtoReflect(), nil, &unknown, 0)
		}
	}
	if s.holdsDecimal(md) {
		if doc, err = stringsToDecimals(doc, md); err != nil {
			return nil, &fieldError{reason: fmt.Errorf("%s: %w", md.FullName(), err)}
		}
	}
	msg := dynamicpb.NewMessage(md)
	if err := (protojson.UnmarshalOptions{Resolver: anyResolver{s.types}}).Unmarshal(doc, msg); err != nil {
		return nil, &fieldError{reason: fmt.Errorf("%s: %w", md.FullName(), err)}
	}
	if holdsAny(msg, 0) {
		if err := s.unwrapUnresolved(msg, 0); err != nil {
			return nil, &fieldError{reason: fmt.Errorf("%s: %w", md.FullName(), err)}
		}
	}
	canonicalNaNs(msg.ProtoReflect(), 0)
	if err := putUnknown(msg.ProtoReflect(), unknown); err != nil {
		return nil, err
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(msg)
}

// canonicalNaNs sets every float and double NaN in m (protojson reads
// "NaN" as Go's math.NaN()) to the canonical quiet NaN, as the Avro
// encoder writes it and Java's serialisers do.
func canonicalNaNs(m protoreflect.Message, depth int) {
	if depth > 100 {
		return
	}
	nan := func(fd protoreflect.FieldDescriptor, v protoreflect.Value) (protoreflect.Value, bool) {
		switch fd.Kind() {
		case protoreflect.DoubleKind:
			if math.IsNaN(v.Float()) && math.Float64bits(v.Float()) != canonicalNaN64() {
				return protoreflect.ValueOfFloat64(math.Float64frombits(canonicalNaN64())), true
			}
		case protoreflect.FloatKind:
			if math.IsNaN(v.Float()) && math.Float32bits(float32(v.Float())) != canonicalNaN32() {
				return protoreflect.ValueOfFloat32(math.Float32frombits(canonicalNaN32())), true
			}
		case protoreflect.MessageKind, protoreflect.GroupKind:
			canonicalNaNs(v.Message(), depth+1)
		}
		return v, false
	}
	type set struct {
		fd protoreflect.FieldDescriptor
		v  protoreflect.Value
	}
	var sets []set // set after the Range, not during it
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsMap():
			mp := v.Map()
			var keys []protoreflect.MapKey
			var vals []protoreflect.Value
			mp.Range(func(k protoreflect.MapKey, e protoreflect.Value) bool {
				if c, ok := nan(fd.MapValue(), e); ok {
					keys, vals = append(keys, k), append(vals, c)
				}
				return true
			})
			for i, k := range keys {
				mp.Set(k, vals[i])
			}
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				if c, ok := nan(fd, l.Get(i)); ok {
					l.Set(i, c)
				}
			}
		default:
			if c, ok := nan(fd, v); ok {
				sets = append(sets, set{fd, c})
			}
		}
		return true
	})
	for _, s := range sets {
		m.Set(s.fd, s.v)
	}
}

// loadProtoDir compiles every .proto file under dir, imports resolved from
// dir and the well-known types.
func loadProtoDir(dir string) (*protoSchema, error) {
	var names []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".proto") {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: no .proto files", dir)
	}
	c := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(protocompile.CompositeResolver{
			&protocompile.SourceResolver{ImportPaths: []string{dir}},
			&protocompile.SourceResolver{Accessor: protocompile.SourceAccessorFromMap(confluentProtos)},
		}),
	}
	fs, err := c.Compile(context.Background(), names...)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", dir, err)
	}
	files := new(protoregistry.Files)
	for _, f := range fs {
		if err := registerFile(files, f); err != nil {
			return nil, err
		}
	}
	return newProtoSchema(files, nil), nil
}

// loadProtoset reads a FileDescriptorSet (protoc -o, buf build -o).
func loadProtoset(path string) (*protoSchema, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read descriptor set: %w", err)
	}
	var set descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(b, &set); err != nil {
		return nil, fmt.Errorf("%s is not a descriptor set: %w", path, err)
	}
	// A set written without its imports (protoc without
	// --include_imports) still resolves the well-known types and
	// Confluent's files from the runtime's own descriptors.
	files := new(protoregistry.Files)
	byPath := map[string]*descriptorpb.FileDescriptorProto{}
	for _, f := range set.File {
		byPath[f.GetName()] = f
	}
	var add func(name string, depth int) error
	add = func(name string, depth int) error {
		if _, err := files.FindFileByPath(name); err == nil {
			return nil
		}
		if depth > 100 {
			return fmt.Errorf("%s: imports nested too deep", name)
		}
		fdp, ok := byPath[name]
		if !ok {
			if fd, err := protoregistry.GlobalFiles.FindFileByPath(name); err == nil {
				return registerFile(files, fd)
			}
			return fmt.Errorf("%s imports %s, which the set does not hold (build it with its imports)", path, name)
		}
		for _, dep := range fdp.GetDependency() {
			if err := add(dep, depth+1); err != nil {
				return err
			}
		}
		fd, err := protodesc.NewFile(fdp, files)
		if err != nil {
			return fmt.Errorf("%s: %s: %w", path, name, err)
		}
		return files.RegisterFile(fd)
	}
	for _, f := range set.File {
		if err := add(f.GetName(), 0); err != nil {
			return nil, err
		}
	}
	return newProtoSchema(files, nil), nil
}

// loadProtoFile compiles one .proto file, imports resolved from its
// directory; messages index from that file.
func loadProtoFile(p string) (*protoSchema, error) {
	dir, name := filepath.Split(p)
	if dir == "" {
		dir = "."
	}
	c := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(protocompile.CompositeResolver{
			&protocompile.SourceResolver{ImportPaths: []string{dir}},
			&protocompile.SourceResolver{Accessor: protocompile.SourceAccessorFromMap(confluentProtos)},
		}),
	}
	fs, err := c.Compile(context.Background(), name)
	if err != nil {
		return nil, err
	}
	files := new(protoregistry.Files)
	if err := registerFile(files, fs[0]); err != nil {
		return nil, err
	}
	return newProtoSchema(files, fs[0]), nil
}

// indexesOf is the message indexes that pick the message named name in
// the schema's main file (what a registry value's framing writes).
func (s *protoSchema) indexesOf(name string) ([]int, error) {
	if s.main == nil {
		return nil, fmt.Errorf("no main file to index message %s in", name)
	}
	var find func(msgs protoreflect.MessageDescriptors, path []int) []int
	find = func(msgs protoreflect.MessageDescriptors, path []int) []int {
		for i := 0; i < msgs.Len(); i++ {
			md := msgs.Get(i)
			p := append(path[:len(path):len(path)], i)
			if string(md.FullName()) == name {
				return p
			}
			if found := find(md.Messages(), p); found != nil {
				return found
			}
		}
		return nil
	}
	if idx := find(s.main.Messages(), nil); idx != nil {
		return idx, nil
	}
	return nil, fmt.Errorf("no message %s in the schema", name)
}

// selectMessage is the message indexes an encoding with ref writes: ref's
// own, checked against ref's message name when it has both, or those of
// its message name (a capture line names the message, not the indexes).
func (s *protoSchema) selectMessage(ref Ref) ([]int, error) {
	if ref.Message == "" {
		return ref.Indexes, nil
	}
	if len(ref.Indexes) == 0 {
		return s.indexesOf(ref.Message)
	}
	got, err := s.Message(Selector{Indexes: ref.Indexes})
	if err != nil {
		return nil, err
	}
	if got != ref.Message {
		return nil, fmt.Errorf("message indexes %v pick %s, not %s", ref.Indexes, got, ref.Message)
	}
	return ref.Indexes, nil
}

// protoErr is an error of the protobuf library with its text's no-break
// spaces (put in on purpose, so that no one matches the text) made plain
// ones: they would reach exports and terminals as U+00A0.
type protoErr struct{ err error }

// Error is the library's text with plain spaces.
func (e protoErr) Error() string { return strings.ReplaceAll(e.err.Error(), "\u00a0", " ") }

// Unwrap is the library's error.
func (e protoErr) Unwrap() error { return e.err }
