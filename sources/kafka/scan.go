package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/sources"
)

// DefaultOpenTxnWait bounds how long a scan waits for an open transaction
// below the end it reads to (another producer's) to commit or abort.
const DefaultOpenTxnWait = 2 * time.Minute

// ErrOpenTxn says a scan waited for an open transaction in vain.
var ErrOpenTxn = errors.New("an open transaction has not ended")

// ScanOptions say where a header scan starts and how much it may read.
type ScanOptions = sources.HeaderScanOptions

// HeaderScan is what ScanHeaders read of a topic.
type HeaderScan = sources.HeaderScan

// ScanTooLargeError says a header scan would read more than its limit.
type ScanTooLargeError = sources.ScanTooLargeError

var _ sources.HeaderScanner = (*Conn)(nil)

// ScanHeaders reads a topic, read_committed, from o.Since (or o.From) to
// its end as it is when the scan starts, and hands each batch of records
// to visit (headers, position and timestamp; key and value are not
// copied, visit must not keep them). Unlike a bounded Read it does not
// stop at an open transaction below that end: it waits (up to
// o.OpenTxnWait) until the transaction is committed or aborted, so every
// record committed before the scan started is seen. visit is never called
// concurrently.
func (c *Conn) ScanHeaders(ctx context.Context, topic string, o ScanOptions, visit func([]sources.Message)) (HeaderScan, error) {
	res := HeaderScan{Topic: topic, Ends: map[int32]int64{}}
	if LegalTopic(topic) != nil {
		return res, fmt.Errorf("%q: %w", topic, sources.ErrUnknownStream) // no record in a topic that cannot exist
	}
	plans, err := c.scanPlan(topic, o)
	if err != nil {
		return res, err
	}
	for _, p := range plans {
		res.Records += p.end - p.start
		res.Ends[p.partition] = p.end
	}
	if o.Limit > 0 && res.Records > o.Limit {
		return res, &ScanTooLargeError{Topic: topic, Records: res.Records, Limit: o.Limit, Since: o.Since}
	}
	var mu sync.Mutex
	serial := func(ms []sources.Message) {
		mu.Lock()
		defer mu.Unlock()
		visit(ms)
	}
	for attempt := 0; len(plans) > 0; attempt++ {
		var left []partitionPlan
		if left, err = c.scanOnce(ctx, topic, plans, cmp.Or(o.OpenTxnWait, DefaultOpenTxnWait), serial); err == nil || ctx.Err() != nil || errors.Is(err, ErrOpenTxn) || attempt == fetchAttempts {
			break
		}
		plans = left // a leader moved or a broker failed: the partitions left go on from where they were
		_ = c.client.RefreshMetadata(topic)
		select {
		case <-time.After(200 * time.Millisecond):
		case <-ctx.Done():
		}
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return res, fmt.Errorf("scan %s: %w", topic, err)
	}
	return res, nil
}

// scanPlan resolves where each partition's scan starts and ends.
func (c *Conn) scanPlan(topic string, o ScanOptions) ([]partitionPlan, error) {
	parts, err := c.partitionsOf(topic)
	if err != nil {
		return nil, err
	}
	tps := topicPartitions(topic, parts)
	lows, highs, err := c.listBounds(tps)
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", topic, err)
	}
	var atTime map[tp]int64
	if !o.Since.IsZero() {
		if atTime, err = c.listOffsets(tps, o.Since.UnixMilli()); err != nil {
			return nil, fmt.Errorf("scan %s from %s: %w", topic, o.Since.Format(time.RFC3339), err)
		}
	}
	plans := make([]partitionPlan, 0, len(tps))
	for _, k := range tps {
		low, high := lows[k], highs[k]
		start := low
		switch from, ok := o.From[k.partition]; {
		case ok:
			start = from
		case atTime != nil:
			if start = atTime[k]; start < 0 {
				start = high
			}
		}
		start = min(max(start, low), high)
		plans = append(plans, partitionPlan{partition: k.partition, start: start, end: high})
	}
	return plans, nil
}

// scanOnce reads the plans, one goroutine per leader. On an error it
// returns the partitions not finished, from where they got to.
func (c *Conn) scanOnce(ctx context.Context, topic string, plans []partitionPlan, openWait time.Duration, visit func([]sources.Message)) ([]partitionPlan, error) {
	byLeader := map[*sarama.Broker][]*fetchState{}
	var all []*fetchState
	for _, p := range plans {
		s := newFetchStates([]partitionPlan{p}, fetchTarget(sources.DefaultInFlight)/int64(len(plans)), true)[0]
		all = append(all, s)
		if p.start >= p.end {
			s.done = true
			continue
		}
		b, err := c.client.Leader(topic, p.partition)
		if err != nil {
			return plans, fmt.Errorf("leader of %s/%d: %w", topic, p.partition, err)
		}
		byLeader[b] = append(byLeader[b], s)
	}
	errs := make(chan error, len(byLeader))
	for b, states := range byLeader {
		go func() { errs <- c.scanLeader(ctx, b, topic, states, openWait, visit) }()
	}
	var first error
	for range byLeader {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	if first == nil {
		return nil, nil
	}
	var left []partitionPlan
	for _, s := range all {
		if !s.done && s.next < s.end {
			left = append(left, partitionPlan{partition: s.partition, start: s.next, end: s.end})
		}
	}
	return left, first
}

// scanLeader fetches one leader's partitions to their ends.
func (c *Conn) scanLeader(ctx context.Context, b *sarama.Broker, topic string, states []*fetchState, openWait time.Duration, visit func([]sources.Message)) error {
	lastProgress := time.Now()
	deliver := func(msgs []sources.Message) bool {
		visit(msgs)
		return true
	}
	chunk := fetchChunk{bytes: sources.DefaultInFlight / 8, target: fetchTarget(sources.DefaultInFlight)}
	return fetchLoop(ctx, newBrokerConn(b.Addr(), c.config), c.name, topic, states, nil, 1, chunk, deliver, func(moved bool) error {
		if moved {
			lastProgress = time.Now()
		}
		if time.Since(lastProgress) > openWait {
			for _, s := range states {
				if !s.done && s.next < s.end {
					return fmt.Errorf("%s/%d at offset %d: %w in %s (a producer that hangs in a transaction holds read_committed readers back)", topic, s.partition, s.next, ErrOpenTxn, openWait)
				}
			}
		}
		return nil
	})
}
