package schema

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/mqscope/mqscope/internal/jsonenc"
	"github.com/mqscope/mqscope/sources"
)

// Config says how a Decoder finds schemas.
type Config struct {
	// Registry is the Schema Registry framed values are decoded with (nil:
	// none; framed values are then binary with a KindNoRegistry error).
	Registry *RegistryConfig
	// Rules map streams to local schemas; the first that matches wins,
	// before anything is read from the bytes.
	Rules []Rule
	// Protos are local Protobuf sources (a .proto directory, a .proto file
	// or a descriptor set) whose messages a content-type and type header
	// can name (RabbitMQ's content-type application/x-protobuf with type
	// acme.Order).
	Protos []string
	// Timeout bounds one Decode's wait for the registry (default 5 s).
	Timeout time.Duration
}

// Rule maps streams whose name matches Pattern to a local schema.
type Rule struct {
	// Pattern is a glob (path.Match) over the topic or queue name.
	Pattern string
	// Key makes the rule apply to keys instead of values.
	Key bool
	// Schema is the local schema's path: an .avsc file, a JSON Schema
	// .json file, a .proto file or a directory of them, a descriptor set
	// (.protoset, .binpb, .pb, .desc: protoc -o, buf build -o).
	Schema string
	// Message is the Protobuf message's full name (the first message of
	// the file when empty and the schema is one .proto file).
	Message string
}

// local is a loaded local schema.
type local struct {
	path     string
	format   Format
	compiled Compiled
}

type rule struct {
	Rule
	local *local
}

// Decoder classifies and decodes message keys and values. It is safe for
// concurrent use.
type Decoder struct {
	reg     *Registry
	codecs  map[Format]Codec
	rules   []rule
	locals  map[string]*local
	protos  []*local
	timeout time.Duration

	mu       sync.Mutex
	compiled map[int]*compiledEntry
}

type compiledEntry struct {
	once   sync.Once
	done   atomic.Bool // once has run
	format Format
	c      Compiled
	err    error
}

// NewDecoder loads the local schemas cfg names and returns a Decoder.
func NewDecoder(cfg Config) (*Decoder, error) {
	d := &Decoder{codecs: codecs(), locals: map[string]*local{}, compiled: map[int]*compiledEntry{}, timeout: cfg.Timeout}
	if d.timeout <= 0 {
		d.timeout = 5 * time.Second
	}
	if cfg.Registry != nil {
		reg, err := NewRegistry(*cfg.Registry)
		if err != nil {
			return nil, err
		}
		d.reg = reg
	}
	for i, r := range cfg.Rules {
		if _, err := path.Match(r.Pattern, ""); err != nil {
			return nil, fmt.Errorf("schema rule %d: pattern %q: %w", i+1, r.Pattern, err)
		}
		l, err := d.load(r.Schema)
		if err != nil {
			return nil, fmt.Errorf("schema rule %d (%s): %w", i+1, r.Pattern, err)
		}
		if _, err := l.compiled.Message(Selector{Name: r.Message}); err != nil {
			return nil, fmt.Errorf("schema rule %d (%s): %w", i+1, r.Pattern, err)
		}
		d.rules = append(d.rules, rule{Rule: r, local: l})
	}
	for _, p := range cfg.Protos {
		l, err := d.load(p)
		if err != nil {
			return nil, err
		}
		if l.format != FormatProtobuf {
			return nil, fmt.Errorf("%s is not a Protobuf source", p)
		}
		d.protos = append(d.protos, l)
	}
	return d, nil
}

// load reads a local schema once.
func (d *Decoder) load(p string) (*local, error) {
	if l, ok := d.locals[p]; ok {
		return l, nil
	}
	l := &local{path: p}
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("local schema: %w", err)
	}
	switch ext := strings.ToLower(filepath.Ext(p)); {
	case st.IsDir():
		l.format = FormatProtobuf
		l.compiled, err = loadProtoDir(p)
	case ext == ".protoset" || ext == ".binpb" || ext == ".pb" || ext == ".desc":
		l.format = FormatProtobuf
		l.compiled, err = loadProtoset(p)
	case ext == ".proto", ext == ".avsc", ext == ".json":
		var text []byte
		text, err = os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("local schema: %w", err)
		}
		l.format = map[string]Format{".proto": FormatProtobuf, ".avsc": FormatAvro, ".json": FormatJSONSchema}[ext]
		if ext == ".proto" {
			// Imports resolve from the file's directory.
			l.compiled, err = loadProtoFile(p)
		} else {
			l.compiled, err = d.codecs[l.format].Compile(Named{Name: filepath.Base(p), Text: string(text)}, nil)
		}
	default:
		return nil, fmt.Errorf("local schema %s: unknown kind (want .avsc, .json, .proto, a directory or a descriptor set)", p)
	}
	if err != nil {
		return nil, fmt.Errorf("local schema %s: %w", p, err)
	}
	d.locals[p] = l
	return l, nil
}

