package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// ReplayOptions pace a replay.
type ReplayOptions struct {
	// Speed replays with the original gaps between timestamps divided by
	// Speed; 0 replays as fast as allowed.
	Speed float64
	// File, Connection and Target name the replay in the audit log.
	File, Connection, Target string
	// Decoder encodes the decoded values of lines that carry one
	// (value_decoded with value_schema) with that schema, when the raw value
	// is absent or, with Reencode, when the document was edited (nil: such
	// lines without a raw value are refused).
	Decoder  *schema.Decoder
	Reencode bool
	// OnNote hears of the lines a person should (LineOutcome.Noteworthy),
	// as they are written.
	OnNote func(LineNote)
	RunOptions
}

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
}

// LineNote is what a replay says of one capture line: its number and
// what was made of its decoded value.
type LineNote struct {
	Line int
	LineOutcome
}

// Noteworthy reports an outcome a person should hear of: an edit that was
// not written (no --reencode), or an encoding that changes more than the
// document shows.
func (o LineOutcome) Noteworthy() bool {
	return o.Edited && !o.Encoded || o.Encoded && o.Reencoding.Surprising()
}

// String says it in one line.
func (n LineNote) String() string {
	switch {
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
// bytes, byte for byte, with or without reencode. The encoding uses the
// registry id the line names (and the message indexes and union branches
// of the raw value). A document that does not fit is refused with the
// field and the reason.
func EncodeLine(ctx context.Context, dec *schema.Decoder, m *sources.Message, dv *capture.DecodedValue, reencode bool) (LineOutcome, error) {
	if dv == nil {
		return LineOutcome{}, nil
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

// FileCheck is what CheckFile found.
type FileCheck struct {
	// Encoded counts the values a replay encodes from value_decoded.
	Encoded int
	// Notes are the lines a person should hear of (LineOutcome.Noteworthy).
	Notes []LineNote
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
	}
}

// ReplayFile writes every message of a capture (mqscope export or kcat -J)
// to a sink (sources.SinkOpener opens one), in file order, in batches,
// each acknowledged by the broker before the next.
func ReplayFile(ctx context.Context, r io.Reader, sink sources.MessageSink, o ReplayOptions) (Result, error) {
	start := time.Now()
	res := Result{PerTarget: map[string]int{}}
	dec := capture.NewDecoder(r)
	lim := newLimiter(o.Rate)
	var batch []sources.Message
	var first time.Time
	line := 0 // the capture's message number, the position in the audit log
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := sink.Write(ctx, batch); err != nil {
			res.Failed += len(batch)
			return err
		}
		now := time.Now()
		audit := make([]AuditRecord, len(batch))
		for i, m := range batch {
			audit[i] = AuditRecord{Time: now, Action: "replay", Connection: o.Connection, Source: o.File,
				Position: strconv.Itoa(line - len(batch) + i + 1), Target: o.Target, MessageID: m.ID, Result: "acknowledged"}
		}
		if err := o.Audit.Write(audit...); err != nil {
			return err
		}
		res.Done += len(batch)
		res.Total = res.Done
		res.Elapsed = time.Since(start)
		batch = batch[:0]
		if o.OnProgress != nil {
			o.OnProgress(res.Progress)
		}
		return nil
	}
	for {
		if ctx.Err() != nil {
			res.stopped(Cancelled, "")
			break
		}
		m, dv, err := dec.NextDecoded()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			_ = flush()
			return res, err
		}
		out, err := EncodeLine(ctx, o.Decoder, &m, dv, o.Reencode)
		if err != nil {
			_ = flush() // what was read before it goes; this line and the rest do not
			return res, fmt.Errorf("capture line %d: %w", dec.Line(), err)
		}
		if out.Noteworthy() && o.OnNote != nil {
			o.OnNote(LineNote{Line: dec.Line(), LineOutcome: out})
		}
		if o.Speed > 0 && !m.Timestamp.IsZero() {
			if first.IsZero() {
				first = m.Timestamp
			}
			due := start.Add(time.Duration(float64(m.Timestamp.Sub(first)) / o.Speed))
			if wait := time.Until(due); wait > 0 {
				if err := flush(); err != nil {
					return res, err
				}
				select {
				case <-time.After(wait):
				case <-ctx.Done():
				}
			}
		}
		if err := lim.wait(ctx); err != nil {
			break
		}
		batch = append(batch, m)
		line++
		if len(batch) >= o.batch() {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	err := flush()
	res.Elapsed = time.Since(start)
	if werr := o.Audit.Write(summary("replay", "", o.Connection, o.File, o.Target, res, err)); err == nil {
		err = werr
	}
	return res, err
}
