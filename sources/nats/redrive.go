package nats

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
)

// redriveWindow is how many redrive publishes may wait for their PubAck
// at once.
const redriveWindow = 4096

// ErrUnacknowledged is wrapped by the error of a redrive item whose
// publish got no PubAck: it may or may not be written. A run again with
// the same redrive id writes it at most once (within the target stream's
// duplicate window JetStream drops the duplicate and says so; after it
// the run finds the copy in the target).
var ErrUnacknowledged = errors.New("no PubAck: the copy may or may not be written")

var _ error = (*IncompleteError)(nil)

// controlHeader reports JetStream's publish-control headers: a copy must
// not carry the original's (an expectation would fail it, a rollup purge
// its subject, an old id have it deduplicated away).
func controlHeader(key string) bool {
	switch key {
	case natsgo.MsgIdHdr, "Nats-Expected-Stream", "Nats-Expected-Last-Msg-Id", "Nats-Expected-Last-Sequence",
		"Nats-Expected-Last-Subject-Sequence", "Nats-Rollup", "Nats-TTL":
		return true
	}
	return false
}

// RedriveMsgID is the Nats-Msg-Id of a redriven copy:
// "mqscope-redrive:<dead-letter stream>:<advisory id>", the same for the
// same dead letter whichever run writes it, so any run started again
// within the duplicate window, resumed or new, is deduplicated by
// JetStream. The advisory id is the server's unique id of the advisory
// (AdvisoryID), not its sequence: a dead-letter stream deleted and
// created again numbers its records from 1 again, and its new dead
// letters must not be taken for the old ones.
func RedriveMsgID(source, advisory string) string {
	return redriveMsgIDPrefix + source + ":" + advisory
}

// redriveMsgIDPrefix starts every RedriveMsgID.
const redriveMsgIDPrefix = "mqscope-redrive:"

// AdvisoryID is the id RedriveMsgID gives a dead letter: the id of the
// advisory that announced it; for a message without one (no advisory id,
// or not read from a capture stream), its sequence and the time it was
// stored ("<seq>@<unix nanoseconds>"), which a re-created stream does not
// repeat.
func AdvisoryID(m *sources.Message) string {
	if m.DeadLetter != nil {
		for _, p := range m.DeadLetter.Extra {
			if p.Name == PropertyAdvisory && p.Value != "" {
				return p.Value
			}
		}
	}
	return strconv.FormatInt(m.Offset, 10) + "@" + strconv.FormatInt(m.Timestamp.UnixNano(), 10)
}

