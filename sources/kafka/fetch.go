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
	// fetchPartitionBytes is the most a partition's share of a fetch asks
	// for while its batches fit; fetchMinPartitionBytes the least. Between
	// them the share follows what the partition's records decode to (see
	// fetchState.adapt). A batch larger than the share doubles it, up to
	// fetchMaxPartitionBytes.
	fetchPartitionBytes    = 1 << 20
	fetchMinPartitionBytes = 4 << 10
	fetchMaxPartitionBytes = 64 << 20
	// fetchAttempts bounds how often a failing fetch is tried again before
	// the read goes on through sarama's consumer.
	fetchAttempts = 3
)

// fetchDecodedShare is the part of a read's in-flight budget one fetch
// response may decode to, over all its partitions: the response held while
// its chunks wait for room in the feed comes on top of the feed's budget.
const fetchDecodedShare = 4

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
	// grown is set once the share was doubled for a batch larger than it:
	// the share then stays large enough for that batch.
	grown bool
}

// fetchTarget is what one fetch of a read with in-flight budget inFlight
// may decode to, over all its partitions.
func fetchTarget(inFlight int64) int64 {
	return max(inFlight/fetchDecodedShare, fetchMinPartitionBytes)
}

// fetchFirstRatio is what the first fetch of a read takes records to
// decode to, a multiple of their size on the wire: compressed batches
// decode to several times their size, so a read starts with small fetches
// and grows them as it learns (fetchState.adapt).
const fetchFirstRatio = 32

// newFetchStates returns the partitions' states, each partition's first
// share sized so the first response decodes to about target at most
// (records taken to decode to fetchFirstRatio times their size).
func newFetchStates(plans []partitionPlan, target int64, waitOpen bool) []*fetchState {
	share := int32(min(max(target/fetchFirstRatio/int64(max(len(plans), 1)), fetchMinPartitionBytes), fetchPartitionBytes))
	states := make([]*fetchState, 0, len(plans))
	for _, p := range plans {
		states = append(states, &fetchState{partitionPlan: p, next: p.start, maxBytes: share, waitOpen: waitOpen})
	}
	return states
}

// adapt sizes the partition's next share from one it was asked for
// (asked), which decoded to decoded bytes (InFlightBytes: the Messages and
// their bytes), so that the next decodes to about target: a share that
// decoded to more shrinks in proportion (compressed batches decode to many
// times their size on the wire), and one that decoded to less than half of
// it doubles, when the share and not the partition's end cut the response
// short. Doubling, not more: a response of a single batch larger than the
// share says little about how the partition's records decode.
func (s *fetchState) adapt(asked int32, decoded, target int64, full bool) {
	if s.grown || decoded <= 0 {
		return
	}
	share := int64(asked)
	switch {
	case decoded > target:
		share = share * target / decoded
	case decoded < target/2 && full:
		share *= 2
	}
	s.maxBytes = int32(min(max(share, fetchMinPartitionBytes), fetchPartitionBytes))
}