// Registry returns the decoder's registry client (nil without one), for
// version look-ups and compatibility checks.
func (d *Decoder) Registry() *Registry { return d.reg }

// Class is what Classify learned of a key or value without any I/O: keep
// it with the message and Decode it when it is shown.
type Class struct {
	// Part is key or value.
	Part Part
	// Origin says where the schema will come from.
	Origin Origin
	// Format is the format, known now except for registry values (where the
	// registry's answer tells, and Format is "").
	Format Format
	// ID is the registry id from the framing (OriginRegistry).
	ID int

	stream string
	// local is the local schema (OriginLocal), or the one a registry
	// value is decoded with when the registry does not have its id.
	local *local
	sel   Selector
	// unresolved is why a framed value of OriginLocal is not decoded
	// with the registry (0: not framed).
	unresolved Kind
	// noType is the Protobuf message a content-type and type header
	// name that no local Protobuf source has (the value is then binary).
	noType string
	data   []byte
	body   []byte
}

// Framed reports a key or value in the wire format with a registry id
// (ID), whether it is decoded with the registry or, with none configured,
// with a local schema.
func (c Class) Framed() bool { return c.Origin == OriginRegistry || c.unresolved != 0 }

// LocalSchema is the path of the local schema c is decoded with, or
// would be when the registry does not have its id ("" for none).
func (c Class) LocalSchema() string {
	if c.local == nil {
		return ""
	}
	return c.local.path
}

// Classify looks at a key or value of a message on stream with headers
// and properties (broker properties such as AMQP's content-type and
// type). It does no I/O.
func (d *Decoder) Classify(part Part, stream string, headers []sources.Header, props []sources.Property, data []byte) Class {
	c := Class{Part: part, stream: stream, data: data}
	if data == nil {
		c.Format = FormatNull
		return c
	}
	l, sel, ok, noType := d.localFor(part, stream, headers, props)
	if ok {
		c.local, c.sel = l, sel
		body := data
		if id, rest, err := ParseHeader(data); err == nil {
			if d.reg != nil {
				// The registry's schema first; the local one decodes the
				// value when the registry does not have the id.
				c.Origin, c.ID, c.body = OriginRegistry, id, rest
				return c
			}
			c.ID, c.unresolved, body = id, KindNoRegistry, rest
		}
		c.Origin, c.Format, c.body = OriginLocal, l.format, body
		return c
	}
	if !isFramed(data) {
		c.Format = sniff(data)
		if noType != "" {
			c.Format, c.noType = FormatBinary, noType
		}
		return c
	}
	if id, rest, err := ParseHeader(data); err == nil {
		c.Origin, c.ID, c.body = OriginRegistry, id, rest
		if d.reg == nil {
			c.Format = FormatBinary
		}
		return c
	}
	c.Format = sniff(data)
	return c
}

// localFor is the local schema a rule or a content-type and type header
// maps a key or value to; noType is the message a Protobuf content-type's
// type names when no local Protobuf source has it.
func (d *Decoder) localFor(part Part, stream string, headers []sources.Header, props []sources.Property) (l *local, sel Selector, ok bool, noType string) {
	for i := range d.rules {
		r := &d.rules[i]
		if r.Key != (part == PartKey) {
			continue
		}
		if ok, _ := path.Match(r.Pattern, stream); ok {
			return r.local, Selector{Name: r.Message}, true, ""
		}
	}
	if part == PartValue {
		l, name, ok := d.byHeader(headers, props)
		if ok {
			return l, Selector{Name: name}, true, ""
		}
		return nil, Selector{}, false, name
	}
	return nil, Selector{}, false, ""
}

