package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
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
	// AcceptReencoding writes lines whose encoding changes bytes beyond
	// the edit (Reencoding.Surprising); without it the replay stops at
	// the first such line, before writing it (BeyondEditError).
	AcceptReencoding bool
	// KeepRaw writes the raw value of a line whose value_decoded was
	// edited and is not encoded (no Reencode), ignoring the edit; without
	// it the replay stops at the first such line, before writing it
	// (EditedLinesError). CheckFile finds them all before a replay.
	KeepRaw bool
	// OnNote hears of the lines a person should (LineOutcome.Noteworthy),
	// as they are written.
	OnNote func(LineNote)
	RunOptions
}

// ReplayFile writes every message of a capture (mqscope export or kcat -J)
// to a sink (sources.SinkOpener opens one), in file order, in batches,
// each acknowledged by the broker before the next. A message the broker
// acknowledged as a duplicate and did not write (a sources.PlacingSink's
// Placement.Duplicate: JetStream's Nats-Msg-Id within the duplicate
// window) is counted in the result's Duplicates, not in Done.
func ReplayFile(ctx context.Context, r io.Reader, sink sources.MessageSink, o ReplayOptions) (Result, error) {
	start := time.Now()
	res := Result{PerTarget: map[string]int{}}
	dec := capture.NewDecoder(r)
	lim := newLimiter(o.Rate)
	var batch []sources.Message
	var first time.Time
	line := 0           // the capture's message number, the position in the audit log
	var lines []int     // the file line of each message of the batch
	var rejected []int  // the file lines of the messages refused for what they are
	var rejectErr error // why the first of them was
	// acknowledged audits and counts the first n messages of the batch
	// from from, written (or duplicates, or not delivered) as placed says.
	acknowledged := func(from, n int, placed []sources.Placement) error {
		if n == 0 {
			return nil
		}
		now := time.Now()
		audit := make([]AuditRecord, n)
		dups, failed := 0, 0
		for i, m := range batch[from : from+n] {
			audit[i] = AuditRecord{Time: now, Action: "replay", Connection: o.Connection, Source: o.File,
				Position: strconv.Itoa(line - len(batch) + from + i + 1), Target: o.Target, MessageID: m.ID, Result: "acknowledged"}
			switch {
			case i < len(placed) && placed[i].NotDelivered != nil:
				audit[i].Result = "failed: " + placed[i].NotDelivered.Error()
				res.Failures = append(res.Failures, Failure{Position: strconv.Itoa(lines[from+i]),
					Err: fmt.Sprintf("capture line %d not delivered: %v", lines[from+i], placed[i].NotDelivered)})
				failed++
			case i < len(placed) && placed[i].Duplicate:
				audit[i].Result = "duplicate: " + placed[i].String()
				dups++
			}
		}
		if err := o.Audit.Write(audit...); err != nil {
			return err
		}
		res.Done += n - dups - failed
		res.Duplicates += dups
		res.Failed += failed
		res.Total = res.Done + res.Duplicates + res.Failed
		res.Elapsed = time.Since(start)
		if o.OnProgress != nil {
			o.OnProgress(res.Progress)
		}
		return nil
	}
	// flush writes the batch; a message the sink rejects for what it is
	// (sources.RejectedError) is counted failed, with its line, and the
	// messages after it are written.
	flush := func() error {
		defer func() { batch, lines = batch[:0], lines[:0] }()
		for from := 0; from < len(batch); {
			placed, err := writeBatch(ctx, sink, batch[from:])
			rej, isRej := sources.Rejected(err)
			n := len(batch) - from
			switch {
			case isRej:
				n = min(rej.Index, n)
			case err != nil:
				n = min(len(placed), n)
			}
			if aerr := acknowledged(from, n, placed); aerr != nil {
				return aerr
			}
			from += n
			if err == nil {
				return nil
			}
			if !isRej && sources.CountNotDelivered(placed) > 0 {
				err = notDelivered(placed, lines[from-n:from], err)
			}
			if !isRej || from >= len(batch) {
				res.Failed += len(batch) - from
				res.Total = res.Done + res.Duplicates + res.Failed
				return err
			}
			why := fmt.Sprintf("capture line %d not written: %v", lines[from], rej.Err)
			a := AuditRecord{Time: time.Now(), Action: "replay", Connection: o.Connection, Source: o.File,
				Position: strconv.Itoa(line - len(batch) + from + 1), Target: o.Target, MessageID: batch[from].ID, Result: "failed: " + rej.Err.Error()}
			if aerr := o.Audit.Write(a); aerr != nil {
				return aerr
			}
			res.Failed++
			res.Total = res.Done + res.Duplicates + res.Failed
			res.Failures = append(res.Failures, Failure{Position: strconv.Itoa(lines[from]), Err: why})
			rejected = append(rejected, lines[from])
			if rejectErr == nil {
				rejectErr = rej.Err
			}
			from++
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
		if m.Flaw != nil && m.Flaw.Lost { // nothing of it to write: counted and named, the rest written
			if err := flush(); err != nil {
				return res, err
			}
			lost := &LostLineError{Reason: m.Flaw.Reason}
			a := AuditRecord{Time: time.Now(), Action: "replay", Connection: o.Connection, Source: o.File,
				Position: strconv.Itoa(line + 1), Target: o.Target, MessageID: m.ID, Result: "failed: " + lost.Error()}
			if err := o.Audit.Write(a); err != nil {
				return res, err
			}
			line++
			res.Failed++
			res.Total = res.Done + res.Duplicates + res.Failed
			res.Failures = append(res.Failures, Failure{Position: strconv.Itoa(dec.Line()), Err: fmt.Sprintf("capture line %d not written: %v", dec.Line(), lost)})
			rejected = append(rejected, dec.Line())
			if rejectErr == nil {
				rejectErr = lost
			}
			continue
		}
		out, err := EncodeLine(ctx, o.Decoder, &m, dv, o.Reencode)
		if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			res.stopped(Cancelled, "") // stopped while encoding the line: it is not written
			break
		}
		if err == nil {
			err = out.refusal(o.AcceptReencoding)
		}
		if err == nil && out.unwrittenEdit() && !o.KeepRaw {
			_ = flush()
			return res, &EditedLinesError{Lines: []int{dec.Line()}}
		}
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
		lines = append(lines, dec.Line())
		line++
		if len(batch) >= o.batch() {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	err := flush()
	if err == nil && len(rejected) > 0 {
		err = &NotWrittenError{Lines: rejected, Err: rejectErr}
	}
	res.Elapsed = time.Since(start)
	if werr := o.Audit.Write(summary("replay", "", o.Connection, o.File, o.Target, res, err)); err == nil {
		err = werr
	}
	return res, err
}

// writeBatch writes a batch, with where each message went when the sink
// says it (sources.PlacingSink), else none.
func writeBatch(ctx context.Context, sink sources.MessageSink, batch []sources.Message) ([]sources.Placement, error) {
	if ps, ok := sink.(sources.PlacingSink); ok {
		return ps.WritePlaced(ctx, batch)
	}
	return nil, sink.Write(ctx, batch)
}

// notDelivered is err, of a batch whose placed messages (at the capture's
// lines) the broker took but for those NotDelivered, naming those lines:
// the others of the batch are written and counted.
func notDelivered(placed []sources.Placement, lines []int, err error) error {
	var ls []string
	for i, p := range placed {
		if p.NotDelivered != nil && i < len(lines) {
			ls = append(ls, strconv.Itoa(lines[i]))
		}
	}
	word := "line"
	if len(ls) > 1 {
		word = "lines"
	}
	if len(ls) > 20 {
		ls = append(ls[:20], fmt.Sprintf("… %d more", len(ls)-20))
	}
	return fmt.Errorf("capture %s %s not delivered (the %d others of its batch written): %w", word, strings.Join(ls, ", "), len(placed)-sources.CountNotDelivered(placed), err)
}

// NotWrittenError ends a replay that wrote every message but some the
// target refused for what they are (a header name the broker's client
// cannot encode): those lines are not written, the others are.
type NotWrittenError struct {
	// Lines are the capture's lines not written, in order.
	Lines []int
	// Err is why the first was not.
	Err error
}

// Error names the lines and why the first was not written.
func (e *NotWrittenError) Error() string {
	return fmt.Sprintf("%s not written (the rest were): %v", LineList(e.Lines), e.Err)
}

// LineList names capture lines: "capture line 3", "capture lines 3, 7"
// (the first 20, then how many more).
func LineList(lines []int) string {
	ls := make([]string, 0, len(lines))
	for i, l := range lines {
		if i == 20 {
			ls = append(ls, fmt.Sprintf("… %d more", len(lines)-20))
			break
		}
		ls = append(ls, strconv.Itoa(l))
	}
	word := "line"
	if len(lines) > 1 {
		word = "lines"
	}
	return "capture " + word + " " + strings.Join(ls, ", ")
}

// Unwrap is why the first was not written.
func (e *NotWrittenError) Unwrap() error { return e.Err }

// LostLineError is why a capture line marked "lost" is not written:
// nothing of its message is left but the notice of its death (a dead
// letter whose original the stream no longer holds, a Redis entry
// deleted while pending), and writing it would publish an empty message
// that looks like one.
type LostLineError struct {
	// Reason is the line's "lost": why nothing of the message is left.
	Reason string
}

// Error says why the line is not written.
func (e *LostLineError) Error() string {
	why := "the line is marked lost"
	if e.Reason != "" {
		why += " (" + e.Reason + ")"
	}
	return why + `: it has no message to write, only the notice of its death (remove "lost" from the line to write it as it stands)`
}
