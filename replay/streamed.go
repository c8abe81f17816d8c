package replay

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mqscope/mqscope/sources"
)

// deliveryIdle ends a run that receives nothing more (the rest of the queue
// is held by other consumers).
const deliveryIdle = time.Second

// confirmTimeout is how long a run waits for the next publisher confirm.
const confirmTimeout = 30 * time.Second

// maxUnconfirmed is the most messages a run has published and not yet seen
// confirmed, whatever its batch (the Shovel's default prefetch): what a
// run killed at the wrong moment may have sent twice.
const maxUnconfirmed = 1000

// errJournal marks a failure to journal what is about to be published:
// nothing more is published.
var errJournal = errors.New("journal")

// pending is one published message waiting for its confirm, or one to
// acknowledge without sending (skip).
type pending struct {
	d   sources.DeliveryAcker
	tag uint64 // its publish sequence number, as confirms give it
	it  Item
	// id is its identity (StreamDelivery.Identity), which the journal counts.
	id       string
	pos      string
	target   string // the target, for people
	returned string
	ack      bool
	// claim is what an earlier run left open for its identity, copies how
	// many.
	claim  Claim
	copies int
	// skip: an earlier run's copy was confirmed; the source is
	// acknowledged, not sent.
	skip bool
	// corr is its correlation id, kept for a possible duplicate.
	corr string
}

// streamRun is the state of one redrive of a StreamRedriver.
type streamRun struct {
	p    *Plan
	o    RunOptions
	conn string
	all  bool
	// selected are the plan's fingerprints (read while preparing);
	// selectedLeft counts, per fingerprint, the messages still to take.
	selected     fingerprintSet
	selectedLeft fingerprintTally[int]
	res          Result
	start        time.Time
	// inflight are published messages in publish order, waiting for confirms.
	inflight []*pending
	byPos    map[string]*pending
	// confirmed are acknowledged by the broker, waiting for journal and ack.
	confirmed []*pending
	held      []sources.DeliveryAcker
	// published counts publishes: the confirms' delivery tags.
	published uint64
	// maxInflight bounds inflight (maxUnconfirmed at most).
	maxInflight int
	// sent are the journal entries of what is about to be published,
	// written before it is.
	sent []JournalEntry
	// settle journals and acknowledges what is confirmed.
	settle *settler
	// prefetch is the consumer's: the broker sends no more while as many
	// deliveries are unacknowledged.
	prefetch int
	// multiAck is true while every delivery taken so far is acked or
	// nacked in order, so one ack with multiple=true settles them all.
	multiAck bool
}

// RedriveStreamed moves messages out of a dead-letter queue a connection
// consumes itself (sources.StreamRedriver: RabbitMQ) with at-least-once
// order: consume with manual acknowledgement, journal, publish (mandatory,
// with publisher confirms), and only after the broker confirmed, journal
// and ack the source. It streams: deliveries keep flowing while confirms
// come back (at most maxUnconfirmed at once), and sources are acknowledged
// in groups once their confirms and the journal are in. A return
// (unroutable) or a nack leaves the source message in the queue (given
// back at the end) and is reported, as is a message that cannot be read
// or published. The run takes at most the number of messages the queue
// held when it started. With all set, every message is taken; otherwise
// only the messages of the plan (matched by Fingerprint, as many of each
// as the plan holds), the others are held and given back at the end.
//
// The journal counts messages by the identity the connector gives each
// (StreamDelivery.Identity): a resumed run acknowledges without sending as
// many alike messages as earlier runs had confirmed and could not
// acknowledge, and sends again, reported in Result.PossibleDuplicates, the
// ones an earlier run may have sent before it was stopped.
func RedriveStreamed(ctx context.Context, c sources.StreamRedriver, p *Plan, all bool, o RunOptions) (res Result, err error) {
	defer func() { _ = o.Audit.Write(summary("redrive", p.ID, c.Name(), p.Source, targetsOf(p, res), res, err)) }()
	return redriveStreamed(ctx, c, p, all, o)
}