// protoContentTypes are the content types that say "Protobuf".
var protoContentTypes = map[string]bool{
	"application/x-protobuf": true, "application/protobuf": true, "application/vnd.google.protobuf": true,
	"application/x-google-protobuf": true, "application/octet-stream+protobuf": true,
}

// byHeader finds the local Protobuf message a content-type and type
// header or property name (false with the name when no source has it).
func (d *Decoder) byHeader(headers []sources.Header, props []sources.Property) (*local, string, bool) {
	if len(d.protos) == 0 {
		return nil, "", false
	}
	get := func(names ...string) string {
		for _, n := range names {
			for _, p := range props {
				if strings.EqualFold(p.Name, n) {
					return p.Value
				}
			}
			for _, h := range headers {
				if strings.EqualFold(h.Key, n) {
					return string(h.Value)
				}
			}
		}
		return ""
	}
	mt, params, err := mime.ParseMediaType(get("content-type", "contentType", "content_type"))
	if err != nil || !protoContentTypes[mt] {
		return nil, "", false
	}
	name := params["proto"]
	if name == "" {
		name = params["messagetype"]
	}
	if name == "" {
		name = get("type", "message-type", "proto-type", "protobuf-type")
	}
	if name == "" {
		return nil, "", false
	}
	for _, l := range d.protos {
		if _, err := l.compiled.Message(Selector{Name: name}); err == nil {
			return l, name, true
		}
	}
	return nil, name, false // named, but not there
}

// sniff tells JSON, text and binary apart.
func sniff(b []byte) Format {
	t := bytes.TrimLeft(b, " \t\r\n")
	if len(t) > 0 && (t[0] == '{' || t[0] == '[' || t[0] == '"') && json.Valid(b) {
		return FormatJSON
	}
	if !utf8.Valid(b) {
		return FormatBinary
	}
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
			return FormatBinary
		}
	}
	return FormatText
}

// Value classifies and decodes m's value.
func (d *Decoder) Value(ctx context.Context, m *sources.Message) Decoded {
	return d.Decode(ctx, d.Classify(PartValue, m.Stream, m.Headers, m.Properties, m.Value))
}

// Key classifies and decodes m's key.
func (d *Decoder) Key(ctx context.Context, m *sources.Message) Decoded {
	return d.Decode(ctx, d.Classify(PartKey, m.Stream, m.Headers, m.Properties, m.Key))
}

// Decode decodes what c classified. It waits for the registry at most the
// configured timeout (or until ctx ends) and never panics.
func (d *Decoder) Decode(ctx context.Context, c Class) (out Decoded) {
	d.decode(ctx, &c, nil, &out)
	return out
}

// DecodeAppend is Decode that writes a schema's document into buf's
// storage where the codec can (buf[:0] appended to; JSON then shares buf
// and is valid until buf is used again), so a caller decoding one value
// after another reuses one buffer.
func (d *Decoder) DecodeAppend(ctx context.Context, c Class, buf []byte) (out Decoded) {
	d.decode(ctx, &c, buf[:0:cap(buf)], &out)
	return out
}

// DecodeAppendTo is DecodeAppend into *out (everything in it replaced),
// for a caller that decodes value after value into one place.
func (d *Decoder) DecodeAppendTo(ctx context.Context, c *Class, buf []byte, out *Decoded) {
	d.decode(ctx, c, buf[:0:cap(buf)], out)
}

func (d *Decoder) decode(ctx context.Context, c *Class, buf []byte, out *Decoded) {
	*out = Decoded{Format: c.Format, Ref: Ref{Origin: c.Origin, Format: c.Format, ID: c.ID}}
	defer func() {
		if p := recover(); p != nil {
			out.JSON, out.Err = nil, &Error{Kind: KindMismatch, Err: fmt.Errorf("decoder failed: %v", p)}
		}
	}()
	switch c.Origin {
	case OriginLocal:
		out.Ref.Unresolved = c.unresolved
		decodeLocalFramed(c, buf, out)
		return
	case OriginRegistry:
		if d.reg == nil {
			out.Err = &Error{Kind: KindNoRegistry, Err: fmt.Errorf("framed with schema id %d; configure a schema registry to decode it", c.ID)}
			return
		}
		d.decodeRegistered(ctx, c, buf, out)
		return
	}
	switch c.Format {
	case FormatJSON:
		out.JSON = c.data
	case FormatText:
		out.JSON = jsonenc.AppendStringUnescapedHTML(nil, string(c.data))
	case FormatBinary:
		if c.noType != "" {
			out.Err = &Error{Kind: KindMismatch, Err: fmt.Errorf("the type header names Protobuf message %s, which the Protobuf sources (%s) do not have: shown raw", c.noType, d.protoPaths())}
		}
	}
}

