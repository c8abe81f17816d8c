package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// LineOutcome is what a replay made of a capture line's decoded value.
type LineOutcome struct {
	// Edited says value_decoded is not what the line's raw value decodes
	// to: someone edited the document.
	Edited bool
	// Encoded says the value written was encoded from value_decoded (the
	// line has no raw value, or it was edited and --reencode is set).
	Encoded bool
	// Reencoding reviews the encoding (when Encoded).
	Reencoding Reencoding
	// Undecoded is the line's value_schema_error: its document is not the
	// whole value, so it is never encoded; the raw value is written byte
	// for byte (nil: the line's value decoded).
	Undecoded *capture.SchemaError
}

// LineNote is what a replay says of one capture line: its number and
// what was made of its decoded value.
type LineNote struct {
	Line int
	LineOutcome
}

// Noteworthy reports an outcome a person should hear of: an edit that was
// not written (no --reencode), an encoding that changes more than the
// document shows, or a line whose value did not decode, written as it was.
func (o LineOutcome) Noteworthy() bool {
	return o.Edited && !o.Encoded || o.Encoded && o.Reencoding.Surprising() || o.Undecoded != nil
}

// refusal is the error that stops the line (BeyondEditError) unless
// accept.
func (o LineOutcome) refusal(accept bool) error {
	if !o.Encoded {
		return nil
	}
	return o.Reencoding.Refusal(accept)
}

// String says it in one line.
func (n LineNote) String() string {
	switch {
	case n.Undecoded != nil && n.Edited:
		return fmt.Sprintf("line %d: value_decoded was edited, but the value did not decode cleanly with its schema (%s): the raw value was written as it was", n.Line, undecodedWhy(n.Undecoded))
	case n.Undecoded != nil:
		return fmt.Sprintf("line %d: the value did not decode cleanly with its schema (%s): not encoded again, the raw value was written byte for byte", n.Line, undecodedWhy(n.Undecoded))
	case n.Edited && !n.Encoded:
		return fmt.Sprintf("line %d: value_decoded was edited, the raw value was written as it was (--reencode writes the edit)", n.Line)
	case n.Encoded:
		return fmt.Sprintf("line %d: %s", n.Line, n.Reencoding)
	}
	return fmt.Sprintf("line %d: the raw value, byte for byte", n.Line)
}

// EncodeLine sets m's value from a capture line's decoded value when the
// line has no raw value, or when reencode is set and the document was
// edited: it is not what the raw value decodes to with the schema the line
// names. A line whose document holds what its raw value does keeps the raw
// bytes, byte for byte, with or without reencode; so does a line whose
// value did not decode cleanly (value_schema_error), whose edit is
// refused (undecodedLine). The encoding uses the registry id the line
// names (and the message indexes and union branches of the raw value, or
// the Protobuf message value_schema names). A document that does not fit
// is refused with the field and the reason.
func EncodeLine(ctx context.Context, dec *schema.Decoder, m *sources.Message, dv *capture.DecodedValue, reencode bool) (LineOutcome, error) {
	if dv == nil {
		return LineOutcome{}, nil
	}
	if dv.Err != nil {
		return undecodedLine(ctx, dec, m, dv, reencode)
	}
	if dec == nil || dec.Registry() == nil {
		if m.Value != nil && !reencode {
			return LineOutcome{}, nil // nothing to compare with: the raw value
		}
		return LineOutcome{}, errors.New("value_decoded: a schema registry is needed to encode it (--schema-registry)")
	}
	if dv.Schema.ID <= 0 {
		if m.Value != nil && !reencode {
			return LineOutcome{}, nil
		}
		return LineOutcome{}, errors.New("value_schema names no registry id to encode value_decoded with")
	}
	ref := schema.Ref{Origin: schema.OriginRegistry, ID: dv.Schema.ID, Format: schema.Format(dv.Schema.Format), Subject: dv.Schema.Subject, Version: dv.Schema.Version, Indexes: dv.Schema.Indexes}
	if ref.Format == schema.FormatProtobuf {
		ref.Message = dv.Schema.Message // the message the line was decoded as: its encoding writes that message's indexes
	}
	if m.Value != nil {
		d := dec.Value(ctx, m)
		if d.Err == nil && d.JSON != nil && d.Ref.Origin == schema.OriginRegistry && d.Ref.ID == ref.ID {
			if sameDocument(d.JSON, dv.JSON) {
				return LineOutcome{}, nil
			}
			out := LineOutcome{Edited: true}
			if !reencode {
				return out, nil
			}
			if ref.Message != "" && d.Ref.Format == schema.FormatProtobuf && d.Ref.Message != ref.Message {
				return out, fmt.Errorf("value_schema names message %s, the raw value is a %s: an edit keeps the message", ref.Message, d.Ref.Message)
			}
			b, _, re, err := EncodePart(ctx, dec, *m, &d, dv.JSON)
			if err != nil {
				return out, fmt.Errorf("value_decoded does not fit %s: %w", d.Ref, err)
			}
			m.Value, m.ValueSize = b, len(b)
			out.Encoded, out.Reencoding = true, re
			return out, nil
		}
		if !reencode { // the raw value does not decode with the line's schema: it is what there is
			return LineOutcome{}, nil
		}
	}
	b, err := dec.Encode(ctx, ref, dv.JSON)
	if err != nil {
		return LineOutcome{}, fmt.Errorf("value_decoded does not fit %s: %w", ref, err)
	}
	n := *m
	n.Value = b
	again := dec.Value(ctx, &n)
	re := reencoding(schema.PartValue, nil, m.Value, dv.JSON, b, &again)
	m.Value, m.ValueSize = b, len(b)
	return LineOutcome{Encoded: true, Reencoding: re}, nil
}

