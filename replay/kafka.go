package replay

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/IBM/sarama"
)

// KafkaWriter is what a Kafka redrive needs of a connection
// (sources/kafka.Conn has it).
type KafkaWriter interface {
	Name() string
	TransactionalProducer(txnID string) (sarama.AsyncProducer, error)
	GroupOffsets(group, topic string) (map[int32]int64, error)
	Partitions(topic string) (int, error)
}

// GroupID is the consumer group whose offsets record a redrive's progress
// on its source topic; it is committed in the same transaction as the records.
func GroupID(redriveID string) string { return "mqscope-redrive-" + redriveID }

// RedriveKafka executes a plan exactly once: per batch, one transaction
// holds the produced records and the redrive group's offsets on the source.
// A run stopped at any point (cancelled, failed, killed) is resumed by
// running the same plan id again: what the group committed is skipped.
// Order per source partition is kept; a record goes back to its original
// partition when its provenance names it, else it is placed by key.
func RedriveKafka(ctx context.Context, w KafkaWriter, p *Plan, o RunOptions) (res Result, err error) {
	defer func() { _ = o.Audit.Write(summary("redrive", p.ID, w.Name(), p.Source, res, err)) }()
	return redriveKafka(ctx, w, p, o)
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
	prod, err := w.TransactionalProducer(group)
	if err != nil {
		return res, fmt.Errorf("redrive %s: %w", p.ID, err)
	}
	defer prod.Close()
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
		var msgs []*sarama.ProducerMessage
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
				msgs = append(msgs, producerMessage(it, part))
				written = append(written, it)
			}
			next[it.Msg.Partition] = it.Msg.Offset + 1
		}
		if len(next) == 0 {
			break
		}
		if err := commitBatch(prod, msgs, p.Source, group, next); err != nil {
			res.Elapsed = time.Since(start)
			return res, fmt.Errorf("redrive %s: batch not written (nothing of it is committed; run again to resume): %w", p.ID, err)
		}
		now := time.Now()
		var entries []JournalEntry
		var audit []AuditRecord
		for _, it := range written {
			pos := Position(it.Msg)
			entries = append(entries, JournalEntry{ID: p.ID, Source: p.Source, Position: pos, Target: it.Target.String(), Time: now})
			audit = append(audit, AuditRecord{Time: now, Action: "redrive", RedriveID: p.ID, Connection: w.Name(), Source: p.Source,
				Position: pos, Target: it.Target.String(), Result: "committed"})
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

// commitBatch writes one transaction: the records and the source offsets.
// Records are handed to the producer without waiting one by one; the
// transaction commits once every record was acknowledged.
func commitBatch(prod sarama.AsyncProducer, msgs []*sarama.ProducerMessage, source, group string, next map[int32]int64) error {
	if err := prod.BeginTxn(); err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	abort := func(err error) error {
		if aerr := prod.AbortTxn(); aerr != nil {
			return fmt.Errorf("%w (abort: %v)", err, aerr)
		}
		return err
	}
	var firstErr error
	results := 0
	collect := func() {
		for ; results < len(msgs); results++ {
			select {
			case <-prod.Successes():
			case perr := <-prod.Errors():
				if firstErr == nil {
					firstErr = perr.Err
				}
			}
		}
	}
	for _, m := range msgs {
		for sent := false; !sent; {
			select {
			case prod.Input() <- m:
				sent = true
			case <-prod.Successes():
				results++
			case perr := <-prod.Errors():
				results++
				if firstErr == nil {
					firstErr = perr.Err
				}
			}
		}
	}
	collect()
	if firstErr != nil {
		return abort(fmt.Errorf("produce: %w", firstErr))
	}
	offsets := make([]*sarama.PartitionOffsetMetadata, 0, len(next))
	for part, off := range next {
		offsets = append(offsets, &sarama.PartitionOffsetMetadata{Partition: part, Offset: off, LeaderEpoch: -1})
	}
	if err := prod.AddOffsetsToTxn(map[string][]*sarama.PartitionOffsetMetadata{source: offsets}, group); err != nil {
		return abort(fmt.Errorf("add offsets: %w", err))
	}
	if err := prod.CommitTxn(); err != nil {
		return abort(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// producerMessage builds the record of a planned item.
func producerMessage(it Item, partition int32) *sarama.ProducerMessage {
	pm := &sarama.ProducerMessage{Topic: it.Target.Stream, Partition: partition}
	if k := it.Key(); k != nil {
		pm.Key = sarama.ByteEncoder(k)
	}
	if v := it.Value(); v != nil {
		pm.Value = sarama.ByteEncoder(v)
	}
	pm.Headers = make([]sarama.RecordHeader, len(it.Headers))
	for i, h := range it.Headers {
		pm.Headers[i] = sarama.RecordHeader{Key: []byte(h.Key), Value: h.Value}
	}
	return pm
}