// protoPaths names the local Protobuf sources, for a message.
func (d *Decoder) protoPaths() string {
	ps := make([]string, len(d.protos))
	for i, l := range d.protos {
		ps[i] = l.path
	}
	return strings.Join(ps, ", ")
}

// decodeRegistered decodes a registry-framed c into *out, which holds
// its class's Format and Ref.
func (d *Decoder) decodeRegistered(ctx context.Context, c *Class, buf []byte, out *Decoded) {
	init := *out
	if d.cached(c, buf, out) && out.Err == nil { // fetched and compiled already: no timer, no I/O
		return // (a failure goes the long way: a registry that was down is asked again in time)
	}
	*out = init
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	reg, e, err := d.compile(ctx, c.ID)
	if err != nil {
		out.Format = FormatBinary
		out.Err = err
		fallBack(c, buf, out)
		return
	}
	latest, lerr := 0, error(nil)
	if sv, ok := reg.subjectFor(c.stream, c.Part); ok {
		latest, lerr = d.reg.Latest(ctx, sv.Subject)
	}
	decodeEntry(c, out, reg, e, latest, lerr, buf)
}

// Cached is Decode with only what the decoder already holds: it does no
// I/O, so a View can call it. It reports false when c needs a registry
// schema that was not fetched yet (Decode fetches it); a fetch that failed
// is held too, its Decoded carrying the failure, until a Decode asks again
// (which it does once the failure is old enough: 2 s for a registry down
// or slow, 10 s for an id refused or unknown).
func (d *Decoder) Cached(c Class) (out Decoded, ok bool) {
	ok = d.cached(&c, nil, &out)
	return out, ok
}

// Stale reports that c's schema fetch failed long enough ago to be asked
// again: Cached still holds the failure (a view shows it), and a Decode
// asks the registry again. It does no I/O.
func (d *Decoder) Stale(c Class) bool {
	return c.Origin == OriginRegistry && d.reg != nil && d.reg.staleID(c.ID)
}

// cached is Cached into *out; its answer is *out's whether or not it
// reports true.
func (d *Decoder) cached(c *Class, buf []byte, out *Decoded) bool {
	if c.Origin != OriginRegistry || d.reg == nil {
		d.decode(context.Background(), c, buf, out) // no I/O on these paths
		return true
	}
	*out = Decoded{Format: c.Format, Ref: Ref{Origin: c.Origin, ID: c.ID}}
	reg, err, ok := d.reg.peekID(c.ID)
	switch {
	case !ok:
		return false
	case err != nil:
		out.Format, out.Err = FormatBinary, err
		fallBack(c, buf, out)
		return true
	}
	d.mu.Lock()
	e := d.compiled[c.ID]
	d.mu.Unlock()
	if e == nil || !e.done.Load() {
		return false
	}
	if e.err != nil {
		out.Format, out.Err = FormatBinary, e.err
		return true
	}
	latest, lerr := 0, error(nil)
	if sv, ok := reg.subjectFor(c.stream, c.Part); ok {
		latest, lerr = d.reg.peekLatest(sv.Subject)
	}
	defer func() {
		if p := recover(); p != nil {
			out.JSON, out.Err = nil, &Error{Kind: KindMismatch, Err: fmt.Errorf("decoder failed: %v", p)}
		}
	}()
	decodeEntry(c, out, reg, e, latest, lerr, buf)
	return true
}

// decodeLocal decodes c's body into *out with its local schema.
func decodeLocal(c *Class, buf []byte, out *Decoded) {
	out.Ref.Local = c.local.path
	out.Ref.Message, _ = c.local.compiled.Message(c.sel)
	js, meta, err := decodeWith(c.local.compiled, c.body, c.sel, buf)
	out.JSON, out.Ref.Branches, out.Ref.SizedBlocks, out.Loss, out.Compact = js, meta.Branches, meta.Sized, meta.Loss, compactSafe(c.local.compiled)
	if err != nil {
		out.Err = asError(KindMismatch, err)
	}
}

