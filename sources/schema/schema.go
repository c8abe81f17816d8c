// Package schema classifies message keys and values and decodes them to
// JSON: by content (the Confluent wire format with a Schema Registry id,
// JSON, text, binary) and by configuration (a stream pattern mapped to a
// local schema, a content-type and type header). Avro, Protobuf and JSON
// Schema are Codecs; a new format is one more Codec. Decoding is lazy:
// Classify is cheap and never does I/O, Decode fetches and compiles what
// the class needs (cached) and never panics or hangs. Encode turns an
// edited JSON document back into bytes with the same schema and framing.
package schema

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Format is how a key or value is encoded.
type Format string

// The formats a Decoded can have.
const (
	FormatAvro       Format = "avro"
	FormatProtobuf   Format = "protobuf"
	FormatJSONSchema Format = "jsonschema"
	FormatJSON       Format = "json"
	FormatText       Format = "text"
	FormatBinary     Format = "binary"
	FormatNull       Format = "null"
)

// Part says whether a key or a value is decoded.
type Part uint8

// The parts of a message.
const (
	PartValue Part = iota
	PartKey
)

// String names the part as the registry's subject suffix does.
func (p Part) String() string {
	if p == PartKey {
		return "key"
	}
	return "value"
}

// Origin says where the schema of a class comes from.
type Origin uint8

// The origins of a schema.
const (
	// OriginContent: no schema; the format was read from the bytes.
	OriginContent Origin = iota
	// OriginRegistry: a Confluent-framed value with a registry id.
	OriginRegistry
	// OriginLocal: a local schema mapped to the stream by a rule or named
	// by a header.
	OriginLocal
)

// Ref names the schema a key or value was decoded with.
type Ref struct {
	// Origin says where the schema comes from.
	Origin Origin
	// Format is the schema's format.
	Format Format
	// ID is the registry's schema id (OriginRegistry).
	ID int
	// Subject and Version are the subject version that has the id for
	// this stream (the topic name strategy's subject, or the only one),
	// when the registry told (empty and 0 otherwise).
	Subject string
	Version int
	// Subjects are every subject version that has the id when the id is
	// registered under more than one subject (nil otherwise).
	Subjects []SubjectVersion
	// Deleted says the subject versions that name the id were all
	// soft-deleted: the registry named them only when asked for its
	// deleted versions.
	Deleted bool
	// Latest is the subject's latest version when known (0 otherwise).
	Latest int
	// LatestErr says why Latest is 0 when the lookup of the subject's
	// latest version failed (nil otherwise: it was not looked up, or it
	// is known).
	LatestErr error
	// Indexes are the Protobuf message indexes read from the framing.
	Indexes []int
	// Message is the Protobuf message's full name (or the Avro record's).
	Message string
	// Local is the local schema's path (OriginLocal).
	Local string
	// Unresolved says why a value framed with registry id ID was decoded
	// with the local schema instead of the registry's (KindNoRegistry:
	// none is configured; KindUnknownID: the registry does not have the
	// id); 0 for a value that is not framed.
	Unresolved Kind
	// Branches are the Avro union branches the value took where its JSON
	// alone does not tell; Encode picks them again.
	Branches []UnionBranch
	// SizedBlocks says the value's Avro arrays and maps carry their sizes
	// in bytes; Encode writes them so again.
	SizedBlocks bool
}

// String describes the ref in a line: "avro id 7 orders-value v3 (latest is v4)".
func (r Ref) String() string {
	s := string(r.Format)
	switch r.Origin {
	case OriginRegistry:
		s += " id " + strconv.Itoa(r.ID)
		if r.Subject != "" {
			s += " " + r.Subject + " v" + strconv.Itoa(r.Version)
			if r.Deleted {
				s += " (deleted)"
			}
			if r.Latest > r.Version {
				s += " (latest is v" + strconv.Itoa(r.Latest) + ")"
			}
		}
		if len(r.Subjects) > 0 {
			s += " (subjects " + SubjectList(r.Subjects) + ")"
		}
	case OriginLocal:
		s += " " + r.Local
	}
	if r.Message != "" {
		s += " " + r.Message
	}
	if r.Origin == OriginLocal && r.Unresolved != 0 {
		s += " (" + r.FramingNote() + ")"
	}
	return s
}

// FramingNote says why a locally decoded value framed with a registry id
// was not decoded with the registry: "framed with id 7, which the
// registry does not have" ("" when it is not framed).
func (r Ref) FramingNote() string {
	switch r.Unresolved {
	case 0:
		return ""
	case KindNoRegistry:
		return "framed with id " + strconv.Itoa(r.ID) + "; no registry configured"
	case KindUnknownID:
		return "framed with id " + strconv.Itoa(r.ID) + ", which the registry does not have"
	}
	return "framed with id " + strconv.Itoa(r.ID) + ": " + r.Unresolved.String()
}

// SubjectList names subject versions in a line: "a v1, b v3".
func SubjectList(vs []SubjectVersion) string {
	var b strings.Builder
	for i, v := range vs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(v.Subject + " v" + strconv.Itoa(v.Version))
	}
	return b.String()
}

