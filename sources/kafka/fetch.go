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
	"github.com/twmb/franz-go/pkg/kmsg"

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
	sent     int64 // the offset after the last record delivered (0: none yet)
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
// broker error, a leader change, an old message format), for the consumer;
// a batch that does not decode (corrupt, or inflating past the bound) ends
// its partition, and what is left of it is told to the feed as lost
// (Feed.Lose).
func fetchBounded(ctx context.Context, feed *sources.Feed, broker *brokerConn, conn, topic string, plans []partitionPlan, end *sources.Start) []partitionPlan {
	states := newFetchStates(plans, fetchTarget(feed.Budget()), false)
	chunk := fetchChunk{bytes: feed.ChunkBytes(), target: fetchTarget(feed.Budget())}
	err := fetchLoop(ctx, broker, conn, topic, states, end, fetchAttempts, chunk, feed.SendBatch, nil)
	if err == nil || errors.Is(err, ctx.Err()) {
		return nil // done, the feed closed, or the read was cancelled
	}
	var bad *badBatchError
	errors.As(err, &bad)
	var left []partitionPlan // not the leader any more, offset out of range...: the consumer knows what to do
	for _, s := range states {
		switch {
		case s.done:
		case bad != nil && bad.partition == s.partition:
			// the rest of the partition is not read: the consumer would
			// meet the same batch
			feed.Lose(sources.Unread{Stream: topic, Partition: s.partition, From: max(s.next, s.sent), To: s.end - 1, Why: bad.err})
		default:
			left = append(left, partitionPlan{partition: s.partition, start: s.next, end: s.end})
		}
	}
	return left
}

// badBatchError is a record batch that does not decode: its checksum or
// lengths are wrong, or it inflates past maxDecompressedBatch.
type badBatchError struct {
	topic     string
	partition int32
	offset    int64
	err       error
}

func (e *badBatchError) Error() string {
	return fmt.Sprintf("%s/%d at offset %d: %v", e.topic, e.partition, e.offset, e.err)
}

func (e *badBatchError) Unwrap() error { return e.err }

// fetchChunk says how a fetch loop decodes: in pieces of about bytes
// (InFlightBytes), each handed on before the next is decoded, and with
// fetches sized to decode to about target bytes each.
type fetchChunk struct {
	bytes, target int64
}