// Redrive publishes each item to its target subject (the original subject
// when the target names none), with the item's provenance headers and a
// Nats-Msg-Id from RedriveMsgID (of the dead letter's AdvisoryID), and waits for every PubAck (a window of
// redriveWindow at once). A PubAck that says Duplicate is
// sources.RedriveAlreadyDone: an earlier run wrote the copy. A resumed run
// (req.Since set) whose target's duplicate window has passed since the
// id's first attempt began first reads that target for the copies the
// earlier attempts wrote (writtenBefore): those are RedriveAlreadyDone
// (Found) without being written again, and a target that cannot be read
// whole stops the run before anything is written (ErrCopiesUnknown).
// With item.Remove the dead letter (in a capture stream: its advisory
// record) is deleted from the source stream once the copy is acknowledged,
// before the item is reported.
//
// Every target is checked before anything is written: a subject no stream
// stores refuses the whole run, and so does a request that removes
// (item.Remove) from a source that is no dead-letter stream (CheckSource). An item whose original is gone fails with
// ErrOriginalGone, one the server refused with its error, one the client
// cannot send as it is (a header name it cannot encode:
// ErrUnpublishableHeader; too large) with why, and the run goes on with
// the next; an error of the connection stops the run. An item whose
// PubAck never came (the connection closed, ctx done), or whose record
// could not be removed, is not reported: the run ends with an
// *IncompleteError, and a run again with the same id settles it. A run
// whose ctx is done publishes nothing more; what it published is still
// settled (its PubAck awaited, its record removed) and reported, so the
// outcomes reported are what the targets hold.
//
// report is called one outcome at a time (not always from the same
// goroutine): in PubAck order, or, with Remove, as the records go.
func (c *Conn) Redrive(ctx context.Context, req sources.RedriveRequest, report func(sources.RedriveOutcome)) error {
	if removesFrom(&req) {
		if err := c.CheckSource(ctx, req.Source); err != nil {
			return fmt.Errorf("redrive %s: nothing written: %w", req.ID, err)
		}
	}
	subjects := make([]string, len(req.Items))
	checked := map[string]bool{}
	for i := range req.Items {
		subj := targetSubject(&req.Items[i])
		subjects[i] = subj
		if subj == "" || checked[subj] || lostUnedited(&req.Items[i]) {
			continue
		}
		if err := c.CheckTarget(ctx, sources.Target{Stream: subj}); err != nil {
			return fmt.Errorf("redrive %s: nothing written: %w", req.ID, err)
		}
		checked[subj] = true
	}
	source := ""
	for i := range req.Items {
		if req.Items[i].Remove {
			if _, err := c.stream(ctx, req.Source); err != nil {
				return fmt.Errorf("redrive %s: nothing written: the source %s: %w", req.ID, req.Source, err)
			}
			source = req.Source
			break
		}
	}

	// Past a target's duplicate window JetStream no longer drops a copy an
	// earlier attempt wrote: the run looks for them there first.
	found, err := c.writtenBefore(ctx, &req, subjects)
	if err != nil {
		return fmt.Errorf("redrive %s: nothing written: %w", req.ID, err)
	}

	// A JetStream context of the run's own: its window is the run's alone.
	js, err := jetstream.New(c.nc, jetstream.WithDefaultTimeout(c.timeout),
		jetstream.WithPublishAsyncMaxPending(redriveWindow))
	if err != nil {
		return fmt.Errorf("redrive %s: nothing written: %w", req.ID, err)
	}
	defer js.CleanupPublisher()
	run := &redriveRun{c: c, ctx: ctx, req: &req, subjects: subjects, source: source, report: report}
	if source != "" {
		run.removals = make(chan sources.RedriveOutcome, redriveWindow)
		for range removers {
			run.removers.Add(1)
			go run.remover()
		}
	}
	var interval time.Duration
	if req.Rate > 0 {
		interval = time.Duration(float64(time.Second) / req.Rate)
	}
	next := time.Now()
	for i := range req.Items {
		if err := ctx.Err(); err != nil {
			return run.finish(fmt.Errorf("stopped before item %d of %d: %w", i, len(req.Items), err))
		}
		item := &req.Items[i]
		if err := unsendable(item, subjects[i]); err != nil {
			run.tell(sources.RedriveOutcome{Item: i, Result: sources.RedriveFailed, Err: err})
			continue
		}
		if pos, ok := found[i]; ok { // an earlier attempt wrote it: its record goes, nothing is written
			out := sources.RedriveOutcome{Item: i, Result: sources.RedriveAlreadyDone, Position: pos, Found: true}
			if item.Remove && run.removals != nil {
				run.removals <- out
			} else {
				run.tell(out)
			}
			continue
		}
		if interval > 0 {
			if wait := time.Until(next); wait > 0 {
				run.settleAcked()
				t := time.NewTimer(wait)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return run.finish(fmt.Errorf("stopped before item %d of %d: %w", i, len(req.Items), ctx.Err()))
				}
			}
			if now := time.Now(); next.Before(now) {
				next = now
			}
			next = next.Add(interval)
		}
		msg := copyOf(item, subjects[i])
		if err := unpublishable(item, msg); err != nil {
			run.tell(sources.RedriveOutcome{Item: i, Result: sources.RedriveFailed, Err: err})
			continue
		}
		f, err := js.PublishMsgAsync(msg, jetstream.WithMsgID(RedriveMsgID(req.Source, AdvisoryID(&item.Message))))
		if err != nil && messageLevel(err) { // this message, not the connection: the rest go on
			run.tell(sources.RedriveOutcome{Item: i, Result: sources.RedriveFailed, Err: fmt.Errorf("%s to %s: not written: %w", item.Message.At(), subjects[i], err)})
			continue
		}
		if err != nil {
			return run.finish(fmt.Errorf("publish %s to %s (item %d not written): %w", item.Message.At(), subjects[i], i, err))
		}
		run.pending = append(run.pending, inFlight{item: i, ack: f, sent: time.Now()})
		// Wait only when the window is full; every reportEvery publishes,
		// hand over what is acknowledged already.
		if len(run.pending) >= redriveWindow {
			run.settle(time.Time{})
		}
		if run.silent { // the server is not answering: publish no more
			return run.finish(fmt.Errorf("stopped after item %d of %d: no PubAck within %s", i, len(req.Items), c.timeout))
		}
		if i%reportEvery == 0 {
			run.settleAcked()
		}
	}
	return run.finish(nil)
}