// undecodedWhy is a line's value_schema_error in a few words.
func undecodedWhy(e *capture.SchemaError) string {
	why := "value_schema_error"
	if e.Kind != "" {
		why += " " + e.Kind
	}
	if e.Error != "" {
		why += ": " + e.Error
	}
	return why
}

// undecodedLine is EncodeLine for a line whose value did not decode
// cleanly (value_schema_error): its document is not the whole value (a
// value that does not validate), so it is never encoded, with or without
// reencode; but for a Protobuf value holding fields its schema lacks,
// which the document shows ($unknown_fields): with reencode, an edit of
// it is encoded, those fields kept. Otherwise the raw value is written
// byte for byte; with reencode, a line whose document was edited is
// refused, since writing its raw value would drop the edit and encoding
// the document would drop what it does not hold.
func undecodedLine(ctx context.Context, dec *schema.Decoder, m *sources.Message, dv *capture.DecodedValue, reencode bool) (LineOutcome, error) {
	if m.Value == nil {
		return LineOutcome{}, fmt.Errorf("the value did not decode cleanly with its schema (%s): value_decoded is not the whole value and is not encoded, and the line has no raw value", undecodedWhy(dv.Err))
	}
	out := LineOutcome{Undecoded: dv.Err}
	if dec != nil {
		d := dec.Value(ctx, m)
		if d.JSON != nil && !sameDocument(d.JSON, dv.JSON) {
			out.Edited = true
		}
		if out.Edited && reencode && errors.Is(d.Err, schema.ErrUnknownFields) && d.Ref.Origin == schema.OriginRegistry && dv.Schema.ID == d.Ref.ID {
			// Protobuf fields the schema lacks: the document shows them
			// ($unknown_fields), and the encoding keeps them.
			b, _, re, err := EncodePart(ctx, dec, *m, &d, dv.JSON)
			if err != nil {
				return out, fmt.Errorf("value_decoded does not fit %s: %w", d.Ref, err)
			}
			m.Value, m.ValueSize = b, len(b)
			return LineOutcome{Edited: true, Encoded: true, Reencoding: re}, nil
		}
	}
	switch {
	case out.Edited && reencode:
		return out, fmt.Errorf("value_decoded was edited, but the value did not decode cleanly with its schema (%s): the document is not the whole value, so an edit of it is not encoded (edit the raw value, value or value_b64, instead)", undecodedWhy(dv.Err))
	case !out.Edited && !reencode:
		return LineOutcome{}, nil // the raw value, as without schemas
	}
	return out, nil
}