func redriveStreamed(ctx context.Context, c sources.StreamRedriver, p *Plan, all bool, o RunOptions) (Result, error) {
	r := &streamRun{p: p, o: o, conn: c.Name(), all: all, byPos: map[string]*pending{},
		multiAck: true, start: time.Now(), res: Result{PerTarget: map[string]int{}}}
	for _, it := range p.Items {
		fp := Fingerprint(it.Msg)
		r.selected.add(fp)
		r.selectedLeft.set(fp, r.selectedLeft.get(fp)+1)
	}
	total, err := c.QueueDepth(ctx, p.Source)
	if err != nil {
		return r.res, fmt.Errorf("redrive %s: %w", p.ID, err)
	}
	r.res.Total = total
	if !all {
		r.res.Total = len(p.Items)
	}
	if total == 0 {
		return r.res, nil
	}
	window := o.batch()
	r.maxInflight = min(2*window, maxUnconfirmed)
	// The broker delivers no more than maxUnconfirmed unacknowledged: no
	// more can be published and not confirmed, whatever the loop does.
	prefetch := maxUnconfirmed
	if !all {
		prefetch = min(total, 50000) // unselected messages are held to the end
	}
	r.prefetch = prefetch
	t, err := c.OpenRedrive(ctx, sources.StreamRedriveOptions{ID: p.ID, Source: p.Source, Prefetch: prefetch, Window: window,
		PassThrough: all && len(p.opts.Edits) == 0, Decide: r.decide, BeforeWrite: r.writeSent,
		KeepHeader: func(k string) bool { return KeepHeader(k, p.opts.DropHeaders, p.opts.KeepHeaders) }})
	if err != nil {
		return r.res, err
	}
	defer t.Close() // last: after the held ones are given back
	defer func() {
		for _, d := range r.held {
			_ = d.Nack(false, true)
		}
	}()
	r.settle = newSettler(p.ID, o.Journal, o.Audit, t.Sync)
	defer func() { _ = r.settle.close() }() // before the held ones are given back
	return r.loop(ctx, t, total)
}

// planned is the plan's decision of one delivery, as the connector hands
// it back (StreamDelivery.Plan).
type planned struct {
	// fp is the message's Fingerprint, for a plan's selection and edits
	// (empty when the run needs neither).
	fp string
	// it is the plan's decision; only its message when the delivery is not
	// in the plan.
	it Item
}

// decide plans one delivery for the connector (on its goroutine, in
// delivery order): the plan's decision when the delivery is one of the
// plan's, and the copy to write when it goes somewhere.
func (r *streamRun) decide(m sources.Message) sources.StreamDecision {
	pl := &planned{it: Item{Msg: m}}
	if !r.all || len(r.p.opts.Edits) > 0 {
		pl.fp = Fingerprint(m)
	}
	dec := sources.StreamDecision{Plan: pl}
	if r.all || r.selected.has(pl.fp) { // (selected is only read once the run started)
		pl.it = r.p.decide(m, pl.fp)
		if pl.it.Action == Redrive || pl.it.Action == Park && r.p.opts.ParkTo != "" {
			dec.Write, dec.Target = true, pl.it.Target
			if pl.it.Edit != nil {
				dec.Edit = &sources.StreamEdit{Headers: pl.it.Headers, Value: pl.it.Edit.Value}
			} else {
				dec.Provenance = provenance(pl.it)
			}
		}
	}
	return dec
}