// decodeLocalFramed decodes c with its local schema: a framed c (its
// unresolved set, its body the bytes after the framing, and for a
// Protobuf schema after the message indexes) keeps its id in *out's Ref;
// when the body after the framing does not fit the schema, the whole
// value is decoded as a value without the framing (a value whose first
// byte is 0 by chance), and *out's Ref then names no id.
func decodeLocalFramed(c *Class, buf []byte, out *Decoded) {
	if c.unresolved == 0 {
		decodeLocal(c, buf, out)
		return
	}
	init := *out
	lc := *c
	out.Ref.Local = c.local.path
	if c.local.format == FormatProtobuf {
		idx, rest, err := ReadIndexes(c.body)
		if err == nil {
			lc.body, out.Ref.Indexes = rest, idx
		} else {
			out.Err = &Error{Kind: KindTruncated, Err: fmt.Errorf("framed with id %d: %w", c.ID, err)}
		}
	}
	if out.Err == nil {
		decodeLocal(&lc, buf, out)
		if out.Err == nil {
			return
		}
	}
	framedErr := *out
	whole := *c
	whole.body, whole.unresolved = c.data, 0
	*out = init
	out.Ref.ID, out.Ref.Unresolved = 0, 0
	decodeLocal(&whole, buf, out)
	if out.Err != nil {
		*out = framedErr
	}
}

// fallBack decodes a registry value the registry does not have the id of
// with the local schema mapped to its stream: the body after the framing,
// or failing that the whole value as a value without the framing is (*out
// holds the registry's failure, and keeps it when the local schema does
// not fit either).
func fallBack(c *Class, buf []byte, out *Decoded) {
	if c.local == nil || KindOf(out.Err) != KindUnknownID {
		return
	}
	failed := *out
	lc := *c
	lc.Origin, lc.Format, lc.unresolved = OriginLocal, c.local.format, KindUnknownID
	*out = Decoded{Format: lc.Format, Ref: Ref{Origin: OriginLocal, Format: lc.Format, ID: c.ID, Unresolved: KindUnknownID}}
	decodeLocalFramed(&lc, buf, out)
	if out.Err != nil {
		why, cause := out.Err, errors.Unwrap(failed.Err)
		if cause == nil {
			cause = fmt.Errorf("schema id %d is not in the registry", c.ID)
		}
		*out = failed
		out.Err = &Error{Kind: KindUnknownID, Err: fmt.Errorf("%w; the local schema %s does not fit the value either: %v", cause, c.local.path, why)}
	}
}

// decodeEntry decodes c's body into *out with a fetched and compiled
// schema (latest is its subject's latest version, or lerr why that is
// not known).
func decodeEntry(c *Class, out *Decoded, reg *registered, e *compiledEntry, latest int, lerr error, buf []byte) {
	out.Format, out.Ref.Format = e.format, e.format
	if sv, ok := reg.subjectFor(c.stream, c.Part); ok {
		out.Ref.Subject, out.Ref.Version, out.Ref.Latest = sv.Subject, sv.Version, latest
		if lerr != nil {
			out.Ref.Latest, out.Ref.LatestErr = 0, lerr
		}
	}
	out.Ref.Subjects = reg.subjects()
	out.Ref.Deleted = reg.deleted && len(reg.vers) > 0
	body, sel := c.body, Selector{}
	if e.format == FormatProtobuf {
		idx, rest, err := ReadIndexes(body)
		if err != nil {
			k := KindTruncated
			if errors.Is(err, ErrMalformedIndexes) {
				k = KindMalformed
			}
			out.Err = &Error{Kind: k, Err: err}
			return
		}
		body, sel.Indexes, out.Ref.Indexes = rest, idx, idx
	}
	name, err := e.c.Message(sel)
	if err != nil {
		out.Format = FormatBinary // shown raw
		out.Err = &Error{Kind: KindMismatch, Err: fmt.Errorf("schema id %d: %w", c.ID, err)}
		return
	}
	out.Ref.Message = name
	js, meta, err := decodeWith(e.c, body, sel, buf)
	out.JSON, out.Ref.Branches, out.Ref.SizedBlocks, out.Loss, out.Compact = js, meta.Branches, meta.Sized, meta.Loss, compactSafe(e.c)
	if err != nil {
		out.Err = asError(KindMismatch, err)
	}
}

