package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
)

// boundedIdleEnd is how long a bounded read waits on a partition that has
// not reached its end offset before taking it as done: the offsets left are
// transaction markers or aborted records, which are never delivered.
const boundedIdleEnd = 1200 * time.Millisecond

// partitionPlan is where one partition's read starts and, for a bounded
// read, where it ends (exclusive).
type partitionPlan struct {
	partition  int32
	start, end int64
}

// Read starts reading a topic. No consumer group is joined and nothing is
// committed.
func (c *Conn) Read(ctx context.Context, topic string, opts sources.ReadOptions) (sources.Subscription, error) {
	plans, err := c.plan(topic, opts)
	if err != nil {
		return nil, err
	}
	bounded := !opts.Follow || endHeld(plans, opts.End)
	if !bounded && opts.End != nil && opts.End.Kind == sources.StartTime {
		if bounded, err = c.timeEndHeld(topic, plans, opts.End.Time); err != nil {
			return nil, err
		}
	}
	consumer, err := sarama.NewConsumerFromClient(c.client)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", topic, err)
	}
	feed := sources.NewFeed(ctx, opts.InFlight, func() error {
		if err := consumer.Close(); err != nil && !errors.Is(err, sarama.ErrClosedClient) {
			return fmt.Errorf("close read of %s: %w", topic, err)
		}
		return nil
	})
	if bounded {
		if err := c.readBounded(ctx, feed, consumer, topic, plans, opts.End); err != nil {
			feed.Close()
			return nil, err
		}
		feed.EndWhenDone()
		return feed, nil
	}
	for _, p := range plans {
		pc, err := consumer.ConsumePartition(topic, p.partition, p.start)
		if err != nil {
			feed.Close()
			return nil, fmt.Errorf("read %s/%d from offset %d: %w", topic, p.partition, p.start, err)
		}
		feed.Go(func(ctx context.Context) { consumePartition(ctx, feed, c.name, topic, pc, p, opts.Follow, opts.End) })
	}
	feed.EndWhenDone()
	return feed, nil
}

// endHeld says every partition of a followed read already holds the
// record its end offset names (or is past it): the read is the bounded
// read to that end, and reads as one (the direct fetches, which tell a
// corrupt batch's offsets apart from the rest). A time end is held when
// every partition holds a record past it (timeEndHeld).
func endHeld(plans []partitionPlan, end *sources.Start) bool {
	if end == nil || end.Kind != sources.StartOffset {
		return false
	}
	for _, p := range plans {
		last := end.Offset
		if o, ok := end.Offsets[p.partition]; ok {
			last = o
		}
		if last < 0 || last >= p.end && p.start <= last {
			return false
		}
	}
	return true
}

// timeEndHeld says every partition of a followed read already holds a
// record later than the time end, the record a followed read would end
// the partition at (sources.Start.Past): the read is then the bounded
// read to it, as with an end offset the topic holds (endHeld). It asks
// each partition for its first record at or after the millisecond after
// end (timestamps are milliseconds) and, when every partition has one,
// ends each plan there (exclusive), so the bounded read stops where the
// followed read would and tells a corrupt batch's offsets only up to it.
// A partition whose first such record lies before the plan's start keeps
// its end and stops at the first record past the end it reads (where the
// followed read stops too, unless the partition's timestamps go back
// before the end after that record and none after the start is past it).
func (c *Conn) timeEndHeld(topic string, plans []partitionPlan, end time.Time) (bool, error) {
	parts := make([]int32, len(plans))
	for i, p := range plans {
		parts[i] = p.partition
	}
	tps := topicPartitions(topic, parts)
	past, err := c.listOffsets(tps, end.UnixMilli()+1)
	if err != nil {
		return false, fmt.Errorf("read %s until %s: %w", topic, end.Format(time.RFC3339Nano), err)
	}
	for i, k := range tps {
		if o := past[k]; o < 0 || o >= plans[i].end { // none yet (or one written since the plan's end was listed)
			return false, nil
		}
	}
	for i, k := range tps {
		if o := past[k]; o >= plans[i].start {
			plans[i].end = o
		}
	}
	return true, nil
}

// noPartition says a topic has no such partition, and which it has.
func noPartition(topic string, p int32, parts []int32) error {
	parts = slices.Sorted(slices.Values(parts))
	has := fmt.Sprintf("partitions %d–%d", parts[0], parts[len(parts)-1])
	switch {
	case len(parts) == 1:
		has = fmt.Sprintf("partition %d only", parts[0])
	case int(parts[len(parts)-1]-parts[0]) != len(parts)-1:
		has = fmt.Sprint("partitions ", parts)
	}
	return fmt.Errorf("%s has no partition %d (%s)", topic, p, has)
}