// loop takes, publishes, confirms and settles until the run ends.
func (r *streamRun) loop(ctx context.Context, t sources.RedriveStream, total int) (Result, error) {
	lim := newLimiter(r.o.Rate)
	idle := time.NewTimer(deliveryIdle)
	defer idle.Stop()
	stalled := time.NewTimer(confirmTimeout) // no confirm for this long while some are due: give up
	defer stalled.Stop()
	flushEvery := time.NewTicker(50 * time.Millisecond)
	defer flushEvery.Stop()
	taken, lastProgress := 0, 0
	var loopErr error
	taking := true
	cancelled := ctx.Done()
	// confirmed takes a confirm (ok) or the end of the confirms (!ok).
	confirmed := func(ok bool, tag uint64, multiple, ack bool) error {
		stalled.Reset(confirmTimeout)
		if !ok {
			loopErr = fmt.Errorf("the channel closed with %d messages unconfirmed", len(r.inflight))
			r.res.stopped(ConnectionLost, "the channel closed")
			taking = false
			r.inflight = nil
			return nil
		}
		for _, ret := range t.Returned() {
			if pd := r.byPos[ret.Position]; pd != nil {
				pd.returned = ret.String()
			}
		}
		r.confirmUpTo(tag, multiple, ack)
		if len(r.confirmed) >= r.maxInflight/4 {
			return r.flush()
		}
		return nil
	}
	// settleFailed ends taking once acknowledging failed (the consuming
	// connection is likely gone); the confirms of what was published are
	// still waited for, so what the broker confirmed is journalled and a
	// resumed run does not send it again.
	var settleErr error
	settleFailed := func(err error) {
		if settleErr == nil {
			settleErr = err
		}
		taking = false
	}
	blocker, _ := t.(sources.PublishBlocker)
	var part []sources.StreamDelivery // in hand, taken from next on
	next := 0
	alwaysReady := make(chan struct{}) // closed: a case on it is always ready
	close(alwaysReady)
	for taking || len(r.inflight) > 0 {
		in, more := t.Deliveries(), (<-chan struct{})(nil)
		if next < len(part) {
			in, more = nil, alwaysReady // the part in hand first
		}
		if !taking || len(r.inflight) >= r.maxInflight {
			in, more = nil, nil // stop taking; wait for confirms
		}
		if in == nil && more == nil { // nothing more to take now: send what is gathered
			if err := t.Flush(); err != nil {
				r.publishFailed(err, &loopErr)
				taking = false
			}
		}
		guardChanged := r.o.Guard.changes() // taken before the state is read: no change is missed
		if why, stopped := r.o.Guard.stopped(); stopped && taking {
			taking = false
			r.res.stopped(why.Reason, why.Detail)
		}
		if paused, _ := r.o.Guard.Paused(); paused {
			in, more = nil, nil // the breaker tripped: wait for resume or stop
			idle.Reset(deliveryIdle)
		}
		blockChanged := r.followBlock(blocker)
		if r.res.Blocked != nil {
			in, more = nil, nil // the broker blocks publishing: wait until it unblocks
			idle.Reset(deliveryIdle)
			stalled.Reset(confirmTimeout) // confirms wait too: not a stall
		}
		select {
		case <-blockChanged: // the loop looks at the block again
		case <-guardChanged: // the loop looks at the guard again
		case b, ok := <-in:
			if !ok {
				r.res.stopped(ConnectionLost, t.Ended())
				taking = false
				if len(r.inflight) > 0 {
					loopErr = fmt.Errorf("the channel closed with %d messages unconfirmed", len(r.inflight))
				}
				break
			}
			part, next = b, 0
			idle.Reset(deliveryIdle)
		case <-more:
			pd := &part[next]
			next++
			idle.Reset(deliveryIdle)
			taken++
			err := r.take(ctx, pd, t, lim)
			if err == nil && (pd.Last || r.o.Rate > 0) { // the end of what arrived at once, or paced: out now
				err = t.Flush()
			}
			if err != nil {
				r.publishFailed(err, &loopErr)
				taking = false
			}
			if taken >= total || r.res.Stop.Early() {
				taking = false
			}
		case cf, ok := <-t.Confirms():
			if err := confirmed(ok, cf.Tag, cf.Multiple, cf.Ack); err != nil {
				settleFailed(err)
			}
		case <-flushEvery.C:
			if err := r.flush(); err != nil {
				settleFailed(err)
			}
			if r.o.Guard != nil {
				_, r.res.Returned = r.o.Guard.Totals()
			}
			if r.o.OnProgress != nil && r.res.Done+r.res.Returned != lastProgress {
				lastProgress = r.res.Done + r.res.Returned
				r.res.Elapsed = time.Since(r.start)
				r.o.OnProgress(r.res.Progress)
			}
		case <-idle.C:
			if r.res.Blocked != nil || taking && (len(r.inflight) > 0 || len(r.confirmed) > 0 || r.settle.busy()) {
				// Waiting for confirms or acks, not for deliveries: a slow
				// broker sends no more until they are in (prefetch).
				idle.Reset(deliveryIdle)
				break
			}
			if taking {
				taking = false
				switch {
				case r.res.Stop.Early():
				case len(r.held) >= r.prefetch:
					r.res.stopped(PrefetchFull, fmt.Sprintf("the %d messages left in place fill the prefetch: the rest of the queue was not read (give them a target or a parking stream)", len(r.held)))
				default:
					r.res.stopped(HeldByOthers, "the rest are held by other consumers")
				}
			}
		case <-stalled.C:
			stalled.Reset(confirmTimeout)
			if len(r.inflight) > 0 && (r.res.Blocked == nil || cancelled == nil) { // a blocked broker confirms nothing: it is waited for, unless the run was cancelled
				loopErr = fmt.Errorf("no publisher confirm for %s with %d messages waiting", confirmTimeout, len(r.inflight))
				r.res.stopped(ConfirmTimeout, loopErr.Error())
				r.inflight = nil
				taking = false
			}
		case <-cancelled:
			cancelled = nil
			if taking {
				taking = false
				r.res.stopped(Cancelled, "")
			}
		}
	}
	t.Cancel()
	if r.res.Blocked != nil && r.res.Stop.Early() {
		r.res.Stop.Detail = joinDetail(r.res.Stop.Detail, r.res.Blocked.String())
	}
	if err := r.flush(); err != nil {
		return r.res, err
	}
	if settleErr != nil {
		return r.res, settleErr
	}
	if err := r.settle.close(); err != nil {
		return r.res, err
	}
	r.res.Elapsed = time.Since(r.start)
	if r.o.OnProgress != nil {
		r.o.OnProgress(r.res.Progress)
	}
	switch {
	case loopErr != nil:
		return r.res, fmt.Errorf("redrive %s: %w after %d of %d: what was not confirmed stays in %s; run the same redrive id again to resume", r.p.ID, loopErr, r.res.Done, r.res.Total, r.p.Source)
	case r.res.Stop.Reason == ConnectionLost:
		return r.res, fmt.Errorf("redrive %s: %s, after %d of %d: what was not confirmed stays in %s; run the same redrive id again to resume", r.p.ID, r.res.Stop.Detail, r.res.Done, r.res.Total, r.p.Source)
	}
	return r.res, nil
}