// Decoded is a decoded key or value.
type Decoded struct {
	// Format is the format the bytes are in.
	Format Format
	// Ref is the schema used (Origin OriginContent when none).
	Ref Ref
	// JSON is the value as JSON: the decoded document for a schema, the
	// value itself for JSON, a JSON string for text; nil for binary, null
	// and when decoding failed before a document existed.
	JSON []byte
	// Err says why the bytes could not be decoded (a *Error); JSON may
	// still be set when the document was read but does not fit its schema.
	Err error
	// Compact says JSON is compact, on one line, with every control a
	// terminal would act on already escaped: a line can take it as it is.
	Compact bool
	// Loss is the first place where JSON is not the whole truth of the
	// bytes (invalid UTF-8 in a string, a NaN's payload, bytes not in the
	// encoder's form): encoding JSON again gives other bytes. Nil when
	// encoding JSON gives the bytes back.
	Loss *Loss
}

// Kind is what went wrong with a decode or an encode.
type Kind uint8

// The kinds of Error.
const (
	// KindUnknownID: the registry has no schema with the id.
	KindUnknownID Kind = iota + 1
	// KindRegistryDown: the registry could not be reached or failed.
	KindRegistryDown
	// KindUnauthorized: the registry refused the credentials.
	KindUnauthorized
	// KindRegistrySlow: the registry did not answer in time.
	KindRegistrySlow
	// KindNoRegistry: the value is framed but no registry is configured.
	KindNoRegistry
	// KindBadSchema: the schema does not parse or compile.
	KindBadSchema
	// KindMismatch: the body does not fit the schema.
	KindMismatch
	// KindTruncated: the body ends before the schema says it does.
	KindTruncated
	// KindUnsupported: the schema's format is not one this package reads.
	KindUnsupported
	// KindMalformed: the framing after the id cannot be right (a Protobuf
	// value's message indexes with a negative count).
	KindMalformed
)

var kindNames = [...]string{"", "unknown schema id", "registry down", "registry unauthorised", "registry slow", "no registry", "bad schema", "does not fit the schema", "truncated", "unsupported format", "malformed framing"}

// String names the kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind " + strconv.Itoa(int(k))
}

// OfValue reports a kind that is the value's own fault (it does not fit,
// ends early, is malformed): asking the registry again changes nothing.
func (k Kind) OfValue() bool {
	return k == KindMismatch || k == KindTruncated || k == KindMalformed
}

// Error is why a key or value could not be decoded or encoded.
type Error struct {
	// Kind is what went wrong.
	Kind Kind
	// Path is the field the problem is at ("order.lines[2].price"), when known.
	Path string
	// Err is the cause.
	Err error
	// Violations are every rule a JSON Schema document breaks, each with
	// its place, when it breaks more than one (Path and Err are the
	// first's); nil otherwise.
	Violations []Violation
}

// Violation is one rule a document breaks: where, and why.
type Violation struct {
	// Path is the place in the document ("lines.2.qty"; "" for the whole).
	Path string
	// Reason says what is wrong there.
	Reason string
}

// maxViolationsShown bounds the violations Error's text lists.
const maxViolationsShown = 20

// Error implements error: the first violation, then the others, on one
// line.
func (e *Error) Error() string {
	s := e.Kind.String()
	if e.Path != "" {
		s += " at " + e.Path
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	if len(e.Violations) > 1 {
		s += " (" + strconv.Itoa(len(e.Violations)) + " violations)"
		for i, v := range e.Violations[1:] {
			if i+1 == maxViolationsShown {
				s += "; and " + strconv.Itoa(len(e.Violations)-maxViolationsShown) + " more"
				break
			}
			where := v.Path
			if where == "" {
				where = "the document"
			}
			s += "; at " + where + ": " + v.Reason
		}
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of err's *Error, or 0.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// errTruncated is the cause codecs give when the bytes end early.
var errTruncated = errors.New("unexpected end of data")

// fieldError is a problem at a field path inside a codec.
type fieldError struct {
	path   string
	reason error
	all    []Violation // every violation when there are more than one (path and reason the first's)
}

// Error implements error.
func (e *fieldError) Error() string {
	if e.path == "" {
		return e.reason.Error()
	}
	return e.path + ": " + e.reason.Error()
}

// Unwrap implements errors.Unwrap.
func (e *fieldError) Unwrap() error { return e.reason }

// asError wraps a codec's error as an *Error of kind k (KindTruncated when
// the cause is the end of data), keeping the field path.
func asError(k Kind, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, errTruncated) {
		k = KindTruncated
	}
	out := &Error{Kind: k, Err: err}
	var fe *fieldError
	if errors.As(err, &fe) {
		out.Path, out.Err, out.Violations = fe.path, fe.reason, fe.all
	}
	return out
}

// errorf is fmt.Errorf for codec causes.
func errorf(format string, a ...any) error { return fmt.Errorf(format, a...) }
