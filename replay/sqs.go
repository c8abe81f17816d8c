package replay

import (
	"context"
	"fmt"
	"time"

	"github.com/mqscope/mqscope/sources"
)

// sqsHold is how long the messages a redrive received stay hidden.
const sqsHold = 120 * time.Second

// RedriveSQS moves messages out of a dead-letter queue a QueueRedriver
// holds (SQS): receive, send on to the target in batches (the connector
// keeps attributes, FIFO group and dedup ids, and its broker's limits),
// journal, and delete only what was sent; a message that cannot be sent
// (too large with the provenance attributes, more than 10 attributes)
// stays in the DLQ and is reported.
// The run takes at most the messages the queue held when it started and
// stops when a message comes round again. With all, every message is
// taken; otherwise only those of the plan (by Fingerprint), the others
// are made visible again at the end.
func RedriveSQS(ctx context.Context, c QueueConn, p *Plan, all bool, o RunOptions) (res Result, err error) {
	defer func() { _ = o.Audit.Write(summary("redrive", p.ID, c.Name(), p.Source, targetsOf(p, res), res, err)) }()
	return redriveSQS(ctx, c, p, all, o)
}

// QueueConn is a connection whose dead-letter queues RedriveSQS empties.
type QueueConn interface {
	sources.Conn
	sources.QueueRedriver
}

// sqsPending is a message received and planned, waiting to be sent.
type sqsPending struct {
	held sources.Held
	it   Item
	fp   string
}

func redriveSQS(ctx context.Context, c QueueConn, p *Plan, all bool, o RunOptions) (Result, error) {
	start := time.Now()
	res := Result{PerTarget: map[string]int{}}
	selected := map[string]bool{}
	for _, it := range p.Items {
		selected[Fingerprint(it.Msg)] = true
	}
	total, err := c.Depth(ctx, p.Source)
	if err != nil {
		return res, err
	}
	res.Total = total
	if !all {
		res.Total = len(p.Items)
	}
	origin := ""
	if srcs, err := c.DeadLetterSources(ctx, p.Source); err == nil && len(srcs) == 1 {
		origin = srcs[0]
	}
	var held []sources.Held
	defer func() { c.ReleaseHeld(p.Source, held) }()
	seen := map[string]bool{}
	lim := newLimiter(o.Rate)
	taken, empty, seq := 0, 0, int64(0)
	batchSize := min(o.batch(), 10)
	for taken < total+res.Returned && empty < 2 && !res.Stop.Early() {
		if !o.Guard.Wait(ctx) || ctx.Err() != nil {
			res.Stop = o.Guard.stopOr(Cancelled, "")
			break
		}
		received, err := c.ReceiveHeld(ctx, p.Source, min(batchSize, total-taken), sqsHold, origin, seq)
		if err != nil {
			if ctx.Err() != nil {
				res.stopped(Cancelled, "")
				break
			}
			return res, fmt.Errorf("redrive %s: %w", p.ID, err)
		}
		if len(received) == 0 {
			empty++
			continue
		}
		empty = 0
		seq += int64(len(received))
		var send []sqsPending
		for _, h := range received {
			taken++
			m := h.Message
			fp := Fingerprint(m)
			switch v, redriven := m.Header(HeaderID); {
			case seen[h.ID]:
				res.stopped(CameRound, "")
				held = append(held, h)
				continue
			case redriven && string(v) == p.ID:
				res.Returned++ // redriven by this run and dead again: left in place, and the breaker hears of it
				o.Guard.Returned(1)
				held = append(held, h)
				continue
			case !all && !selected[fp]:
				held = append(held, h)
				continue
			}
			seen[h.ID] = true
			if o.Journal != nil && o.Journal.HasFingerprint(fp) { // sent by an earlier run whose delete was lost
				if err := c.DeleteHeld(ctx, p.Source, []sources.Held{h}); err != nil {
					return res, fmt.Errorf("redrive %s: %w", p.ID, err)
				}
				res.Duplicates++
				continue
			}
			it := p.Decide(m)
			if it.Action == Unresolved || it.Action == Park && p.opts.ParkTo == "" {
				held = append(held, h)
				if it.Action == Park {
					res.Parked++
				} else {
					res.Skipped++
				}
				continue
			}
			if err := lim.wait(ctx); err != nil {
				held = append(held, h)
				continue
			}
			send = append(send, sqsPending{held: h, it: it, fp: fp})
		}
		failed, err := sendSQS(ctx, c, p, o, send, &res)
		held = append(held, failed...)
		if err != nil {
			return res, err
		}
		res.Elapsed = time.Since(start)
		if o.OnProgress != nil {
			o.OnProgress(res.Progress)
		}
	}
	res.Elapsed = time.Since(start)
	if !res.Stop.Complete() {
		return res, nil
	}
	c.ReleaseHeld(p.Source, held) // this run's own are visible again before the DLQ is asked what is in flight
	held = nil
	if err := checkInFlight(ctx, c, p, &res); err != nil {
		return res, err
	}
	return res, nil
}