// followBlock takes the broker's block of publishing (nil: none) into the
// progress, tells OnProgress when it changed, and returns what closes at
// its next change (nil when the stream's broker cannot block).
func (r *streamRun) followBlock(b sources.PublishBlocker) <-chan struct{} {
	if b == nil {
		return nil
	}
	block, changed := b.PublishBlocked()
	if (block == nil) != (r.res.Blocked == nil) || block != nil && *block != *r.res.Blocked {
		r.res.Blocked = block
		if r.o.OnProgress != nil {
			r.res.Elapsed = time.Since(r.start)
			r.o.OnProgress(r.res.Progress)
		}
	}
	return changed
}

// joinDetail is a stop's detail with more said after it.
func joinDetail(detail, more string) string {
	if detail == "" {
		return more
	}
	return detail + "; " + more
}

// publishFailed ends taking after a failed publish. When what was about to
// be published could not be journalled, nothing of it was sent: it is not
// waited for, and stays in the queue.
func (r *streamRun) publishFailed(err error, loopErr *error) {
	if errors.Is(err, errJournal) {
		*loopErr = err
		r.inflight = nil
		r.res.stopped(Failed, err.Error())
		return
	}
	r.res.stopped(PublishFailed, err.Error())
}

// writeSent journals what is about to be published (no sync: a killed
// process keeps what it wrote), before it is.
func (r *streamRun) writeSent() error {
	if len(r.sent) == 0 {
		return nil
	}
	err := r.o.Journal.Write(r.sent...)
	r.sent = r.sent[:0]
	if err != nil {
		return fmt.Errorf("%w: nothing more published: %w", errJournal, err)
	}
	return nil
}

