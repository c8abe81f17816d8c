package kafka

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
)

const (
	// fetchVersion is the FetchRequest version a bounded read speaks
	// (isolation levels, aborted transactions, leader epochs; before topic ids).
	fetchVersion = 11
	// fetchPartitionBytes starts each partition's share of a fetch; it
	// doubles (to fetchMaxPartitionBytes) when one batch does not fit.
	fetchPartitionBytes    = 1 << 20
	fetchMaxPartitionBytes = 64 << 20
	// fetchAttempts bounds how often a failing fetch is tried again before
	// the read goes on through sarama's consumer.
	fetchAttempts = 3
)

// errFallBack says the direct fetch stopped short: what is left is read
// through sarama's consumer.
var errFallBack = errors.New("fall back to the consumer")

// fetchState is one partition of a direct bounded read.
type fetchState struct {
	partitionPlan
	next     int64 // the next offset to deliver
	maxBytes int32 // this partition's share of a fetch
	done     bool
	// waitOpen keeps fetching at an open transaction instead of ending
	// there (a header scan waits until it is committed or aborted).
	waitOpen bool
}

// fetchBounded reads partitions led by one broker to their end offsets with
// FetchRequests of its own: one request carries every partition, and record
// batches are decoded straight into Messages, without a channel per
// record. It keeps read_committed (aborted transactions are skipped, as
// the Java client does). It returns the partitions it did not finish (a
// broker error, a leader change, an old message format), for the consumer.
func fetchBounded(ctx context.Context, feed *sources.Feed, broker *sarama.Broker, conn, topic string, plans []partitionPlan, end *sources.Start) []partitionPlan {
	states := make([]*fetchState, 0, len(plans))
	for _, p := range plans {
		states = append(states, &fetchState{partitionPlan: p, next: p.start, maxBytes: fetchPartitionBytes})
	}
	if err := fetchLoop(ctx, broker, conn, topic, states, end, fetchAttempts, feed.SendBatch, nil); err == nil || errors.Is(err, ctx.Err()) {
		return nil // done, the feed closed, or the read was cancelled
	}
	var left []partitionPlan // not the leader any more, offset out of range...: the consumer knows what to do
	for _, s := range states {
		if !s.done {
			left = append(left, partitionPlan{partition: s.partition, start: s.next, end: s.end})
		}
	}
	return left
}