// checkInFlight ends a run that took everything it could see (finished,
// or a message came round) with a HeldByOthers stop when the DLQ still
// has messages in flight: received by another consumer, or by a run that
// was stopped (their copies may be in the target; a resume then tells),
// so they come back later.
func checkInFlight(ctx context.Context, c QueueConn, p *Plan, res *Result) error {
	n, visibility, err := c.InFlight(ctx, p.Source)
	if err != nil {
		return fmt.Errorf("redrive %s: %w", p.ID, err)
	}
	if n == 0 {
		return nil
	}
	res.Stop = Stop{Reason: HeldByOthers, Detail: fmt.Sprintf("%d messages of %s are in flight (received by another consumer or by a run that was stopped): they come back after their visibility timeout (%s; %s for a stopped redrive); run again then",
		n, p.Source, visibility, sqsHold)} // over a message come round: the run is complete only once those are back
	return nil
}

// sendSQS sends planned messages to their targets in batches under the
// limits, journals and deletes what was sent; it returns the received
// messages that stay (failures).
func sendSQS(ctx context.Context, c QueueConn, p *Plan, o RunOptions, send []sqsPending, res *Result) ([]sources.Held, error) {
	var stay []sources.Held
	byTarget := map[string][]sqsPending{}
	var order []string
	for _, pd := range send {
		t := pd.it.Target.Stream
		if _, ok := byTarget[t]; !ok {
			order = append(order, t)
		}
		byTarget[t] = append(byTarget[t], pd)
	}
	for _, target := range order {
		pds := byTarget[target]
		out := make([]sources.Outgoing, len(pds))
		for i, pd := range pds {
			out[i] = sources.Outgoing{Held: pd.held, Body: pd.it.Value(), Headers: pd.it.Headers}
		}
		refused, err := c.SendHeld(ctx, target, out, func(took []int) error {
			sent := make([]sqsPending, len(took))
			for i, idx := range took {
				sent[i] = pds[idx]
			}
			return recordSent(ctx, c, p, o, sent, res)
		})
		for i, pd := range pds {
			if why, ok := refused[i]; ok {
				stay = append(stay, pd.held)
				res.Failed++
				res.Failures = append(res.Failures, Failure{Position: pd.held.ID, Err: why})
			}
		}
		if err != nil {
			return stay, fmt.Errorf("redrive %s: %w (what was not sent stays in %s)", p.ID, err, p.Source)
		}
	}
	return stay, nil
}

// recordSent journals what SQS accepted, then deletes it from the DLQ, and
// writes the audit lines.
func recordSent(ctx context.Context, c QueueConn, p *Plan, o RunOptions, sent []sqsPending, res *Result) error {
	if len(sent) == 0 {
		return nil
	}
	now := time.Now()
	entries := make([]JournalEntry, len(sent))
	audit := make([]AuditRecord, len(sent))
	held := make([]sources.Held, len(sent))
	for i, pd := range sent {
		pos := pd.held.ID
		entries[i] = JournalEntry{ID: p.ID, Source: p.Source, Position: pos, Target: pd.it.Target.String(), Fingerprint: pd.fp, Time: now}
		audit[i] = AuditRecord{Time: now, Action: "redrive", RedriveID: p.ID, Connection: c.Name(), Source: p.Source, Position: pos,
			Target: pd.it.Target.String(), MessageID: pos, Edited: pd.it.Edit != nil, Result: "sent"}
		held[i] = pd.held
	}
	if o.Journal != nil { // journal before the delete: a crash in between is caught on resume
		if err := o.Journal.Add(entries...); err != nil {
			return err
		}
	}
	if err := c.DeleteHeld(ctx, p.Source, held); err != nil {
		return fmt.Errorf("redrive %s: sent, journaled, but not deleted from %s (a resume deletes them): %w", p.ID, p.Source, err)
	}
	for _, pd := range sent {
		if pd.it.Action == Park {
			res.Parked++
		} else {
			res.Done++
		}
		res.PerTarget[pd.it.Target.String()]++
	}
	o.Guard.Sent(len(sent))
	return o.Audit.Write(audit...)
}