// take decides what to do with one delivery and publishes it when it goes
// somewhere.
func (r *streamRun) take(ctx context.Context, pr *sources.StreamDelivery, t sources.RedriveStream, lim *limiter) error {
	d, m := pr.Acker, &pr.Message
	pl, _ := pr.Plan.(*planned)
	if pl == nil { // not decided: its properties cannot be read (Unfit says why)
		pl = &planned{it: Item{Msg: *m, Action: Unresolved}}
	}
	hold := func() {
		r.held = append(r.held, d)
		r.multiAck = false
	}
	if v, ok := m.Header(HeaderID); ok && string(v) == r.p.ID {
		// Redriven by this run and dead again: left in place. (A guard
		// hears of it from its watcher, as soon as it dies.)
		if r.o.Guard == nil {
			r.res.Returned++
		}
		hold()
		return nil
	}
	if !r.all && !r.takeSelected(pl.fp) {
		hold()
		return nil
	}
	if pr.Unfit != nil {
		hold()
		r.res.Failed++
		r.res.Failures = append(r.res.Failures, Failure{Position: Position(*m),
			Err: fmt.Sprintf("left in place: a message of %d bytes that cannot be redriven: %v", pr.Size, pr.Unfit)})
		return nil
	}
	it := pl.it
	if it.Action == Unresolved || it.Action == Park && r.p.opts.ParkTo == "" {
		hold()
		if it.Action == Park {
			r.res.Parked++
		} else {
			r.res.Skipped++
		}
		return nil
	}
	claim, copies := r.o.Journal.Claim(pr.Identity)
	pd := &pending{d: d, it: it, id: pr.Identity, pos: Position(*m), target: it.Target.String(), claim: claim, copies: copies}
	if claim == ClaimConfirmed {
		// An earlier run's copy was confirmed and its source could not be
		// acknowledged: acknowledged now (journalled first), not sent.
		r.res.Duplicates++
		r.multiAck = false // acked apart, ahead of messages still waiting for confirms
		pd.skip, pd.ack = true, true
		r.confirmed = append(r.confirmed, pd)
		return nil
	}
	if err := lim.wait(ctx); err != nil {
		hold()
		return nil
	}
	if claim == ClaimUncertain {
		pd.corr = pr.CorrelationID
	}
	if r.o.Journal != nil {
		r.sent = append(r.sent, JournalEntry{ID: r.p.ID, Source: r.p.Source, Position: pd.pos, Target: pd.target,
			Fingerprint: pd.id, Kind: EntrySent, Time: time.Now()})
	}
	if err := t.Publish(ctx, pr); err != nil {
		hold()
		r.res.Failed++
		r.res.Failures = append(r.res.Failures, Failure{Position: pd.pos, Err: err.Error()})
		return err
	}
	r.published++
	pd.tag = r.published
	r.inflight = append(r.inflight, pd)
	r.byPos[pd.pos] = pd
	if r.o.inflightSeen != nil {
		r.o.inflightSeen(len(r.inflight))
	}
	r.o.Guard.Sent(1) // counted when published: a consumer may fail it before the confirm is in
	return nil
}

// takeSelected reports a delivery is one of the plan's, and counts it
// taken: as many alike messages are taken as the plan holds.
func (r *streamRun) takeSelected(fp string) bool {
	n := r.selectedLeft.get(fp)
	if n <= 0 {
		return false
	}
	r.selectedLeft.set(fp, n-1)
	return true
}

// confirmUpTo settles the in-flight message tag (with multiple, all up to
// it): confirms arrive in publish order.
func (r *streamRun) confirmUpTo(tag uint64, multiple, ack bool) {
	for len(r.inflight) > 0 {
		pd := r.inflight[0]
		if multiple && pd.tag > tag {
			return
		}
		r.inflight = r.inflight[1:]
		delete(r.byPos, pd.pos)
		pd.ack = ack && pd.returned == ""
		r.confirmed = append(r.confirmed, pd)
		if !multiple {
			return
		}
	}
}