// fetchLoop fetches the partitions of states, all led by broker, until
// every one is done: each round is one FetchRequest carrying every
// partition not done, and each partition's block is decoded (up to end,
// nil: none) and handed to deliver. A failed request is sent again after
// 200ms, up to attempts times in a row. progress, when not nil, is told
// after each round whether a partition moved on; an error it returns ends
// the loop. fetchLoop returns nil when every partition is done or deliver
// returns false, ctx.Err() when ctx ends first, else what stopped it: the
// last failed request, a block's error, or a batch decode cannot read.
func fetchLoop(ctx context.Context, broker *sarama.Broker, conn, topic string, states []*fetchState, end *sources.Start, attempts int,
	deliver func([]sources.Message) bool, progress func(moved bool) error) error {
	failures := 0
	for ctx.Err() == nil {
		req := &sarama.FetchRequest{Version: fetchVersion, MaxWaitTime: 200, MinBytes: 1, MaxBytes: 64 << 20, Isolation: sarama.ReadCommitted}
		active := 0
		for _, s := range states {
			if !s.done && s.next < s.end {
				req.AddBlock(topic, s.partition, s.next, s.maxBytes, -1)
				active++
			} else {
				s.done = true
			}
		}
		if active == 0 {
			return nil
		}
		resp, err := broker.Fetch(req)
		if err != nil {
			if failures++; failures >= attempts {
				return fmt.Errorf("fetch from broker %s: %w", broker.Addr(), err)
			}
			select {
			case <-time.After(200 * time.Millisecond):
			case <-ctx.Done():
			}
			continue
		}
		failures = 0
		moved := false
		for _, s := range states {
			if s.done {
				continue
			}
			block := resp.GetBlock(topic, s.partition)
			if block == nil {
				continue
			}
			if block.Err != sarama.ErrNoError {
				return fmt.Errorf("fetch %s/%d at offset %d: %w", topic, s.partition, s.next, block.Err)
			}
			before := s.next
			msgs, err := s.decode(conn, topic, block, end)
			if errors.Is(err, errFallBack) {
				return fmt.Errorf("%s/%d at offset %d: a record batch of an old message format or larger than %d bytes", topic, s.partition, s.next, fetchMaxPartitionBytes)
			}
			if len(msgs) > 0 && !deliver(msgs) {
				return nil
			}
			moved = moved || s.next > before
		}
		if progress != nil {
			if err := progress(moved); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// decode turns a partition's fetched batches into Messages, past aborted
// transactions and control batches, up to the end offset. As in the Java
// client, each response's aborted transactions (those overlapping what it
// holds) decide its batches.
func (s *fetchState) decode(conn, topic string, block *sarama.FetchResponseBlock, end *sources.Start) ([]sources.Message, error) {
	aborted := slices.Clone(block.AbortedTransactions)
	slices.SortFunc(aborted, func(a, b *sarama.AbortedTransaction) int { return cmp.Compare(a.FirstOffset, b.FirstOffset) })
	abortedBy := map[int64]bool{} // producers whose transaction in this range was aborted
	n := 0
	for _, rs := range block.RecordsSet {
		if rs.RecordBatch != nil {
			n += len(rs.RecordBatch.Records)
		}
	}
	out := make([]sources.Message, 0, n) // sized once: no copying as it fills
	progressed := false
	for _, rs := range block.RecordsSet {
		b := rs.RecordBatch
		if b == nil {
			return out, errFallBack // the old message format
		}
		if b.PartialTrailingRecord && len(b.Records) == 0 {
			continue
		}
		last := b.FirstOffset + int64(b.LastOffsetDelta)
		for len(aborted) > 0 && aborted[0].FirstOffset <= last {
			abortedBy[aborted[0].ProducerID] = true
			aborted = aborted[1:]
		}
		switch {
		case b.Control:
			if len(b.Records) > 0 && len(b.Records[0].Key) >= 4 && binary.BigEndian.Uint16(b.Records[0].Key[2:]) == 0 {
				delete(abortedBy, b.ProducerID) // the abort marker ends the aborted transaction
			}
		case b.IsTransactional && abortedBy[b.ProducerID]:
			// records of an aborted transaction: never delivered
		default:
			for _, r := range b.Records {
				off := b.FirstOffset + r.OffsetDelta
				if off < s.next {
					continue
				}
				if off >= s.end {
					s.done = true
					break
				}
				ts := b.FirstTimestamp.Add(r.TimestampDelta)
				if b.LogAppendTime {
					ts = b.MaxTimestamp
				}
				m := sources.Message{Conn: conn, Stream: topic, Partition: s.partition, Offset: off, Key: r.Key, Value: r.Value, ValueSize: len(r.Value), Timestamp: ts}
				if len(r.Headers) > 0 {
					m.Headers = make([]sources.Header, len(r.Headers))
					for i, h := range r.Headers {
						m.Headers[i] = sources.Header{Key: string(h.Key), Value: h.Value}
					}
					m.DeadLetter = dlq.FromHeaders(m.Headers)
					dlq.MarkCopy(&m)
				}
				if end.Past(&m) {
					s.done = true
					break
				}
				out = append(out, m)
			}
		}
		if last+1 > s.next {
			s.next, progressed = last+1, true
		}
		if s.done {
			return out, nil
		}
	}
	switch {
	case s.next >= s.end:
		s.done = true
	case !progressed && len(block.RecordsSet) > 0: // a batch larger than this partition's share
		if s.maxBytes >= fetchMaxPartitionBytes {
			return out, errFallBack
		}
		s.maxBytes *= 2
	case !progressed && !s.waitOpen && s.next >= block.LastStableOffset && block.LastStableOffset >= 0:
		s.done = true // what is left is an open transaction: a read_committed read ends here
	}
	return out, nil
}

// readBounded reads a bounded plan: each leader's partitions by direct
// fetches, whatever those leave through the consumer.
func (c *Conn) readBounded(ctx context.Context, feed *sources.Feed, consumer sarama.Consumer, topic string, plans []partitionPlan, end *sources.Start) error {
	byLeader := map[*sarama.Broker][]partitionPlan{}
	var rest []partitionPlan
	for _, p := range plans {
		if p.start >= p.end {
			continue
		}
		b, err := c.client.Leader(topic, p.partition)
		if err != nil {
			rest = append(rest, p)
			continue
		}
		byLeader[b] = append(byLeader[b], p)
	}
	for b, ps := range byLeader {
		feed.Go(func(ctx context.Context) {
			left := fetchBounded(ctx, feed, b, c.name, topic, ps, end)
			for _, p := range left { // the consumer reads what the direct fetch left
				pc, err := consumer.ConsumePartition(topic, p.partition, p.start)
				if err != nil {
					feed.Fail(fmt.Errorf("read %s/%d from offset %d: %w", topic, p.partition, p.start, err))
					continue
				}
				consumePartition(ctx, feed, c.name, topic, pc, p, false, end)
			}
		})
	}
	for _, p := range rest {
		pc, err := consumer.ConsumePartition(topic, p.partition, p.start)
		if err != nil {
			return fmt.Errorf("read %s/%d from offset %d: %w", topic, p.partition, p.start, err)
		}
		feed.Go(func(ctx context.Context) { consumePartition(ctx, feed, c.name, topic, pc, p, false, end) })
	}
	return nil
}
