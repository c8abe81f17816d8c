package nats

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
)

// redriveWindow is how many redrive publishes may wait for their PubAck
// at once.
const redriveWindow = 256

// ErrUnacknowledged is wrapped by the error of a redrive item whose
// publish got no PubAck: it may or may not be written. A run again with
// the same redrive id within the target stream's duplicate window writes
// it at most once (JetStream drops the duplicate and says so).
var ErrUnacknowledged = errors.New("no PubAck: the copy may or may not be written")

// controlHeaders are JetStream's publish-control headers: a copy must not
// carry the original's (an expectation would fail it, a rollup purge its
// subject, an old id be deduplicated away).
var controlHeaders = map[string]bool{
	natsgo.MsgIdHdr:                       true,
	"Nats-Expected-Stream":                true,
	"Nats-Expected-Last-Msg-Id":           true,
	"Nats-Expected-Last-Sequence":         true,
	"Nats-Expected-Last-Subject-Sequence": true,
	"Nats-Rollup":                         true,
	"Nats-TTL":                            true,
}

// RedriveMsgID is the Nats-Msg-Id of a redriven copy: the same for the
// same run id, source stream and sequence, so a run started again within
// the duplicate window is deduplicated by JetStream.
func RedriveMsgID(id, source string, seq int64) string {
	return "mqscope-redrive:" + id + ":" + source + ":" + strconv.FormatInt(seq, 10)
}

// Redrive publishes each item to its target subject (the original subject
// when the target names none), with the item's provenance headers and a
// Nats-Msg-Id from RedriveMsgID, and waits for every PubAck (a window of
// redriveWindow at once). A PubAck that says Duplicate is
// sources.RedriveAlreadyDone: an earlier run of the same id wrote the copy.
// With item.Remove the advisory record is deleted from the source capture
// stream once the copy is acknowledged (an outcome whose copy is written
// but whose record could not be deleted carries that in Err).
//
// Every target is checked before anything is written: a subject no stream
// stores refuses the whole run. An item whose original is gone fails with
// ErrOriginalGone; one whose PubAck never came (the connection closed,
// ctx done) fails with ErrUnacknowledged.
func (c *Conn) Redrive(ctx context.Context, req sources.RedriveRequest, report func(sources.RedriveOutcome)) error {
	subjects := make([]string, len(req.Items))
	checked := map[string]bool{}
	for i := range req.Items {
		subj := targetSubject(&req.Items[i])
		subjects[i] = subj
		if subj == "" || checked[subj] || GoneOriginal(&req.Items[i].Message) {
			continue
		}
		if err := c.CheckTarget(ctx, sources.Target{Stream: subj}); err != nil {
			return fmt.Errorf("redrive %s: nothing written: %w", req.ID, err)
		}
		checked[subj] = true
	}
	var source jetstream.Stream
	for i := range req.Items {
		if req.Items[i].Remove {
			s, err := c.stream(ctx, req.Source)
			if err != nil {
				return fmt.Errorf("redrive %s: nothing written: the source %s: %w", req.ID, req.Source, err)
			}
			source = s
			break
		}
	}

	type inFlight struct {
		item int
		ack  jetstream.PubAckFuture
	}
	var pending []inFlight
	// settle waits for the oldest publish's PubAck and reports it.
	settle := func(grace <-chan time.Time) {
		p := pending[0]
		pending = pending[1:]
		item := &req.Items[p.item]
		out := sources.RedriveOutcome{Item: p.item}
		select {
		case ack := <-p.ack.Ok():
			out.Result, out.Position = sources.RedriveWritten, ack.Stream+"@"+strconv.FormatUint(ack.Sequence, 10)
			if ack.Duplicate {
				out.Result = sources.RedriveAlreadyDone
			}
			if item.Remove {
				if err := c.removeRecord(source, item.Message.Offset); err != nil {
					out.Err = err
				}
			}
		case err := <-p.ack.Err():
			out.Result, out.Err = sources.RedriveFailed, publishError(err)
		case <-grace:
			out.Result, out.Err = sources.RedriveFailed, fmt.Errorf("%w: none within %s", ErrUnacknowledged, c.timeout)
		}
		report(out)
	}
	drain := func() {
		grace := time.After(c.timeout)
		for len(pending) > 0 {
			settle(grace)
		}
	}

	var interval time.Duration
	if req.Rate > 0 {
		interval = time.Duration(float64(time.Second) / req.Rate)
	}
	next := time.Now()
	for i := range req.Items {
		if err := ctx.Err(); err != nil {
			drain()
			return fmt.Errorf("redrive %s: stopped after %d of %d: %w", req.ID, i, len(req.Items), err)
		}
		item := &req.Items[i]
		if GoneOriginal(&item.Message) {
			report(sources.RedriveOutcome{Item: i, Result: sources.RedriveFailed, Err: fmt.Errorf("%s: %w", item.Message.At(), ErrOriginalGone)})
			continue
		}
		if subjects[i] == "" {
			report(sources.RedriveOutcome{Item: i, Result: sources.RedriveFailed, Err: fmt.Errorf("%s: no target subject and no original subject: %w", item.Message.At(), sources.ErrBadTarget)})
			continue
		}
		if interval > 0 {
			if wait := time.Until(next); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					drain()
					return fmt.Errorf("redrive %s: stopped after %d of %d: %w", req.ID, i, len(req.Items), ctx.Err())
				}
			}
			if now := time.Now(); next.Before(now) {
				next = now
			}
			next = next.Add(interval)
		}
		msg := copyOf(item, subjects[i])
		f, err := c.js.PublishMsgAsync(msg, jetstream.WithMsgID(RedriveMsgID(req.ID, req.Source, item.Message.Offset)))
		if err != nil {
			drain()
			return fmt.Errorf("redrive %s: publish %s to %s: %w", req.ID, item.Message.At(), subjects[i], err)
		}
		pending = append(pending, inFlight{item: i, ack: f})
		// Hand over what is acknowledged already; wait only when the
		// window is full.
		for len(pending) > 0 && (len(pending) >= redriveWindow || acked(pending[0].ack)) {
			settle(nil)
		}
	}
	drain()
	if c.nc.IsClosed() {
		return fmt.Errorf("redrive %s: %w", req.ID, natsgo.ErrConnectionClosed)
	}
	return nil
}