// lostUnedited reports an item whose original is gone and that no edit
// gives a value again: there is nothing to publish. An edited one is
// published, with its edited value and headers, to its target.
func lostUnedited(item *sources.RedriveItem) bool {
	return GoneOriginal(&item.Message) && item.Value == nil
}

// reportEvery is how many publishes a redrive makes between two looks
// for PubAcks already there (to report them before the window is full).
const reportEvery = 64

// removers is how many advisory records a redrive removes at once.
const removers = 8

// inFlight is a publish waiting for its PubAck.
type inFlight struct {
	item int
	ack  jetstream.PubAckFuture
	sent time.Time
}

// redriveRun is one Redrive under way.
type redriveRun struct {
	c        *Conn
	ctx      context.Context
	req      *sources.RedriveRequest
	subjects []string
	source   string // the capture stream, when records are removed

	pending  []inFlight
	silent   bool                        // a PubAck did not come within the timeout
	removals chan sources.RedriveOutcome // acknowledged, the record to remove
	removers sync.WaitGroup

	mu     sync.Mutex // report, doubt
	report func(sources.RedriveOutcome)
	doubt  IncompleteError
}

// tell reports one outcome (one at a time).
func (r *redriveRun) tell(o sources.RedriveOutcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.report(o)
}

// inDoubt keeps an item whose outcome is not known: it is not reported.
func (r *redriveRun) inDoubt(item int, unacked bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if unacked {
		r.doubt.Unacknowledged = append(r.doubt.Unacknowledged, item)
	} else {
		r.doubt.NotRemoved = append(r.doubt.NotRemoved, item)
	}
	r.doubt.last = err
}

// settle waits for the oldest publish's PubAck (until by, or, when by is
// zero, for the connection's timeout from the publish) and reports it, or
// hands it to the removers.
func (r *redriveRun) settle(by time.Time) {
	p := r.pending[0]
	r.pending = r.pending[1:]
	item := &r.req.Items[p.item]
	out := sources.RedriveOutcome{Item: p.item}
	var grace <-chan time.Time
	if !acked(p.ack) {
		// Timed only when the PubAck is not there yet (a timer for
		// every publish costs a fifth of the run).
		if by.IsZero() {
			by = p.sent.Add(r.c.timeout)
		}
		t := time.NewTimer(time.Until(by))
		defer t.Stop()
		grace = t.C
	}
	select {
	case ack := <-p.ack.Ok():
		out.Result, out.Position = sources.RedriveWritten, ack.Stream+"@"+strconv.FormatUint(ack.Sequence, 10)
		if ack.Duplicate {
			out.Result = sources.RedriveAlreadyDone
		}
		if item.Remove {
			r.removals <- out
			return
		}
	case err := <-p.ack.Err():
		if !definite(err) {
			r.inDoubt(p.item, true, err)
			return
		}
		out.Result, out.Err = sources.RedriveFailed, fmt.Errorf("%s to %s: not written: %w", item.Message.At(), r.subjects[p.item], err)
	case <-grace:
		r.inDoubt(p.item, true, fmt.Errorf("no PubAck within %s", r.c.timeout))
		r.silent = true
		return
	}
	r.tell(out)
}

// settleAcked reports the oldest publishes whose PubAck is there.
func (r *redriveRun) settleAcked() {
	for len(r.pending) > 0 && acked(r.pending[0].ack) {
		r.settle(time.Time{})
	}
}

// remover deletes the advisory records of acknowledged copies, then
// reports them. A run that is stopped still removes the records of the
// copies it has written (each removal bounded by the connection's
// timeout), so what it reports is what the target holds: a removal cut
// off by the stop could be done by the server and reported as not.
func (r *redriveRun) remover() {
	defer r.removers.Done()
	ctx := context.WithoutCancel(r.ctx)
	for out := range r.removals {
		seq := r.req.Items[out.Item].Message.Offset
		if err := r.c.removeRecord(ctx, r.source, seq); err != nil {
			r.inDoubt(out.Item, false, err)
			continue
		}
		r.tell(out)
	}
}