// flush hands the confirmed messages to the settler, which journals them
// (one fsync), then acknowledges their sources and journals the acks,
// while the loop goes on publishing. Refused ones are held, given back at
// the end. The counts are taken here.
func (r *streamRun) flush() error {
	if len(r.confirmed) == 0 {
		return r.settle.failure()
	}
	now := time.Now()
	journal := r.o.Journal != nil
	b := settleBatch{audit: make([]AuditRecord, 0, len(r.confirmed))}
	if journal {
		b.entries = make([]JournalEntry, 0, len(r.confirmed))
		b.after = make([]JournalEntry, 0, len(r.confirmed))
	}
	var last *pending
	lastFrom := 0 // the after entries of what the last, multiple ack covers
	for _, pd := range r.confirmed {
		target := pd.target
		entry := func(k EntryKind) JournalEntry {
			return JournalEntry{ID: r.p.ID, Source: r.p.Source, Position: pd.pos, Target: target, Fingerprint: pd.id, Kind: k, Time: now}
		}
		rec := AuditRecord{Time: now, Action: "redrive", RedriveID: r.p.ID, Connection: r.conn, Source: r.p.Source,
			Position: pd.pos, Target: target, MessageID: pd.it.Msg.ID, Edited: pd.it.Edit != nil, Result: "confirmed"}
		step := settleStep{d: pd.d, pos: pd.pos, from: len(b.after)}
		switch {
		case pd.skip:
			rec.Result = "acknowledged, not sent again: an earlier run's copy was confirmed"
			if journal {
				b.entries = append(b.entries, entry(EntrySkipping))
				b.after = append(b.after, entry(EntryAcked))
			}
			step.to = len(b.after)
			b.steps = append(b.steps, step)
		case !pd.ack:
			reason := pd.returned
			if reason == "" {
				reason = "the broker refused the message (nack)"
			}
			rec.Result = "failed: " + reason
			r.res.Failed++
			r.res.Failures = append(r.res.Failures, Failure{Position: pd.pos, Err: reason})
			if journal {
				b.entries = append(b.entries, entry(EntryRefused))
			}
			r.held = append(r.held, pd.d) // given back at the end: once a run
			r.multiAck = false
		default:
			if journal {
				b.entries = append(b.entries, entry(EntryConfirmed))
				b.after = append(b.after, entry(EntryAcked))
			}
			if pd.claim == ClaimUncertain {
				for range pd.copies {
					if journal {
						b.after = append(b.after, entry(EntryResolved))
					}
				}
				dup := PossibleDuplicate{Copies: pd.copies, Position: pd.pos, Identity: pd.id, MessageID: pd.it.Msg.ID, CorrelationID: pd.corr, Target: target}
				r.res.PossibleDuplicates = append(r.res.PossibleDuplicates, dup)
				rec.Result = fmt.Sprintf("confirmed; possible duplicate (earlier runs may have sent up to %d more): %s", dup.Copies, dup.Name())
				rec.PossibleDuplicates, rec.CorrelationID, rec.Identity = dup.Copies, dup.CorrelationID, dup.Identity
				if journal { // journalled with the confirm, before the source is acknowledged: the audit line never outlives it (a run killed before the ack sends the message again and counts its copies again, as there may be one more)
					d := entry(EntryDuplicate)
					d.Copies, d.MessageID, d.CorrelationID = dup.Copies, dup.MessageID, dup.CorrelationID
					b.entries = append(b.entries, d)
				}
			}
			step.to = len(b.after)
			if r.multiAck { // acknowledged with the last of them, at the end
				if last == nil {
					lastFrom = step.from
				}
				last = pd
			} else {
				b.steps = append(b.steps, step)
			}
			if pd.it.Action == Park {
				r.res.Parked++
			} else {
				r.res.Done++
			}
			r.res.PerTarget[target]++
		}
		b.audit = append(b.audit, rec)
	}
	if last != nil {
		b.steps = append(b.steps, settleStep{d: last.d, pos: last.pos, multiple: true, from: lastFrom, to: len(b.after)})
	}
	r.confirmed = r.confirmed[:0]
	r.settle.hand(b) // journalled even after a failure: a resumed run skips them
	return r.settle.failure()
}

// settler journals, acknowledges and audits confirmed messages on a
// goroutine of its own, batch after batch in the order they were
// confirmed, so the fsync of the journal and the acks do not hold up the
// loop that publishes. After an error it acknowledges nothing more (and
// journals that): what it did not acknowledge goes back to the queue when
// the channel closes.
type settler struct {
	id      string
	journal *Journal
	audit   *Audit
	// sync returns once the broker has processed the acks sent (nil: not
	// waited for).
	sync    func() error
	batches chan settleBatch
	done    chan struct{}
	// pending counts the batches handed over and not settled yet.
	pending atomic.Int64
	once    sync.Once
	mu      sync.Mutex
	err     error
}

