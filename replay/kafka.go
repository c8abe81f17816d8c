package replay

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/mqscope/mqscope/sources"
)

// KafkaWriter is what a Kafka redrive needs of a connection: transactions
// with a group's offsets, and the copy scan (sources/kafka.Conn has them).
type KafkaWriter interface {
	Name() string
	sources.TxWriter
	CopyFinder
}

// GroupID is the consumer group whose offsets record a redrive's progress
// on its source topic; it is committed in the same transaction as the records.
func GroupID(redriveID string) string { return sources.RedriveGroupPrefix + redriveID }

// TxnID is the transactional id of every redrive from a source topic,
// whatever its redrive id: a run that starts fences the one before it (its
// open transaction is aborted, it can commit nothing more), so two runs on
// one DLT never write at the same time.
func TxnID(source string) string { return "mqscope-redrive-" + source }

// TakenOverError says another redrive of the same source started and
// fenced this run: this run stopped, and nothing of its batch in flight
// was committed.
type TakenOverError struct {
	Source string
	Err    error
}

func (e *TakenOverError) Error() string {
	return fmt.Sprintf("another redrive of %s took over (started later, here or on another machine): this run stopped and its batch in flight was not committed; the other run redrives the rest", e.Source)
}

func (e *TakenOverError) Unwrap() error { return e.Err }

// RedriveKafka executes a plan exactly once: per batch, one transaction
// holds the produced records and the redrive group's offsets on the source.
// A run stopped at any point (cancelled, failed, killed) is resumed by
// running the same plan id again: what the group committed is skipped.
// Order per source partition is kept; a record goes back to its original
// partition when its provenance names it, else it is placed by key.
//
// A run that finished (everything taken, nothing failed) deletes its
// group (GroupDeleter), which would otherwise stay behind with a rising
// lag: the copies in the targets keep a later run of the same plan from
// writing twice. A run that stopped early keeps it: it is how the same id
// resumes.
func RedriveKafka(ctx context.Context, w KafkaWriter, p *Plan, o RunOptions) (res Result, err error) {
	defer func() { _ = o.Audit.Write(summary("redrive", p.ID, w.Name(), p.Source, targetsOf(p, res), res, err)) }()
	res, err = redriveKafka(ctx, w, p, o)
	if d, ok := w.(GroupDeleter); ok && err == nil && res.Stop.Reason == Finished && res.Failed == 0 {
		if derr := d.DeleteGroup(GroupID(p.ID)); derr != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("the run's consumer group %s is left behind (delete it by hand): %v", GroupID(p.ID), derr))
		}
	}
	return res, err
}

// GroupDeleter is a Kafka connection that can delete a consumer group
// (sources/kafka.Conn can).
type GroupDeleter interface {
	DeleteGroup(group string) error
}