// finish settles what is under way (each PubAck has the connection's
// timeout) and says what is left in doubt, with cause.
func (r *redriveRun) finish(cause error) error {
	by := time.Now().Add(r.c.timeout)
	for len(r.pending) > 0 {
		r.settle(by)
	}
	if r.removals != nil {
		close(r.removals)
		r.removers.Wait()
	}
	if cause == nil && r.c.nc.IsClosed() {
		cause = natsgo.ErrConnectionClosed
	}
	d := &r.doubt
	if len(d.Unacknowledged)+len(d.NotRemoved) == 0 {
		if cause != nil {
			return fmt.Errorf("redrive %s: %w", r.req.ID, cause)
		}
		return nil
	}
	sort.Ints(d.Unacknowledged)
	sort.Ints(d.NotRemoved)
	d.Window = r.c.duplicateWindow(r.subjects, d)
	if cause == nil {
		cause = d.last
	}
	d.Err = cause
	return fmt.Errorf("redrive %s: %w", r.req.ID, d)
}

// IncompleteError is a redrive run's end when some items' outcomes are
// not known: published without a PubAck (the connection closed, the
// server did not answer), or acknowledged while their advisory record
// could not be removed. Those items are not reported; a run again with
// the same redrive id writes each at most once and removes the records:
// within the duplicate window JetStream answers Duplicate
// (RedriveAlreadyDone), after it the run finds the copies in the target
// (RedriveRequest.Since).
type IncompleteError struct {
	// Unacknowledged and NotRemoved are item indexes.
	Unacknowledged, NotRemoved []int
	// Window is the shortest duplicate window of the targets (0 unknown).
	Window time.Duration
	// Err is what stopped the run or the last failure.
	Err  error
	last error
}

// Error says how many items are in doubt and what to do.
func (e *IncompleteError) Error() string {
	var parts []string
	if n := len(e.Unacknowledged); n > 0 {
		parts = append(parts, fmt.Sprintf("%d item(s) published without a PubAck", n))
	}
	if n := len(e.NotRemoved); n > 0 {
		parts = append(parts, fmt.Sprintf("%d written with the dead-letter record not removed (not counted as redriven until a run again removes it)", n))
	}
	s := strings.Join(parts, ", ")
	if e.Window > 0 {
		s += fmt.Sprintf("; run again with the same id to settle them without doubles (within %s JetStream drops the doubles; later the run looks for them in the targets)", e.Window)
	} else {
		s += "; run again with the same id to settle them without doubles"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap is the cause (and ErrUnacknowledged when items lack a PubAck).
func (e *IncompleteError) Unwrap() []error {
	out := []error{e.Err}
	if len(e.Unacknowledged) > 0 {
		out = append(out, ErrUnacknowledged)
	}
	return out
}

// InDoubt are the items not reported: published without a PubAck, and
// written with the record not removed (sources.RedriveDoubt).
func (e *IncompleteError) InDoubt() []int {
	out := append(append([]int(nil), e.Unacknowledged...), e.NotRemoved...)
	sort.Ints(out)
	return out
}

var _ sources.RedriveDoubt = (*IncompleteError)(nil)

// duplicateWindow is the shortest duplicate window of the streams the
// in-doubt items' subjects go to (0 when it cannot be known now).
func (c *Conn) duplicateWindow(subjects []string, e *IncompleteError) time.Duration {
	var w time.Duration
	seen := map[string]bool{}
	for _, i := range append(append([]int(nil), e.Unacknowledged...), e.NotRemoved...) {
		subj := subjects[i]
		if seen[subj] || c.nc.IsClosed() {
			continue
		}
		seen[subj] = true
		ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
		name, err := c.js.StreamNameBySubject(ctx, subj)
		if err == nil {
			if s, err := c.stream(ctx, name); err == nil {
				if d := s.CachedInfo().Config.Duplicates; d > 0 && (w == 0 || d < w) {
					w = d
				}
			}
		}
		cancel()
	}
	return w
}

// definite reports a publish error after which the copy is surely not
// written: the server refused it, or no stream answered.
func definite(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) || errors.Is(err, natsgo.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse)
}

// acked reports a future that has its answer.
func acked(f jetstream.PubAckFuture) bool {
	return len(f.Ok()) > 0 || len(f.Err()) > 0
}

// removeRecord deletes a dead letter's advisory record from the capture
// stream (one already gone counts as removed: an earlier run, or a delete
// whose answer was lost, removed it).
func (c *Conn) removeRecord(ctx context.Context, source string, seq int64) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := json.Marshal(struct {
		Seq     uint64 `json:"seq"`
		NoErase bool   `json:"no_erase"`
	}{uint64(seq), true})
	if err != nil {
		return fmt.Errorf("the dead-letter record %s#%d: %w", source, seq, err)
	}
	resp, err := c.nc.RequestWithContext(ctx, "$JS.API.STREAM.MSG.DELETE."+source, req)
	if err != nil {
		return fmt.Errorf("the dead-letter record %s#%d was not removed: %w", source, seq, err)
	}
	var answer struct {
		Success bool                `json:"success"`
		Error   *jetstream.APIError `json:"error"`
	}
	if err := json.Unmarshal(resp.Data, &answer); err != nil {
		return fmt.Errorf("the dead-letter record %s#%d: the server's answer: %w", source, seq, err)
	}
	switch {
	case answer.Success:
		return nil
	case answer.Error != nil && (answer.Error.ErrorCode == errCodeNoMessageFound || answer.Error.ErrorCode == jetstream.JSErrCodeMessageNotFound):
		return nil
	case answer.Error != nil:
		return fmt.Errorf("the dead-letter record %s#%d was not removed: %w", source, seq, answer.Error)
	}
	return fmt.Errorf("the dead-letter record %s#%d was not removed: the server said neither yes nor why", source, seq)
}