// decodeWith decodes body with c, with the union branches when c keeps
// them and the first place the document cannot show the bytes of (nil:
// encoding the document again gives body back); into buf's storage when
// buf is not nil and c can.
func decodeWith(c Compiled, body []byte, sel Selector, buf []byte) ([]byte, decodeMeta, error) {
	switch t := c.(type) {
	case *avroSchema:
		if buf == nil {
			buf = make([]byte, 0, len(body)*2+64)
		}
		return t.appendLoss(buf, body)
	case *protoSchema:
		js, loss, err := t.decodeLoss(body, sel)
		return js, decodeMeta{Loss: loss}, err
	case *jsonSchema:
		js, loss, err := t.decodeLoss(body)
		return js, decodeMeta{Loss: loss}, err
	}
	js, err := c.Decode(body, sel)
	var meta decodeMeta
	if err == nil && js != nil && !sameJSONBytes(js, body) {
		meta.Loss = &Loss{Kind: LossNonCanonical}
	}
	return js, meta, err
}

// compactSafe reports a codec whose documents are compact, on one line,
// with every control a terminal would act on escaped (Decoded.Compact).
func compactSafe(c Compiled) bool {
	_, ok := c.(*avroSchema)
	return ok
}

// compile fetches and compiles the schema with id once.
func (d *Decoder) compile(ctx context.Context, id int) (*registered, *compiledEntry, error) {
	reg, err := d.reg.byID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	d.mu.Lock()
	e := d.compiled[id]
	if e == nil {
		e = &compiledEntry{}
		d.compiled[id] = e
	}
	d.mu.Unlock()
	e.once.Do(func() {
		defer e.done.Store(true)
		f := Format(strings.ToLower(reg.schema.Type.String()))
		switch f {
		case "", "avro":
			f = FormatAvro
		case "json":
			f = FormatJSONSchema
		}
		e.format = f
		codec, ok := d.codecs[f]
		if !ok {
			e.err = &Error{Kind: KindUnsupported, Err: fmt.Errorf("schema id %d is %s", id, f)}
			return
		}
		c, err := codec.Compile(Named{Text: reg.schema.Schema}, reg.refs)
		if err != nil {
			e.err = &Error{Kind: KindBadSchema, Err: fmt.Errorf("schema id %d (%s): %w", id, f, err)}
			return
		}
		e.c = c
	})
	if e.err != nil {
		return nil, nil, e.err
	}
	return reg, e, nil
}

// Encode turns doc, a JSON document as Decode rendered it (and perhaps
// edited), back into bytes with the schema and framing ref names: the same
// id and message indexes for a registry schema (a Protobuf ref that names
// its message and no indexes is written with that message's indexes; one
// whose indexes pick another message is refused). An edit that does not fit
// is refused with an *Error naming the field and the reason.
func (d *Decoder) Encode(ctx context.Context, ref Ref, doc []byte) ([]byte, error) {
	return d.EncodeOver(ctx, ref, doc, nil)
}