// fetchLoop fetches the partitions of states, all led by broker, until
// every one is done: each round is one FetchRequest carrying every
// partition not done, and each partition's batches are decoded (up to end,
// nil: none) and handed to deliver in pieces of about chunk.bytes. The
// next round's request goes out as soon as a response is in, from where
// that response ends, so the broker works on it while this one is decoded
// and delivered: at most two responses are held at a time. A failed
// request is sent again after 200ms (on a new connection), up to attempts
// times in a row. progress, when not nil, is told after each round
// whether a partition moved on; an error it returns ends the loop.
// fetchLoop returns nil when every partition is done or deliver returns
// false, ctx.Err() when ctx ends first, else what stopped it: the last
// failed request, a partition's error, or a batch decode cannot read (a
// *badBatchError when it is corrupt). It closes broker's connection.
func fetchLoop(ctx context.Context, broker *brokerConn, conn, topic string, states []*fetchState, end *sources.Start, attempts int,
	chunk fetchChunk, deliver func([]sources.Message) bool, progress func(moved bool) error) error {
	defer broker.close()
	dec := newDecompressor(maxDecompressedBatch)
	defer dec.close()
	failures := 0
	var pending <-chan fetched // the request in flight, if any
	for ctx.Err() == nil {
		if pending == nil {
			if pending = sendFetch(ctx, broker, dec, topic, states, nil); pending == nil {
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
		pending = sendFetch(ctx, broker, dec, topic, states, &f)
		perPartition := chunk.target / int64(max(len(f.asked), 1))
		moved := false
		for _, s := range states {
			if s.done {
				continue
			}
			p := f.parts[s.partition]
			asked, ok := f.asked[s.partition]
			if p.FetchResponseTopicPartition == nil || !ok || asked.offset != s.next {
				continue // not in this round, or asked from elsewhere: asked again from s.next
			}
			if p.ErrorCode != 0 {
				return fmt.Errorf("fetch %s/%d at offset %d: %w", topic, s.partition, s.next, sarama.KError(p.ErrorCode))
			}
			before := s.next
			decoded, ok, err := s.decode(conn, topic, p, end, chunk.bytes, deliver)
			switch {
			case errors.Is(err, errFallBack):
				return fmt.Errorf("%s/%d at offset %d: a record batch of an old message format or larger than %d bytes", topic, s.partition, s.next, fetchMaxPartitionBytes)
			case err != nil:
				return &badBatchError{topic: topic, partition: s.partition, offset: s.next, err: err}
			case !ok:
				return nil
			}
			s.adapt(asked.share, decoded, perPartition, !s.done && s.next < p.HighWatermark)
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
	parts map[int32]fetchedPart
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
// ends. The answer's batches are decompressed (by dec) as soon as it is
// in, while the one before is decoded and delivered: one sendFetch at a
// time uses dec.
func sendFetch(ctx context.Context, broker *brokerConn, dec *decompressor, topic string, states []*fetchState, after *fetched) <-chan fetched {
	req := kmsg.NewPtrFetchRequest()
	req.Version, req.MaxWaitMillis, req.MinBytes, req.IsolationLevel = fetchVersion, 200, 1, 1 // read_committed
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic = topic
	asked := map[int32]fetchAsk{}
	total := int64(0)
	for _, s := range states {
		next := s.next
		if after != nil {
			if a, ok := after.asked[s.partition]; ok && a.offset == s.next {
				next = after.parts[s.partition].next(s.next)
			}
		}
		if s.done || next >= s.end {
			if after == nil {
				s.done = true
			}
			continue
		}
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes = s.partition, next, s.maxBytes
		rt.Partitions = append(rt.Partitions, rp)
		asked[s.partition] = fetchAsk{offset: next, share: s.maxBytes}
		total += int64(s.maxBytes)
	}
	if len(asked) == 0 {
		return nil
	}
	req.Topics = []kmsg.FetchRequestTopic{rt}
	req.MaxBytes = int32(min(total, fetchMaxPartitionBytes))
	ch := make(chan fetched, 1)
	go func() {
		resp, err := broker.fetch(ctx, req)
		f := fetched{asked: asked, err: err}
		if err == nil {
			f.parts = map[int32]fetchedPart{}
			for i := range resp.Topics {
				if resp.Topics[i].Topic != topic {
					continue
				}
				for j := range resp.Topics[i].Partitions {
					p := &resp.Topics[i].Partitions[j]
					if a, ok := asked[p.Partition]; ok {
						f.parts[p.Partition] = decompressPart(dec, p, a.offset)
					}
				}
			}
			if resp.ErrorCode != 0 {
				f.err = sarama.KError(resp.ErrorCode)
			}
		}
		ch <- f
	}()
	return ch
}

// fetchedPart is one partition's part of a response, its record batches
// read and decompressed: those before the first that does not decode
// (err: errFallBack for an older message format, else a batch that is
// corrupt or too large), in order.
type fetchedPart struct {
	*kmsg.FetchResponseTopicPartition
	batches []fetchedBatch
	err     error
}

// fetchedBatch is a record batch and its records, decompressed.
type fetchedBatch struct {
	recordBatch
	decompressed []byte
}

// decompressPart reads a partition's batches and decompresses those with
// records at offset or after it (the control batches all).
func decompressPart(dec *decompressor, p *kmsg.FetchResponseTopicPartition, offset int64) fetchedPart {
	part := fetchedPart{FetchResponseTopicPartition: p}
	if p.ErrorCode != 0 {
		return part
	}
	for raw := p.RecordBatches; ; {
		b, rest, complete, err := nextBatch(raw)
		if err != nil {
			part.err = err
			return part
		}
		if !complete {
			return part
		}
		raw = rest
		fb := fetchedBatch{recordBatch: b}
		if b.control() || b.lastOffset() >= offset {
			if fb.decompressed, err = dec.decompress(b.codec(), b.records); err != nil {
				part.err = fmt.Errorf("the batch at offset %d: %w", b.firstOffset, err)
				return part
			}
		}
		part.batches = append(part.batches, fb)
	}
}

// next is the offset after the part, as decode will leave it (from, when
// the part holds no complete batch or an error).
func (p fetchedPart) next(from int64) int64 {
	if p.FetchResponseTopicPartition == nil || p.ErrorCode != 0 {
		return from
	}
	if n := len(p.batches); n > 0 {
		return max(from, p.batches[n-1].lastOffset()+1)
	}
	return from
}

// decode turns a partition's fetched batches into Messages, past aborted
// transactions and control batches, up to the end offset, and hands them
// to deliver in pieces of about chunk bytes (InFlightBytes), each decoded
// only once the one before was taken: a response that decodes to far more
// than its size on the wire is never in memory as Messages all at once
// (the batches were decompressed as the response came in). A Message's key, value
// and header values are parts of its batch's bytes, not copies. It
// returns what the batches' records decode to (decoded, for sizing the
// next fetch) and false when deliver refused a piece. As in the Java
// client, each response's aborted transactions (those overlapping what it
// holds) decide its batches.
func (s *fetchState) decode(conn, topic string, p fetchedPart, end *sources.Start, chunk int64,
	deliver func([]sources.Message) bool) (decoded int64, ok bool, err error) {
	aborted := slices.Clone(p.AbortedTransactions)
	slices.SortFunc(aborted, func(a, b kmsg.FetchResponseTopicPartitionAbortedTransaction) int {
		return cmp.Compare(a.FirstOffset, b.FirstOffset)
	})
	abortedBy := map[int64]bool{} // producers whose transaction in this range was aborted
	left := 0                     // records not decoded yet
	for i := range p.batches {
		left += int(p.batches[i].count)
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
	var r rawRecord
	for i := range p.batches {
		b := &p.batches[i]
		last := b.lastOffset()
		for len(aborted) > 0 && aborted[0].FirstOffset <= last {
			abortedBy[aborted[0].ProducerID] = true
			aborted = aborted[1:]
		}
		switch {
		case b.control():
			abort, err := abortMarker(b.decompressed, b.count)
			if err != nil {
				return decoded, flush(), err
			}
			if abort {
				delete(abortedBy, b.producerID) // the abort marker ends the aborted transaction
			}
		case b.transactional() && abortedBy[b.producerID]:
			// records of an aborted transaction: never delivered
		case last < s.next:
			// records before the offset asked for (a broker sends whole batches)
		default:
			rr := recordReader{buf: b.decompressed, left: int(b.count)}
			for {
				more, err := rr.next(&r)
				if err != nil {
					return decoded, flush(), err
				}
				if !more {
					break
				}
				left--
				off := b.firstOffset + r.offsetDelta
				if off < s.next {
					continue
				}
				if off >= s.end {
					s.done = true
					break
				}
				ts := b.firstTimestamp + r.timestampDelta
				if b.logAppendTime() {
					ts = b.maxTimestamp
				}
				size := rawRecordBytes(&r)
				if out == nil {
					// A piece is sized once, from its first record: the
					// records of a batch are mostly alike, and a slice of
					// Messages grown by appends costs a copy and a clearing
					// at every step.
					out = make([]sources.Message, 0, max(min(left+1, int(chunk/size)+1), 1))
				}
				if len(out) == cap(out) {
					out = slices.Grow(out, len(out)/8+1)
				}
				// The Message is made in its place in the piece: zero there
				// already, only its fields are written.
				out = out[:len(out)+1]
				m := &out[len(out)-1]
				m.Conn, m.Stream, m.Partition, m.Offset = conn, topic, s.partition, off
				m.Key, m.Value, m.ValueSize, m.Timestamp = r.key, r.value, len(r.value), time.UnixMilli(ts)
				if len(r.headers) > 0 {
					m.Headers = make([]sources.Header, len(r.headers))
					for i, h := range r.headers {
						m.Headers[i] = sources.Header{Key: string(h.key), Value: h.value}
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
				s.sent = off + 1
				decoded += size
				outBytes += size
				if outBytes >= chunk && !flush() {
					return decoded, false, nil
				}
			}
		}
		if last+1 > s.next {
			s.next, progressed = last+1, true
		}
		if s.done {
			return decoded, flush(), nil
		}
	}
	if !flush() {
		return decoded, false, nil
	}
	if p.err != nil {
		return decoded, true, p.err
	}
	switch {
	case s.next >= s.end:
		s.done = true
	case !progressed && len(p.RecordBatches) > 0: // a batch larger than this partition's share
		if s.maxBytes >= fetchMaxPartitionBytes {
			return decoded, true, errFallBack
		}
		s.maxBytes *= 2
		s.grown = true
	case !progressed && !s.waitOpen && s.next >= p.LastStableOffset && p.LastStableOffset >= 0:
		s.done = true // what is left is an open transaction: a read_committed read ends here
	}
	return decoded, true, nil
}

// abortMarker reports whether a control batch is an abort marker (its
// first record's key: version int16, type int16, 0 for abort).
func abortMarker(records []byte, count int32) (bool, error) {
	var r rawRecord
	rr := recordReader{buf: records, left: int(count)}
	more, err := rr.next(&r)
	if err != nil || !more {
		return false, err
	}
	return len(r.key) >= 4 && binary.BigEndian.Uint16(r.key[2:]) == 0, nil
}

// rawRecordBytes is what a record counts against a feed's budget as a
// Message (sources.InFlightBytes), from the record itself.
func rawRecordBytes(r *rawRecord) int64 {
	n := sources.MessageOverhead + int64(len(r.key)+len(r.value))
	for _, h := range r.headers {
		n += sources.HeaderOverhead + int64(len(h.key)+len(h.value))
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
			left := fetchBounded(ctx, feed, newBrokerConn(b.Addr(), c.config), c.name, topic, ps, end)
			for _, p := range left { // the consumer reads what the direct fetch left
				pc, err := consumer.ConsumePartition(topic, p.partition, p.start)
				if err != nil {
					feed.Lose(sources.Unread{Stream: topic, Partition: p.partition, From: p.start, To: p.end - 1,
						Why: fmt.Errorf("read from offset %d: %w", p.start, err)})
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
