package schema

import "context"

// Named is a schema text with the name other schemas refer to it by (a
// registry reference's name, a .proto import path, a file name).
type Named struct {
	Name string
	Text string
}

// Selector picks one message type out of a compiled schema: the Protobuf
// message indexes from the framing, or a full message name (from a rule or
// a type header). Formats with one type ignore it. For encoding it also
// carries the union branches the decoded value took.
type Selector struct {
	Indexes  []int
	Name     string
	Branches []UnionBranch
	// SizedBlocks has Avro arrays and maps written with their sizes in
	// bytes (negative block counts, as hamba/avro writes them), as the
	// decoded value's were.
	SizedBlocks bool
}

// decodeMeta is what a decode learned beside the document: the union
// branches it took, whether its blocks were sized, and the first place
// the document cannot show the bytes of.
type decodeMeta struct {
	Branches []UnionBranch
	Sized    bool
	Loss     *Loss
}

// selector is the Selector that encodes the document back as it was read.
func (m decodeMeta) selector() Selector {
	return Selector{Branches: m.Branches, SizedBlocks: m.Sized}
}

// UnionBranch is the branch an Avro union at Path took ("lines[0].n"),
// kept where the JSON value alone does not tell (["int","long"], two
// records, a string and an enum) so that encoding back picks it again.
type UnionBranch struct {
	Path   string
	Branch int
}

// Codec is one schema format. Adding a format is one type implementing it,
// listed in codecs.
type Codec interface {
	// Format names the format.
	Format() Format
	// Compile parses a schema's text with the schemas it references (in
	// the order they must be read: dependencies first).
	Compile(main Named, refs []Named) (Compiled, error)
}

// Compiled is a schema ready to decode and encode bodies (the bytes after
// any framing and message indexes).
type Compiled interface {
	// Decode renders body as JSON. It returns the JSON it could read even
	// with an error when the body was read but does not fit (JSON Schema).
	Decode(body []byte, sel Selector) ([]byte, error)
	// Encode is Decode's inverse: a JSON document to a body. It stops
	// with ctx's error when ctx ends first.
	Encode(ctx context.Context, doc []byte, sel Selector) ([]byte, error)
	// Message is the full name of the type sel picks ("" when unnamed).
	Message(sel Selector) (string, error)
}

// codecs lists the formats a Decoder knows, by the registry's schemaType
// ("" is Avro, as the registry's default).
func codecs() map[Format]Codec {
	return map[Format]Codec{
		FormatAvro:       avroCodec{},
		FormatProtobuf:   protoCodec{},
		FormatJSONSchema: jsonSchemaCodec{},
	}
}