// plan resolves the start (and end) offset of every partition to read.
func (c *Conn) plan(topic string, opts sources.ReadOptions) ([]partitionPlan, error) {
	parts, err := c.partitionsOf(topic)
	if err != nil {
		return nil, err
	}
	if opts.Partitions != nil {
		var keep []int32
		for _, p := range opts.Partitions {
			if !slices.Contains(parts, p) {
				return nil, noPartition(topic, p, parts)
			}
			keep = append(keep, p)
		}
		parts = keep
	}
	st := opts.Start
	if st.Kind == sources.StartOffset && len(st.Offsets) > 0 {
		var keep []int32
		for _, p := range parts {
			if _, ok := st.Offsets[p]; ok {
				keep = append(keep, p)
			}
		}
		for p := range st.Offsets {
			if !slices.Contains(parts, p) {
				return nil, noPartition(topic, p, parts)
			}
		}
		parts = keep
	}
	slices.Sort(parts)
	tps := topicPartitions(topic, parts)
	lows, highs, err := c.listBounds(tps)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", topic, err)
	}
	var atTime map[tp]int64
	if st.Kind == sources.StartTime {
		if atTime, err = c.listOffsets(tps, st.Time.UnixMilli()); err != nil {
			return nil, fmt.Errorf("read %s from %s: %w", topic, st.Time.Format(time.RFC3339), err)
		}
	}
	plans := make([]partitionPlan, 0, len(parts))
	for _, k := range tps {
		low, high := lows[k], highs[k]
		var start int64
		switch st.Kind {
		case sources.StartOldest:
			start = low
		case sources.StartNewest:
			start = high
		case sources.StartLastN:
			start = max(low, high-st.N)
		case sources.StartOffset:
			start = st.Offset
			if o, ok := st.Offsets[k.partition]; ok {
				start = o
			}
			start = min(max(start, low), high)
		case sources.StartTime:
			start = atTime[k]
			if start < 0 {
				start = high
			}
		}
		plans = append(plans, partitionPlan{partition: k.partition, start: start, end: high})
	}
	return plans, nil
}

// consumePartition feeds one partition's messages until its end (bounded
// reads) or until ctx is done. A bounded read that goes idle before its
// end after the consumer failed (and no record came since) tells the feed
// what it did not read (Feed.Lose).
func consumePartition(ctx context.Context, feed *sources.Feed, conn, topic string, pc sarama.PartitionConsumer, p partitionPlan, follow bool, end *sources.Start) {
	defer pc.Close()
	var idleC <-chan time.Time
	var idle *time.Timer
	if !follow {
		idle = time.NewTimer(boundedIdleEnd)
		defer idle.Stop()
		idleC = idle.C
	}
	next := p.start  // the offset after the last record delivered
	var failed error // the consumer's last error, when no record came since
	for {
		select {
		case <-ctx.Done():
			return
		case cm, ok := <-pc.Messages():
			if !ok {
				return
			}
			// Take what else is ready too: one hand-over per batch, not per record.
			batch := make([]sources.Message, 0, 64)
			done := false
			for {
				if !follow && cm.Offset >= p.end {
					done = true
					break
				}
				m := convert(conn, cm)
				if end.Past(&m) {
					done = true
					break
				}
				batch = append(batch, m)
				next, failed = cm.Offset+1, nil
				if !follow && cm.Offset+1 >= p.end {
					done = true
					break
				}
				if len(batch) == cap(batch) {
					break
				}
				more := false
				select {
				case cm, more = <-pc.Messages():
				default:
				}
				if !more {
					break
				}
			}
			if !feed.SendBatch(batch) || done {
				return
			}
			if !follow {
				idle.Reset(boundedIdleEnd)
			}
		case err, ok := <-pc.Errors():
			if !ok {
				return
			}
			failed = err.Err
			feed.Fail(fmt.Errorf("read %s/%d: %w", topic, p.partition, err.Err))
		case <-idleC:
			if failed != nil && next < p.end {
				feed.Lose(sources.Unread{Stream: topic, Partition: p.partition, From: next, To: p.end - 1, Why: failed})
			}
			return
		}
	}
}

// convert turns a sarama record into a Message. Key, value and header
// slices are kept as sarama decoded them, without copying.
func convert(conn string, cm *sarama.ConsumerMessage) sources.Message {
	m := sources.Message{
		Conn:      conn,
		Stream:    cm.Topic,
		Partition: cm.Partition,
		Offset:    cm.Offset,
		Key:       cm.Key,
		Value:     cm.Value,
		ValueSize: len(cm.Value),
		Timestamp: cm.Timestamp,
	}
	if len(cm.Headers) > 0 {
		m.Headers = make([]sources.Header, len(cm.Headers))
		for i, h := range cm.Headers {
			m.Headers[i] = sources.Header{Key: string(h.Key), Value: h.Value}
		}
		m.DeadLetter = dlq.FromHeaders(m.Headers)
		dlq.MarkCopy(&m)
	}
	return m
}