// acked reports a future that has its answer.
func acked(f jetstream.PubAckFuture) bool {
	return len(f.Ok()) > 0 || len(f.Err()) > 0
}

// publishError says whether a failed publish may still have been written.
func publishError(err error) error {
	var apiErr *jetstream.APIError
	switch {
	case errors.As(err, &apiErr), errors.Is(err, natsgo.ErrNoResponders), errors.Is(err, jetstream.ErrNoStreamResponse):
		return fmt.Errorf("not written: %w", err)
	}
	return fmt.Errorf("%w: %w", ErrUnacknowledged, err)
}

// removeRecord deletes a dead letter's advisory record from the capture
// stream (one already gone counts as removed).
func (c *Conn) removeRecord(source jetstream.Stream, seq int64) error {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	if err := source.DeleteMsg(ctx, uint64(seq)); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("written, but the advisory record %s#%d was not removed: %w", source.CachedInfo().Config.Name, seq, err)
	}
	return nil
}

// targetSubject is where an item goes: its target, else the original
// subject (the message's Key).
func targetSubject(item *sources.RedriveItem) string {
	if item.Target.Stream != "" {
		return item.Target.Stream
	}
	return string(item.Message.Key)
}

// copyOf is the message a redrive publishes for an item: the original's
// headers less JetStream's publish controls, then the provenance headers;
// the edited value when there is one.
func copyOf(item *sources.RedriveItem, subject string) *natsgo.Msg {
	msg := natsgo.NewMsg(subject)
	msg.Data = item.Message.Value
	if item.Value != nil {
		msg.Data = item.Value
	}
	for _, h := range item.Message.Headers {
		if !controlHeaders[h.Key] {
			msg.Header.Add(h.Key, string(h.Value))
		}
	}
	for _, h := range item.Headers {
		msg.Header.Add(h.Key, string(h.Value))
	}
	return msg
}

// CheckTarget refuses a target that is not a plain subject (empty, with
// wildcards or spaces, an exchange, a $JS or $SYS subject) or that no
// stream stores: a copy published there would be lost. A subject a
// capture stream stores is refused too.
func (c *Conn) CheckTarget(ctx context.Context, t sources.Target) error {
	if t.Exchange {
		return fmt.Errorf("a NATS target is a subject, not an exchange: %w", sources.ErrBadTarget)
	}
	if err := LegalSubject(t.Stream); err != nil {
		return err
	}
	name, err := c.js.StreamNameBySubject(ctx, t.Stream)
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		return fmt.Errorf("no stream on %s stores subject %q (a copy published there would be lost): %w", c.address, t.Stream, sources.ErrBadTarget)
	case err != nil:
		return fmt.Errorf("target subject %q: %w", t.Stream, err)
	}
	s, err := c.stream(ctx, name)
	if err != nil {
		return fmt.Errorf("target subject %q: %w", t.Stream, err)
	}
	if captureOf(s.CachedInfo().Config.Subjects) != nil {
		return fmt.Errorf("subject %q is stored by %s, which captures dead-letter advisories: %w", t.Stream, name, sources.ErrBadTarget)
	}
	return nil
}

// LegalSubject says why a subject cannot be published to (nil when it can).
func LegalSubject(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("no subject: %w", sources.ErrBadTarget)
	case strings.ContainsAny(s, " \t\r\n"):
		return fmt.Errorf("subject %q has white space: %w", s, sources.ErrBadTarget)
	case strings.HasPrefix(s, "$JS.") || strings.HasPrefix(s, "$SYS."):
		return fmt.Errorf("subject %q is a system subject: %w", s, sources.ErrBadTarget)
	}
	for _, tok := range strings.Split(s, ".") {
		if tok == "" || tok == "*" || tok == ">" {
			return fmt.Errorf("subject %q is not a plain subject (empty tokens and wildcards are not published to): %w", s, sources.ErrBadTarget)
		}
	}
	return nil
}