// fetchBounded reads partitions led by one broker to their end offsets with
// FetchRequests of its own: one request carries every partition, and record
// batches are decoded straight into Messages, without a channel per
// record. It keeps read_committed (aborted transactions are skipped, as
// the Java client does). It returns the partitions it did not finish (a
// broker error, a leader change, an old message format), for the consumer.
func fetchBounded(ctx context.Context, feed *sources.Feed, broker *sarama.Broker, conn, topic string, plans []partitionPlan, end *sources.Start) []partitionPlan {
	states := newFetchStates(plans, fetchTarget(feed.Budget()), false)
	chunk := fetchChunk{bytes: feed.ChunkBytes(), target: fetchTarget(feed.Budget())}
	if err := fetchLoop(ctx, broker, conn, topic, states, end, fetchAttempts, chunk, feed.SendBatch, nil); err == nil || errors.Is(err, ctx.Err()) {
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

// fetchChunk says how a fetch loop decodes: in pieces of about bytes
// (InFlightBytes), each handed on before the next is decoded, and with
// fetches sized to decode to about target bytes each.
type fetchChunk struct {
	bytes, target int64
}

// fetchLoop fetches the partitions of states, all led by broker, until
// every one is done: each round is one FetchRequest carrying every
// partition not done, and each partition's block is decoded (up to end,
// nil: none) and handed to deliver in pieces of about chunk.bytes. The
// next round's request goes out as soon as a response is in, from where
// that response ends, so the broker works on it while this one is decoded
// and delivered: at most two responses are held at a time. A failed
// request is sent again after 200ms, up to attempts times in a row.
// progress, when not nil, is told after each round whether a partition
// moved on; an error it returns ends the loop. fetchLoop returns nil when
// every partition is done or deliver returns false, ctx.Err() when ctx
// ends first, else what stopped it: the last failed request, a block's
// error, or a batch decode cannot read.
func fetchLoop(ctx context.Context, broker *sarama.Broker, conn, topic string, states []*fetchState, end *sources.Start, attempts int,
	chunk fetchChunk, deliver func([]sources.Message) bool, progress func(moved bool) error) error {
	failures := 0
	var pending <-chan fetched // the request in flight, if any
	for ctx.Err() == nil {
		if pending == nil {
			if pending = sendFetch(broker, topic, states, nil); pending == nil {
				return nil // every partition is done
			}
		}
		var f fetched
		select {
		case f = <-pending:
		case <-ctx.Done():
			return ctx.Err()
		}
		pending = nil
		if f.err != nil {
			if failures++; failures >= attempts {
				return fmt.Errorf("fetch from broker %s: %w", broker.Addr(), f.err)
			}
			select {
			case <-time.After(200 * time.Millisecond):
			case <-ctx.Done():
			}
			continue
		}
		failures = 0
		pending = sendFetch(broker, topic, states, &f)
		perPartition := chunk.target / int64(max(len(f.asked), 1))
		moved := false
		for _, s := range states {
			if s.done {
				continue
			}
			block := f.resp.GetBlock(topic, s.partition)
			asked, ok := f.asked[s.partition]
			if block == nil || !ok || asked.offset != s.next {
				continue // not in this round, or asked from elsewhere: asked again from s.next
			}
			if block.Err != sarama.ErrNoError {
				return fmt.Errorf("fetch %s/%d at offset %d: %w", topic, s.partition, s.next, block.Err)
			}
			before := s.next
			decoded, ok, err := s.decode(conn, topic, block, end, chunk.bytes, deliver)
			if errors.Is(err, errFallBack) {
				return fmt.Errorf("%s/%d at offset %d: a record batch of an old message format or larger than %d bytes", topic, s.partition, s.next, fetchMaxPartitionBytes)
			}
			if !ok {
				return nil
			}
			s.adapt(asked.share, decoded, perPartition, !s.done && s.next < block.HighWaterMarkOffset)
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

// fetched is the answer to one FetchRequest of a fetch loop.
type fetched struct {
	asked map[int32]fetchAsk // what each partition was asked for
	resp  *sarama.FetchResponse
	err   error
}

// fetchAsk is one partition of a FetchRequest: from which offset, for how
// many bytes.
type fetchAsk struct {
	offset int64
	share  int32
}

// sendFetch sends the FetchRequest for every partition of states not done
// and returns where its answer comes; nil when there is nothing left to
// fetch. With after (the answer before, not decoded yet), a partition
// whose part of that answer will be decoded is asked from where that part
// ends.
func sendFetch(broker *sarama.Broker, topic string, states []*fetchState, after *fetched) <-chan fetched {
	req := &sarama.FetchRequest{Version: fetchVersion, MaxWaitTime: 200, MinBytes: 1, Isolation: sarama.ReadCommitted}
	asked := map[int32]fetchAsk{}
	total := int64(0)
	for _, s := range states {
		next := s.next
		if after != nil {
			if a, ok := after.asked[s.partition]; ok && a.offset == s.next {
				next = nextOffset(after.resp.GetBlock(topic, s.partition), s.next)
			}
		}
		if s.done || next >= s.end {
			if after == nil {
				s.done = true
			}
			continue
		}
		req.AddBlock(topic, s.partition, next, s.maxBytes, -1)
		asked[s.partition] = fetchAsk{offset: next, share: s.maxBytes}
		total += int64(s.maxBytes)
	}
	if len(asked) == 0 {
		return nil
	}
	req.MaxBytes = int32(min(total, fetchMaxPartitionBytes))
	ch := make(chan fetched, 1)
	go func() {
		resp, err := broker.Fetch(req)
		ch <- fetched{asked: asked, resp: resp, err: err}
	}()
	return ch
}

// nextOffset is the offset after a partition's part of a response, as
// decode will leave it (next, when the part holds no complete batch or an
// error).
func nextOffset(block *sarama.FetchResponseBlock, next int64) int64 {
	if block == nil || block.Err != sarama.ErrNoError {
		return next
	}
	for _, rs := range block.RecordsSet {
		if rs == nil {
			continue // decoded already
		}
		b := rs.RecordBatch
		if b == nil {
			return next // the old message format: decode falls back
		}
		if b.PartialTrailingRecord && len(b.Records) == 0 {
			continue
		}
		next = max(next, b.FirstOffset+int64(b.LastOffsetDelta)+1)
	}
	return next
}

// decode turns a partition's fetched batches into Messages, past aborted
// transactions and control batches, up to the end offset, and hands them
// to deliver in pieces of about chunk bytes (InFlightBytes), each decoded
// only once the one before was taken: a response that decodes to far more
// than its size on the wire is never in memory as Messages all at once.
// It returns what the batches' records decode to (decoded, for sizing the
// next fetch) and false when deliver refused a piece. As in the Java
// client, each response's aborted transactions (those overlapping what it
// holds) decide its batches.
func (s *fetchState) decode(conn, topic string, block *sarama.FetchResponseBlock, end *sources.Start, chunk int64,
	deliver func([]sources.Message) bool) (decoded int64, ok bool, err error) {
	aborted := slices.Clone(block.AbortedTransactions)
	slices.SortFunc(aborted, func(a, b *sarama.AbortedTransaction) int { return cmp.Compare(a.FirstOffset, b.FirstOffset) })
	abortedBy := map[int64]bool{} // producers whose transaction in this range was aborted
	left := 0                     // records not decoded yet
	for _, rs := range block.RecordsSet {
		if rs.RecordBatch != nil {
			left += len(rs.RecordBatch.Records)
		}
	}
	var out []sources.Message
	var outBytes int64
	flush := func() bool {
		if len(out) == 0 {
			return true
		}
		taken := deliver(out)
		out, outBytes = nil, 0
		return taken
	}
	progressed := false
	for i, rs := range block.RecordsSet {
		b := rs.RecordBatch
		if b == nil {
			return decoded, flush(), errFallBack // the old message format
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
			for j, r := range b.Records {
				left--
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
				size := recordBytes(r)
				if out == nil {
					// A piece is sized once, from its first record: the
					// records of a batch are mostly alike, and a slice of
					// Messages grown by appends costs a copy and a clearing
					// at every step.
					out = make([]sources.Message, 0, min(left+1, int(chunk/size)+1))
				}
				if len(out) == cap(out) {
					out = slices.Grow(out, len(out)/8+1)
				}
				// The Message is made in its place in the piece: zero there
				// already, only its fields are written.
				out = out[:len(out)+1]
				m := &out[len(out)-1]
				m.Conn, m.Stream, m.Partition, m.Offset = conn, topic, s.partition, off
				m.Key, m.Value, m.ValueSize, m.Timestamp = r.Key, r.Value, len(r.Value), ts
				if len(r.Headers) > 0 {
					m.Headers = make([]sources.Header, len(r.Headers))
					for i, h := range r.Headers {
						m.Headers[i] = sources.Header{Key: string(h.Key), Value: h.Value}
					}
					m.DeadLetter = dlq.FromHeaders(m.Headers)
					dlq.MarkCopy(m)
				}
				if end.Past(m) {
					*m = sources.Message{}
					out = out[:len(out)-1]
					s.done = true
					break
				}
				decoded += size
				outBytes += size
				b.Records[j] = nil // the Message holds what is needed: the record can go
				if outBytes >= chunk && !flush() {
					return decoded, false, nil
				}
			}
		}
		if last+1 > s.next {
			s.next, progressed = last+1, true
		}
		block.RecordsSet[i] = nil // decoded: the batch's records go once their Messages do
		if s.done {
			return decoded, flush(), nil
		}
	}
	if !flush() {
		return decoded, false, nil
	}
	switch {
	case s.next >= s.end:
		s.done = true
	case !progressed && len(block.RecordsSet) > 0: // a batch larger than this partition's share
		if s.maxBytes >= fetchMaxPartitionBytes {
			return decoded, true, errFallBack
		}
		s.maxBytes *= 2
		s.grown = true
	case !progressed && !s.waitOpen && s.next >= block.LastStableOffset && block.LastStableOffset >= 0:
		s.done = true // what is left is an open transaction: a read_committed read ends here
	}
	return decoded, true, nil
}

// recordBytes is what a record counts against a feed's budget as a
// Message (sources.InFlightBytes), from the record itself.
func recordBytes(r *sarama.Record) int64 {
	n := sources.MessageOverhead + int64(len(r.Key)+len(r.Value))
	for _, h := range r.Headers {
		n += sources.HeaderOverhead + int64(len(h.Key)+len(h.Value))
	}
	return n
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