func redriveKafka(ctx context.Context, w KafkaWriter, p *Plan, o RunOptions) (Result, error) {
	start := time.Now()
	res := Result{PerTarget: map[string]int{}}
	res.Total = len(p.Items)
	group := GroupID(p.ID)
	committed, err := w.GroupOffsets(group, p.Source)
	if err != nil {
		return res, fmt.Errorf("redrive %s: %w", p.ID, err)
	}
	items := append([]Item(nil), p.Items...)
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i].Msg, items[j].Msg
		if a.Partition != b.Partition {
			return a.Partition < b.Partition
		}
		return a.Offset < b.Offset
	})
	var todo []Item
	for _, it := range items {
		if off, ok := committed[it.Msg.Partition]; ok && it.Msg.Offset < off {
			res.Skipped++ // done by an earlier run of this redrive
			continue
		}
		todo = append(todo, it)
	}
	if len(todo) == 0 {
		res.Elapsed = time.Since(start)
		return res, nil
	}
	prod, err := w.OpenTx(TxnID(p.Source))
	if err != nil {
		return res, fmt.Errorf("redrive %s: %w", p.ID, err)
	}
	defer prod.Close()
	// Any other run on this source is fenced now: the copies it committed
	// are all there to see, and it commits nothing more.
	if todo, err = leaveOutCopied(ctx, w, p, todo, &res); err != nil {
		return res, fmt.Errorf("redrive %s: %w", p.ID, err)
	}
	parts := map[string]int{}
	partitionFor := func(it Item) (int32, error) {
		d := it.Msg.DeadLetter
		if d == nil || d.OriginPartition < 0 || d.OriginStream != it.Target.Stream {
			return -1, nil
		}
		n, ok := parts[it.Target.Stream]
		if !ok {
			var err error
			if n, err = w.Partitions(it.Target.Stream); err != nil {
				return 0, err
			}
			parts[it.Target.Stream] = n
		}
		if int(d.OriginPartition) >= n {
			return -1, nil
		}
		return d.OriginPartition, nil
	}
	lim := newLimiter(o.Rate)
	for len(todo) > 0 {
		if !o.Guard.Wait(ctx) || ctx.Err() != nil {
			res.Stop = o.Guard.stopOr(Cancelled, "")
			break
		}
		batch := todo[:min(o.batch(), len(todo))]
		todo = todo[len(batch):]
		var msgs []sources.Record
		var written []Item
		next := map[int32]int64{}
		for i, it := range batch {
			if it.Action == Redrive || it.Action == Park && p.opts.ParkTo != "" {
				if err := lim.wait(ctx); err != nil {
					batch, todo = batch[:i], nil // cancelled while pacing: commit what is ready
					res.stopped(Cancelled, "")
					break
				}
				part, err := partitionFor(it)
				if err != nil {
					return res, fmt.Errorf("redrive %s: %w", p.ID, err)
				}
				msgs = append(msgs, txRecord(it, part))
				written = append(written, it)
			}
			next[it.Msg.Partition] = it.Msg.Offset + 1
		}
		if len(next) == 0 {
			break
		}
		if err := prod.CommitBatch(msgs, p.Source, group, next); err != nil {
			res.Elapsed = time.Since(start)
			if errors.Is(err, sources.ErrFenced) {
				taken := &TakenOverError{Source: p.Source, Err: err}
				res.stopped(TakenOver, "another redrive of "+p.Source+" took over")
				return res, fmt.Errorf("redrive %s: %w", p.ID, taken)
			}
			return res, fmt.Errorf("redrive %s: batch not written (nothing of it is committed; run again to resume): %w", p.ID, err)
		}
		now := time.Now()
		var entries []JournalEntry
		var audit []AuditRecord
		for _, it := range written {
			pos := Position(it.Msg)
			entries = append(entries, JournalEntry{ID: p.ID, Source: p.Source, Position: pos, Target: it.Target.String(), Time: now})
			audit = append(audit, AuditRecord{Time: now, Action: "redrive", RedriveID: p.ID, Connection: w.Name(), Source: p.Source,
				Position: pos, Target: it.Target.String(), Edited: it.Edit != nil, Result: "committed"})
			if it.Action == Park {
				res.Parked++
			} else {
				res.Done++
			}
			res.PerTarget[it.Target.String()]++
		}
		for _, it := range batch {
			switch {
			case it.Action == Unresolved:
				res.Skipped++
			case it.Action == Park && p.opts.ParkTo == "":
				res.Parked++
			}
		}
		if o.Journal != nil {
			if err := o.Journal.Add(entries...); err != nil {
				return res, err
			}
		}
		if err := o.Audit.Write(audit...); err != nil {
			return res, err
		}
		o.Guard.Sent(len(written))
		_, res.Returned = o.Guard.Totals()
		res.Elapsed = time.Since(start)
		if o.OnProgress != nil {
			o.OnProgress(res.Progress)
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// txRecord is the record of a planned item.
func txRecord(it Item, partition int32) sources.Record {
	return sources.Record{Stream: it.Target.Stream, Partition: partition, Key: it.Key(), Value: it.Value(), Headers: it.Headers}
}

// leaveOutCopied drops from todo the dead letters that have a copy in
// their target (counted as Duplicates): the copies the plan's check found,
// and those written since (by a run that went on meanwhile). A plan not
// checked is checked here. A plan that redrives copied dead letters again
// (Options.Again) still leaves out those copied since it was made.
func leaveOutCopied(ctx context.Context, w KafkaWriter, p *Plan, todo []Item, res *Result) ([]Item, error) {
	if len(todo) == 0 || p.opts.Again && p.Copies == nil {
		return todo, nil
	}
	copies := p.Copies.clone()
	if copies != nil {
		if err := copies.catchUp(ctx, w); err != nil {
			return nil, err
		}
	} else {
		topics, since := copyTargets(todo, p.opts.ParkTo)
		var err error
		if copies, err = FindCopies(ctx, w, p.Source, topics, since, 0); err != nil {
			return nil, err
		}
	}
	kept := todo[:0]
	for _, it := range todo {
		now, ok := copies.Of(&it.Msg)
		if !ok || !writesTopic(it, p.opts.ParkTo) || p.opts.Again && it.Earlier != nil && it.Earlier.Same(now) && it.Earlier.Count == now.Count {
			kept = append(kept, it)
			continue
		}
		res.Duplicates++
	}
	return kept, nil
}