// EncodeOver is Encode of an edit of the document original (the key or
// value as it was, framing and all) was decoded to: what the document
// does not show of original is kept. A Protobuf message's fields the
// schema does not have are written back from the document
// (UnknownFieldsKey) or, when it does not show them, from original; an
// edit that removes a message holding them is refused. Nil original is
// Encode.
func (d *Decoder) EncodeOver(ctx context.Context, ref Ref, doc, original []byte) ([]byte, error) {
	switch ref.Origin {
	case OriginRegistry:
		if d.reg == nil {
			return nil, &Error{Kind: KindNoRegistry, Err: errors.New("no schema registry configured")}
		}
		cctx, cancel := context.WithTimeout(ctx, d.timeout)
		defer cancel()
		_, e, err := d.compile(cctx, ref.ID)
		if err != nil {
			return nil, err
		}
		indexes := ref.Indexes
		if ps, ok := e.c.(*protoSchema); ok {
			if indexes, err = ps.selectMessage(ref); err != nil {
				return nil, &Error{Kind: KindMismatch, Err: err}
			}
		}
		sel := Selector{Indexes: indexes, Branches: ref.Branches, SizedBlocks: ref.SizedBlocks}
		var body []byte
		if oe, ok := e.c.(overEncoder); ok && original != nil {
			body, err = oe.encodeOver(ctx, doc, sel, framedBody(original, ref.ID, indexes))
		} else {
			body, err = e.c.Encode(ctx, doc, sel)
		}
		if err != nil {
			return nil, encodeError(ctx, err)
		}
		out := AppendHeader(make([]byte, 0, len(body)+16), ref.ID)
		if e.format == FormatProtobuf {
			out = AppendIndexes(out, indexes)
		}
		return append(out, body...), nil
	case OriginLocal:
		l, ok := d.locals[ref.Local]
		if !ok {
			return nil, &Error{Kind: KindBadSchema, Err: fmt.Errorf("no local schema %s", ref.Local)}
		}
		sel := Selector{Name: ref.Message, Branches: ref.Branches, SizedBlocks: ref.SizedBlocks}
		framedLocal := ref.Unresolved != 0
		if framedLocal && original != nil {
			original = localBody(original, ref.ID, l.format, ref.Indexes)
		}
		var body []byte
		var err error
		if oe, ok := l.compiled.(overEncoder); ok && original != nil {
			body, err = oe.encodeOver(ctx, doc, sel, original)
		} else {
			body, err = l.compiled.Encode(ctx, doc, sel)
		}
		if err != nil {
			return nil, encodeError(ctx, err)
		}
		if !framedLocal {
			return body, nil
		}
		// A framed value a local schema decoded keeps its framing.
		out := AppendHeader(make([]byte, 0, len(body)+16), ref.ID)
		if l.format == FormatProtobuf {
			out = AppendIndexes(out, ref.Indexes)
		}
		return append(out, body...), nil
	}
	switch ref.Format {
	case FormatJSON:
		if !json.Valid(doc) {
			return nil, &Error{Kind: KindMismatch, Err: errors.New("not JSON")}
		}
		return doc, nil
	case FormatText:
		var s string
		if err := json.Unmarshal(doc, &s); err != nil {
			return nil, &Error{Kind: KindMismatch, Err: fmt.Errorf("text is edited as a JSON string: %w", err)}
		}
		return []byte(s), nil
	case FormatNull:
		if string(bytes.TrimSpace(doc)) != "null" {
			return nil, &Error{Kind: KindMismatch, Err: errors.New("a null value stays null")}
		}
		return nil, nil
	}
	return nil, &Error{Kind: KindUnsupported, Err: fmt.Errorf("%s values cannot be encoded from JSON", ref.Format)}
}

// encodeError is a codec's encode error: ctx's own when ctx ended (the
// encode was stopped, not refused), else an *Error naming the field.
func encodeError(ctx context.Context, err error) error {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return err
	}
	return asError(KindMismatch, err)
}

// overEncoder is a Compiled whose documents may leave out what its
// bodies hold (Protobuf's fields the schema lacks): encodeOver is Encode
// keeping that of orig, the body the document was decoded from.
type overEncoder interface {
	encodeOver(ctx context.Context, doc []byte, sel Selector, orig []byte) ([]byte, error)
}

// framedBody is the body of a framed Protobuf value with id and message
// indexes idx (nil when original is framed otherwise: nothing is kept
// from it).
func framedBody(original []byte, id int, idx []int) []byte {
	got, rest, err := ParseHeader(original)
	if err != nil || got != id {
		return nil
	}
	had, body, err := ReadIndexes(rest)
	if err != nil || !sameIndexes(had, idx) {
		return nil
	}
	return body
}

// localBody is the body of original, a value framed with id that a
// local schema of format decoded (after the message indexes idx for
// Protobuf); nil when original is framed otherwise (nothing is kept from
// it).
func localBody(original []byte, id int, format Format, idx []int) []byte {
	if format == FormatProtobuf {
		return framedBody(original, id, idx)
	}
	got, rest, err := ParseHeader(original)
	if err != nil || got != id {
		return nil
	}
	return rest
}

// sameIndexes compares message indexes, nil and [0] alike (both pick the
// first message).
func sameIndexes(a, b []int) bool {
	if len(a) == 0 {
		a = []int{0}
	}
	if len(b) == 0 {
		b = []int{0}
	}
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