// FileCheck is what CheckFile found.
type FileCheck struct {
	// Messages counts the messages of the capture a replay writes (the
	// lines marked lost left out).
	Messages int
	// Lost are the numbers of the lines marked "lost", which a replay
	// does not write (LostLineError).
	Lost []int
	// LostReason is the first of them's "lost".
	LostReason string
	// Encoded counts the values a replay encodes from value_decoded.
	Encoded int
	// Notes are the lines a person should hear of (LineOutcome.Noteworthy).
	Notes []LineNote
	// BeyondEdit are the lines whose encoding changes bytes beyond the
	// edit (a replay writes them only with AcceptReencoding).
	BeyondEdit []LineNote
	// Edited are the numbers of the lines whose value_decoded was edited
	// and is not encoded (no --reencode): a replay writes their raw values
	// only with KeepRaw (EditedRefusal).
	Edited []int
}

// EditedLinesError refuses a capture whose lines carry edited documents
// that a replay would not write (no --reencode) unless the raw values are
// to be kept (--keep-raw).
type EditedLinesError struct {
	// Lines are the capture's line numbers, in file order.
	Lines []int
}

func (e *EditedLinesError) Error() string {
	const most = 10
	var b strings.Builder
	if len(e.Lines) == 1 {
		b.WriteString("capture line ")
	} else {
		b.WriteString("capture lines ")
	}
	for i, n := range e.Lines {
		if i == most {
			fmt.Fprintf(&b, " and %d more", len(e.Lines)-most)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(n))
	}
	b.WriteString(": value_decoded was edited; --reencode encodes the edits with their schemas, --keep-raw writes the raw values, ignoring the edits")
	return b.String()
}

// EditedRefusal is the error that refuses the file unless keepRaw: an
// *EditedLinesError naming every line whose edit would not be written.
func (fc FileCheck) EditedRefusal(keepRaw bool) error {
	if len(fc.Edited) == 0 || keepRaw {
		return nil
	}
	return &EditedLinesError{Lines: fc.Edited}
}

// LostLines says which lines are marked lost, which a replay does not
// write, and why the first is ("": none is).
func (fc FileCheck) LostLines() string {
	if len(fc.Lost) == 0 {
		return ""
	}
	return LineList(fc.Lost) + " not to be written: " + (&LostLineError{Reason: fc.LostReason}).Error()
}

// unwrittenEdit reports a line whose document was edited and whose raw
// value would be written instead of the edit.
func (o LineOutcome) unwrittenEdit() bool {
	return o.Edited && !o.Encoded
}

// Refusal is the error that refuses the file unless accept: the first
// line whose encoding changes bytes beyond the edit, as a
// *BeyondEditError, with its line number.
func (fc FileCheck) Refusal(accept bool) error {
	if len(fc.BeyondEdit) == 0 || accept {
		return nil
	}
	n := fc.BeyondEdit[0]
	err := fmt.Errorf("capture line %d: %w", n.Line, n.refusal(false))
	if more := len(fc.BeyondEdit) - 1; more > 0 {
		err = fmt.Errorf("%w (and %d more lines)", err, more)
	}
	return err
}

// CheckFile encodes every decoded value of a capture that a replay would
// encode (EncodeLine), writing nothing: a file whose documents do not fit
// is refused before its first message is written, and what a replay will
// say of its lines is known before it starts.
func CheckFile(ctx context.Context, r io.Reader, dec *schema.Decoder, reencode bool) (FileCheck, error) {
	d := capture.NewDecoder(r)
	var fc FileCheck
	for {
		m, dv, err := d.NextDecoded()
		if errors.Is(err, io.EOF) {
			return fc, nil
		}
		if err != nil {
			return fc, err
		}
		if m.Flaw != nil && m.Flaw.Lost {
			if len(fc.Lost) == 0 {
				fc.LostReason = m.Flaw.Reason
			}
			fc.Lost = append(fc.Lost, d.Line())
			continue
		}
		fc.Messages++
		if dv == nil {
			continue
		}
		out, err := EncodeLine(ctx, dec, &m, dv, reencode)
		if err != nil {
			return fc, fmt.Errorf("capture line %d: %w", d.Line(), err)
		}
		if out.Encoded {
			fc.Encoded++
		}
		if out.Noteworthy() {
			fc.Notes = append(fc.Notes, LineNote{Line: d.Line(), LineOutcome: out})
		}
		if out.unwrittenEdit() {
			fc.Edited = append(fc.Edited, d.Line())
		}
		if out.refusal(false) != nil {
			fc.BeyondEdit = append(fc.BeyondEdit, LineNote{Line: d.Line(), LineOutcome: out})
		}
	}
}