// settleBatch is what one flush hands over: the journal entries, synced
// before any of the acks, then the acks in delivery order, each followed
// by its entries in after, then the audit.
type settleBatch struct {
	entries []JournalEntry
	steps   []settleStep
	after   []JournalEntry
	audit   []AuditRecord
}

// settleStep acknowledges one delivery (with multiple, all up to it);
// after[from:to] are the journal entries to write once it is.
type settleStep struct {
	d        sources.DeliveryAcker
	pos      string
	multiple bool
	from, to int
}

func newSettler(id string, journal *Journal, audit *Audit, sync func() error) *settler {
	s := &settler{id: id, journal: journal, audit: audit, sync: sync, batches: make(chan settleBatch, 8), done: make(chan struct{})}
	go s.run()
	return s
}

func (s *settler) run() {
	defer close(s.done)
	for b := range s.batches {
		if err := s.apply(b, s.failure() == nil); err != nil {
			s.mu.Lock()
			if s.err == nil {
				s.err = err
			}
			s.mu.Unlock()
		}
		s.pending.Add(-1)
	}
}

// hand gives the settler a batch.
func (s *settler) hand(b settleBatch) {
	s.pending.Add(1)
	s.batches <- b
}

// busy reports batches handed over are still being journalled or acked.
func (s *settler) busy() bool { return s.pending.Load() > 0 }

// apply journals a batch, audits it, then acknowledges it (unless settling
// failed before: the connection is likely gone) and journals the acks made
// and the ones that could not be. What the broker confirmed
// is journalled and audited whatever happens to the acks, so a resumed
// run does not publish it again.
func (s *settler) apply(b settleBatch, ack bool) error {
	if len(b.entries) > 0 { // journal before the ack: a crash in between is caught on resume
		if err := s.journal.Add(b.entries...); err != nil {
			return err
		}
	}
	// Audited before the acks: a possible duplicate is in the audit before
	// its source can be gone.
	auditErr := s.audit.Write(b.audit...)
	done := 0
	var ackErr error
	if ack {
		done, ackErr = s.acknowledge(b.steps)
	}
	sure := true // the broker took the acks sent
	if done > 0 && s.sync != nil {
		if err := s.sync(); err != nil {
			sure = false
			if ackErr == nil {
				ackErr = fmt.Errorf("redrive %s: the broker did not answer after the acks: %w", s.id, err)
			}
		}
	}
	if err := s.journalAcks(b, done, sure); err != nil && ackErr == nil {
		ackErr = err
	}
	if auditErr != nil && ackErr == nil {
		return auditErr
	}
	return ackErr
}

// journalAcks writes the entries of the first done steps (acknowledged;
// unless the broker was not sure to have taken them: they stay open, and
// a resumed run sends them again as possible duplicates), and marks the
// others' sources unacknowledged (synced: a resumed run acknowledges them
// without sending).
func (s *settler) journalAcks(b settleBatch, done int, sure bool) error {
	if s.journal == nil || len(b.after) == 0 {
		return nil
	}
	var acked, unacked []JournalEntry
	for i, st := range b.steps {
		if i < done {
			if sure {
				acked = append(acked, b.after[st.from:st.to]...)
			}
			continue
		}
		for _, e := range b.after[st.from:st.to] {
			if e.Kind == EntryAcked {
				e.Kind = EntryUnacked
				unacked = append(unacked, e)
			}
		}
	}
	if err := s.journal.Write(acked...); err != nil {
		return err
	}
	if len(unacked) > 0 {
		return s.journal.Add(unacked...)
	}
	return nil
}

// acknowledge takes the steps in order and stops at the first that fails;
// it returns how many were taken.
func (s *settler) acknowledge(steps []settleStep) (int, error) {
	for i, st := range steps {
		if err := st.d.Ack(st.multiple); err != nil {
			return i, fmt.Errorf("redrive %s: ack %s: %w", s.id, st.pos, err)
		}
	}
	return len(steps), nil
}

// failure is the first error the settler met, if any.
func (s *settler) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// close waits for the batches handed over to be settled and returns the
// first error.
func (s *settler) close() error {
	s.once.Do(func() { close(s.batches) })
	<-s.done
	return s.failure()
}