// errCodeNoMessageFound is the server's "no message found" (a delete of a
// sequence the stream does not hold).
const errCodeNoMessageFound jetstream.ErrorCode = 10057

// unsendable is why Redrive fails an item before making its copy (its
// original gone, no subject); nil when it makes one.
func unsendable(item *sources.RedriveItem, subject string) error {
	switch {
	case lostUnedited(item):
		return fmt.Errorf("%s: %w", item.Message.At(), ErrOriginalGone)
	case subject == "":
		return fmt.Errorf("%s: no target subject and no original subject: %w", item.Message.At(), sources.ErrBadTarget)
	}
	return nil
}

// unpublishable is why Redrive fails an item's copy msg before
// publishing it: a header name the client cannot publish.
func unpublishable(item *sources.RedriveItem, msg *natsgo.Msg) error {
	if err := headerRefusal(msg.Header); err != nil {
		return fmt.Errorf("%s to %s: not written: %w", item.Message.At(), msg.Subject, err)
	}
	return nil
}

// RedriveItemError is the error Redrive would fail item with before
// publishing it (sources.RedriveItemChecker), for a dry run to tell.
func (c *Conn) RedriveItemError(item *sources.RedriveItem) error {
	subject := targetSubject(item)
	if err := unsendable(item, subject); err != nil {
		return err
	}
	return unpublishable(item, copyOf(item, subject))
}

// targetSubject is where an item goes: its target, else the original
// subject (the message's Key).
func targetSubject(item *sources.RedriveItem) string {
	if item.Target.Stream != "" {
		return item.Target.Stream
	}
	return string(item.Message.Key)
}

// copyOf is the message a redrive publishes for an item: the item's
// headers (those of the original the plan keeps, then the provenance
// headers) less JetStream's publish controls and the death headers read
// from the advisory; the edited value when there is one. The original's
// own Nats-Msg-Id (not a redrive's) goes as
// dlq.HeaderRedriveOriginalMsgID, unless the item carries one already
// (a copy redriven again keeps the first).
func copyOf(item *sources.RedriveItem, subject string) *natsgo.Msg {
	msg := natsgo.NewMsg(subject)
	msg.Data = item.Message.Value
	if item.Value != nil {
		msg.Data = item.Value
	}
	original, kept := "", false
	for _, h := range item.Headers {
		switch {
		case h.Key == natsgo.MsgIdHdr && !strings.HasPrefix(string(h.Value), redriveMsgIDPrefix):
			original = string(h.Value)
		case h.Key == dlq.HeaderRedriveOriginalMsgID:
			kept = true
		}
		if !controlHeader(h.Key) && !deathHeader(h.Key) {
			msg.Header.Add(h.Key, string(h.Value))
		}
	}
	if original != "" && !kept {
		msg.Header.Set(dlq.HeaderRedriveOriginalMsgID, original)
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
	info, err := s.Info(ctx) // not the cached one: the stream's config now
	if err != nil {
		return fmt.Errorf("target subject %q: stream %s: %w", t.Stream, name, err)
	}
	if captureOf(info.Config.Subjects) != nil {
		return fmt.Errorf("subject %q is stored by %s, which captures dead-letter advisories: %w", t.Stream, name, sources.ErrBadTarget)
	}
	if info.Config.NoAck {
		return fmt.Errorf("subject %q is stored by %s, which does not acknowledge publishes (no_ack): what a copy there became could not be known: %w", t.Stream, name, sources.ErrBadTarget)
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
