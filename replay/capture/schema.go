package capture

import (
	"context"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// SchemaDecoded reports a key or value a schema decoded (or failed to):
// not one whose format was read from its bytes.
func SchemaDecoded(d *schema.Decoded) bool {
	return d != nil && (d.Ref.Origin != schema.OriginContent || d.Err != nil)
}

// lineSchemas is the storage of a line's decoded key and value, made
// again for every line.
type lineSchemas struct {
	key, value             Decoded
	keySchema, valueSchema SchemaRecord
	keyID, valueID         int
}

// EncodeSchemas is EncodeDecoded with the key and value as a schema
// decoder made them (nil, or one whose format its bytes told: not
// written as decoded).
func (e *Encoder) EncodeSchemas(m *sources.Message, key, value *schema.Decoded) error {
	s := &e.decoded
	return e.EncodeDecoded(m, FromSchema(key, &s.key, &s.keySchema, &s.keyID), FromSchema(value, &s.value, &s.valueSchema, &s.valueID))
}

// EncodeWith writes m as one line with its key and value as dec decodes
// them (registry schemas fetched as needed, cached; dec nil: as Encode),
// as mqscope export writes them.
func (e *Encoder) EncodeWith(ctx context.Context, dec *schema.Decoder, m *sources.Message) error {
	if dec == nil {
		return e.Encode(m)
	}
	key, value := dec.Key(ctx, m), dec.Value(ctx, m)
	return e.EncodeSchemas(m, &key, &value)
}

// FromSchema is a decoded key or value for a line (nil when no schema
// decoded it), made in *out, *rec and *id (the registry id, named where
// the value is framed with one, 0 too; or the framing's id where a local
// schema decoded a framed value).
func FromSchema(d *schema.Decoded, out *Decoded, rec *SchemaRecord, id *int) *Decoded {
	if !SchemaDecoded(d) {
		return nil
	}
	*out = Decoded{JSON: d.JSON, Compact: d.Compact}
	var idp, framed *int
	switch {
	case d.Ref.Origin == schema.OriginRegistry:
		*id = d.Ref.ID
		idp = id
	case d.Ref.Unresolved != 0:
		*id = d.Ref.ID
		framed = id
	}
	if l := d.Loss; l != nil && d.JSON != nil {
		out.Lossy = &LossRecord{Kind: l.Kind.String(), Path: l.Path, Why: l.Kind.Why(), More: l.More}
	}
	if d.Err != nil {
		out.Err = &SchemaError{ID: idp, Kind: schema.KindOf(d.Err).String(), Error: d.Err.Error()}
		if schema.KindOf(d.Err) == 0 {
			out.Err.Kind = "decode failed"
		}
	}
	if d.Ref.Format != "" && d.Ref.Format != schema.FormatBinary {
		*rec = SchemaRecord{ID: idp, Subject: d.Ref.Subject, Version: d.Ref.Version, Deleted: d.Ref.Deleted, Format: string(d.Ref.Format), Message: d.Ref.Message, Local: d.Ref.Local, FramedID: framed}
		out.Schema = rec
	}
	return out
}
