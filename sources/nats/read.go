package nats

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
)

// readInactive is how long the server keeps a read's ephemeral consumer
// once nothing pulls from it: a read that dies without closing leaves
// nothing behind for long.
const readInactive = 30 * time.Second

// readBatch is how many messages a read asks the server for at a time.
const readBatch = 1000

// Read reads a stream through an ephemeral ordered consumer (a
// work-queue or interest stream, which a consumer's reading would take
// messages from, is read by sequence instead: see readByGet): no durable
// consumer is created, nothing is acknowledged, and the consumer is
// deleted when the read ends (the server drops it after readInactive
// should mqscope die first). Offsets are stream sequences. Without
// opts.Follow the read ends at the last message the stream held when it
// started (or at opts.End).
//
// A stream that captures dead-letter advisories reads as its dead
// letters: each advisory becomes the original message it names, fetched
// by sequence, with sources.DeadLetter provenance; an original the stream
// no longer holds is delivered flagged (GoneOriginal), never dropped.
func (c *Conn) Read(ctx context.Context, stream string, opts sources.ReadOptions) (sources.Subscription, error) {
	s, err := c.stream(ctx, stream)
	if err != nil {
		return nil, err
	}
	si, err := s.Info(ctx)
	if err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			c.forget(stream)
			return nil, fmt.Errorf("stream %q on %s: %w", stream, c.address, sources.ErrUnknownStream)
		}
		return nil, fmt.Errorf("read %s: %w", stream, err)
	}
	if consumes(si.Config) {
		return c.readByGet(ctx, s, stream, si, opts)
	}
	opts, endSeq := bounded(opts, si.State)
	cfg, empty := orderedConfig(si.State, opts)
	capture := captureOf(si.Config.Subjects) != nil
	if !opts.Follow && (empty || si.State.Msgs == 0) {
		feed := sources.NewFeed(ctx, opts.InFlight, nil)
		feed.EndWhenDone()
		return feed, nil
	}
	cfg.InactiveThreshold = readInactive
	// Its consumers are told apart from an application's, and from another read's.
	cfg.NamePrefix = fmt.Sprintf("%s%08x", sources.ReadConsumerPrefix, rand.Uint32())
	cfg.MaxResetAttempts = 0 // unlimited: a read outlives a server restart
	cons, err := c.js.OrderedConsumer(ctx, stream, cfg)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", stream, err)
	}
	r := &read{c: c, stream: stream, opts: opts, follow: opts.Follow, endSeq: endSeq, stopAt: endOffset(opts.End), capture: capture,
		ready: make(chan struct{}, 1), room: make(chan struct{}), suspects: make(chan struct{}, 1), created: si.Created,
		from: startSeq(cfg, si.State), total: -1, firstBefore: si.State.FirstSeq}
	if !opts.Follow && cfg.DeliverPolicy != jetstream.DeliverByStartTimePolicy {
		r.seen = r.from - 1 // the first delivery past r.from skipped some
		r.watchGaps = si.State.NumDeleted <= maxDeletedKnown
		if r.watchGaps && si.State.NumDeleted > 0 {
			// The sequences deleted before the read: a delivery that skips
			// them skips nothing the read lost.
			full, err := s.Info(ctx, jetstream.WithDeletedDetails(true))
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", stream, err)
			}
			r.deletedBefore = slices.Sorted(slices.Values(full.State.Deleted))
		}
	}
	feed := sources.NewFeed(ctx, opts.InFlight, r.stop)
	r.feed = feed
	r.maxBytes = feed.ChunkBytes()
	r.cons = cons
	cc, err := cons.Consume(r.handle,
		jetstream.PullMaxMessages(readBatch),
		jetstream.ConsumeErrHandler(r.consumeError))
	if err != nil {
		_ = feed.Close() // deletes the consumer, if it was made
		return nil, fmt.Errorf("read %s: %w", stream, err)
	}
	r.cc = cc
	if !opts.Follow {
		// Interior deletes can leave nothing between the start and the
		// end: the consumer says so before it delivers anything.
		if ci, err := cons.Info(ctx); err == nil {
			r.nothing = ci.NumPending == 0 && ci.Delivered.Consumer == 0
			if opts.End == nil {
				r.total = int64(ci.NumPending + ci.Delivered.Consumer)
			}
		}
	}
	feed.Go(r.run)
	if opts.Follow {
		feed.Go(r.watch)
	}
	feed.EndWhenDone()
	return feed, nil
}

// bounded is how a read of a stream in state st goes, and the last
// sequence it reads when it ends there: a bounded read to the stream's
// last sequence when it starts (or to opts.End's offset, when lower); a
// followed read whose end offset the stream has reached already (tail
// --until offset:N, N at most its last sequence) is such a bounded read
// too, so it ends when it has passed N, whatever was purged or deleted,
// instead of waiting for a message past N.
func bounded(opts sources.ReadOptions, st jetstream.StreamState) (sources.ReadOptions, uint64) {
	end := endOffset(opts.End)
	if end >= 0 && uint64(end) <= st.LastSeq {
		opts.Follow = false
		return opts, uint64(end)
	}
	return opts, st.LastSeq
}

// endOffset is the last sequence an end bound lets a read deliver (as
// sources.Start.Past takes it); -1 when it is no offset.
func endOffset(e *sources.Start) int64 {
	if e == nil || e.Kind != sources.StartOffset {
		return -1
	}
	if o, ok := e.Offsets[sources.NoPartition]; ok {
		return o
	}
	return e.Offset
}

// startSeq is the first sequence a read configured by cfg can deliver.
func startSeq(cfg jetstream.OrderedConsumerConfig, st jetstream.StreamState) uint64 {
	switch cfg.DeliverPolicy {
	case jetstream.DeliverByStartSequencePolicy:
		return max(cfg.OptStartSeq, st.FirstSeq)
	case jetstream.DeliverNewPolicy:
		return st.LastSeq + 1
	}
	return max(st.FirstSeq, 1)
}

// orderedConfig is the ordered consumer that starts where opts say; empty
// reports a bounded read that has nothing to deliver.
func orderedConfig(st jetstream.StreamState, opts sources.ReadOptions) (jetstream.OrderedConsumerConfig, bool) {
	var cfg jetstream.OrderedConsumerConfig
	first, last := st.FirstSeq, st.LastSeq
	start := opts.Start
	bySeq := func(seq uint64) {
		cfg.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
		cfg.OptStartSeq = max(seq, 1)
	}
	empty := false
	switch start.Kind {
	case sources.StartNewest:
		cfg.DeliverPolicy = jetstream.DeliverNewPolicy
		empty = true
	case sources.StartLastN:
		n := uint64(max(start.N, 1))
		if last >= n && last-n+1 > first {
			bySeq(last - n + 1)
		} else {
			bySeq(first)
		}
	case sources.StartOffset:
		off := start.Offset
		if o, ok := start.Offsets[sources.NoPartition]; ok {
			off = o
		} else if o, ok := start.Offsets[0]; ok && off < 0 {
			off = o
		}
		bySeq(uint64(max(off, 0)))
		empty = uint64(max(off, 0)) > last
	case sources.StartTime:
		t := start.Time
		cfg.DeliverPolicy = jetstream.DeliverByStartTimePolicy
		cfg.OptStartTime = &t
		empty = st.Msgs == 0 || t.After(st.LastTime)
	default:
		cfg.DeliverPolicy = jetstream.DeliverAllPolicy
	}
	if e := opts.End; e != nil {
		switch e.Kind {
		case sources.StartOffset:
			if e.Offset >= 0 && cfg.DeliverPolicy == jetstream.DeliverByStartSequencePolicy && uint64(e.Offset) < cfg.OptStartSeq {
				empty = true
			}
		case sources.StartTime:
			if e.Time.Before(st.FirstTime) && st.Msgs > 0 {
				empty = true
			}
		}
	}
	return cfg, empty
}

// read is one Read under way. The client's dispatcher converts each
// delivery (handle) into a batch the producer (run) hands to the feed; the
// batch holds at most readBatch messages or maxBytes, so the dispatcher
// waits, and the pull buffer bounds the rest, while the reader is behind.
type read struct {
	c       *Conn
	stream  string
	opts    sources.ReadOptions
	follow  bool
	endSeq  uint64
	stopAt  int64 // the end offset's sequence, where a followed read ends too (-1: none)
	capture bool
	nothing bool

	feed     *sources.Feed
	cons     jetstream.Consumer
	cc       jetstream.ConsumeContext
	maxBytes int64
	swap     sync.Mutex // cons and cc, replaced when the stream is read again

	suspects chan struct{} // the watch is asked to look at the stream
	created  time.Time     // when the stream read was created
	from     uint64        // a bounded read's first sequence
	total    int64         // how many messages a bounded read is to deliver (-1: not known)

	// A bounded read watches for gaps (watchGaps): seen is the last
	// sequence delivered, firstBefore the stream's first sequence when
	// the read began and deletedBefore the sequences it had deleted
	// then, in order; a delivery past seen+1 that skips sequences the
	// stream held, whose first sequence has risen past them, skips
	// messages removed while the read ran (see gap).
	watchGaps     bool
	seen          uint64
	firstBefore   uint64
	deletedBefore []uint64

	mu       sync.Mutex
	batch    []sources.Message
	bytes    int64
	hint     int                         // the size of the last batch taken
	finished bool                        // the end is reached (or an error)
	err      error                       // what ended the read
	deleted  *sources.StreamDeletedError // the stream of a bounded read was deleted
	last     uint64                      // the sequence of the batch's last message
	upTo     uint64                      // the highest sequence delivered so far
	ready    chan struct{}               // the batch has something (one signal pending at most)
	room     chan struct{}               // closed (and replaced) when the batch is taken
}

// handle converts one delivery and adds it to the batch.
func (r *read) handle(m jetstream.Msg) {
	ctx := r.feed.Context()
	r.mu.Lock()
	finished := r.finished
	r.mu.Unlock()
	if finished || ctx.Err() != nil {
		return
	}
	msg, seq, ok, end, err := r.convert(ctx, m)
	if r.watchGaps && err == nil && seq > r.seen+1 {
		r.gap(ctx, r.seen+1, seq)
	}
	if seq > r.seen {
		r.seen = seq
	}
	r.mu.Lock()
	r.upTo = max(r.upTo, seq)
	switch {
	case r.finished:
	case err != nil:
		r.err, r.finished = err, true
	case ok && r.opts.End.Past(&msg):
		r.finished = true
	default:
		if ok {
			if r.batch == nil { // sized as the last one was
				r.batch = make([]sources.Message, 0, min(max(r.hint, 16), readBatch))
			}
			r.batch = append(r.batch, msg)
			r.bytes += sources.InFlightBytes(&msg)
			r.last = seq
		}
		r.finished = end || ok && r.stopAt == int64(seq)
	}
	for !r.finished && (len(r.batch) >= readBatch || r.bytes >= r.maxBytes) {
		room := r.room
		r.mu.Unlock()
		r.signal()
		select {
		case <-room:
		case <-ctx.Done():
			return
		}
		r.mu.Lock()
	}
	r.mu.Unlock()
	r.signal()
}

// maxDeletedKnown is the most deleted sequences a bounded read learns
// of when it begins; a stream with more is read without watching for
// messages removed while it reads.
const maxDeletedKnown = 1 << 20

// gap checks, for a bounded read whose delivery after sequence from-1
// is sequence to, whether the messages it skipped were removed while it
// read: the stream's first sequence has risen past from (a purge, its
// limits), and of from up to that first sequence (and to, and the read's
// end) some the stream held when the read began. If so it records them
// lost (Feed.Lose) with a sources.StreamTrimmedError; the read goes on.
// Sequences deleted before the read began are no such loss.
func (r *read) gap(ctx context.Context, from, to uint64) {
	last := min(to-1, r.endSeq)
	if last < from || r.held(from, last) == 0 {
		return // deleted before the read
	}
	si, err := r.c.js.Stream(ctx, r.stream)
	if err != nil {
		return // the stream is gone: watch says so
	}
	st := si.CachedInfo().State
	if st.FirstSeq <= from || st.FirstSeq <= r.firstBefore {
		return
	}
	last = min(last, st.FirstSeq-1)
	n := r.held(from, last)
	if n == 0 {
		return
	}
	r.feed.Lose(sources.Unread{Stream: r.stream, Partition: sources.NoPartition, From: int64(from), To: int64(last),
		Why: &sources.StreamTrimmedError{Stream: r.stream, Removed: int64(n)}})
}

// held is how many of the sequences from to last the stream held when
// the read began (those not deleted then).
func (r *read) held(from, last uint64) uint64 {
	lo, _ := slices.BinarySearch(r.deletedBefore, from)
	hi, _ := slices.BinarySearch(r.deletedBefore, last+1)
	return last - from + 1 - uint64(hi-lo)
}

func (r *read) signal() {
	select {
	case r.ready <- struct{}{}:
	default:
	}
}

// consumeError has the watch look at the stream when the consumer is gone,
// or its heartbeats, or the stream: the ordered consumer recovers by itself
// from a broker away, not from a stream deleted (followed, it is waited
// for; a bounded read ends, see watch).
func (r *read) consumeError(_ jetstream.ConsumeContext, err error) {
	if errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrNoHeartbeat) {
		r.suspect()
	}
}

// run hands the batches to the feed until the end. A bounded read's
// stream deleted under it (see watch) ends it there, what it could not
// read recorded (Feed.Lose) with a sources.StreamDeletedError.
func (r *read) run(ctx context.Context) {
	defer func() { r.current().Stop() }() // no more pulls once the read is at its end
	if r.nothing {
		return
	}
	if !r.follow {
		wctx, cancel := context.WithCancel(ctx)
		watched := make(chan struct{})
		go func() {
			defer close(watched)
			r.watch(wctx)
		}()
		defer func() {
			cancel()
			<-watched
		}()
	}
	var idle <-chan time.Time
	if !r.follow {
		t := time.NewTicker(idleCheck)
		defer t.Stop()
		idle = t.C
	}
	var sent int64
	next := r.from
	checked := uint64(0)
	for {
		select {
		case <-r.ready:
		case <-idle:
			if r.passedEnd(ctx, &checked) {
				return
			}
			continue
		case <-ctx.Done():
			return
		}
		r.mu.Lock()
		batch, finished, err, deleted, last := r.batch, r.finished, r.err, r.deleted, r.last
		r.batch, r.bytes, r.hint = nil, 0, len(batch)
		close(r.room)
		r.room = make(chan struct{})
		r.mu.Unlock()
		if len(batch) > 0 {
			if !r.feed.SendBatch(batch) {
				return
			}
			sent += int64(len(batch))
			next = last + 1
		}
		if deleted != nil {
			deleted.Read = sent
			r.feed.Lose(sources.Unread{Stream: r.stream, Partition: sources.NoPartition, From: int64(next), To: int64(max(r.endSeq, next)), Why: deleted})
			return
		}
		if err != nil {
			r.feed.Fail(err)
			return
		}
		if finished {
			return
		}
	}
}

// idleCheck is how long a bounded read goes without a delivery before
// it asks the server whether what it is to read is still there.
const idleCheck = 500 * time.Millisecond

// passedEnd ends a bounded read that nothing more can come to: no
// delivery since the last look (checked: the highest sequence delivered
// then), nothing waiting for the reader, and the stream holds nothing up
// to the read's end (its last sequence when the read began) any more: a
// purge of the whole stream took what was left, so the ordered consumer
// would wait for ever. The sequences it did not read, held when the read
// began, are recorded as removed while it read (Feed.Lose with a
// sources.StreamTrimmedError).
func (r *read) passedEnd(ctx context.Context, checked *uint64) bool {
	r.mu.Lock()
	busy, up := r.finished || len(r.batch) > 0, r.upTo
	r.mu.Unlock()
	if busy || up != *checked {
		*checked = up
		return false
	}
	s, err := r.c.js.Stream(ctx, r.stream)
	if err != nil {
		return false // the stream gone: watch ends the read; the broker away: the consumer recovers
	}
	if st := s.CachedInfo().State; st.Msgs > 0 && st.FirstSeq <= r.endSeq {
		return false
	}
	r.mu.Lock()
	if r.finished || r.upTo != up {
		r.mu.Unlock()
		return false
	}
	r.finished = true
	r.mu.Unlock()
	from := max(up+1, r.from)
	if from <= r.endSeq {
		if n := r.held(from, r.endSeq); n > 0 {
			r.feed.Lose(sources.Unread{Stream: r.stream, Partition: sources.NoPartition, From: int64(from), To: int64(r.endSeq),
				Why: &sources.StreamTrimmedError{Stream: r.stream, Removed: int64(n)}})
		}
	}
	return true
}

// convert turns a delivery into a message (ok is false for a record that
// is not one: past the end, or not a dead-letter advisory); end reports
// the last delivery of a bounded read.
func (r *read) convert(ctx context.Context, m jetstream.Msg) (msg sources.Message, seq uint64, ok, end bool, err error) {
	meta, err := m.Metadata()
	if err != nil {
		return msg, 0, false, false, fmt.Errorf("read %s: %w", r.stream, err)
	}
	seq = meta.Sequence.Stream
	if !r.follow && seq > r.endSeq {
		return msg, seq, false, true, nil
	}
	end = !r.follow && (seq >= r.endSeq || meta.NumPending == 0)
	if r.capture {
		msg, ok, err = r.c.deadLetter(ctx, r.stream, seq, m.Subject(), m.Data(), meta.Timestamp)
		if err != nil {
			return msg, seq, false, false, fmt.Errorf("read %s#%d: %w", r.stream, seq, err)
		}
		msg.Conn = r.c.name
		return msg, seq, ok, end, nil
	}
	return Convert(r.c.name, r.stream, seq, m.Subject(), m.Headers(), m.Data(), meta.Timestamp), seq, true, end, nil
}

// Convert makes a message of a stored JetStream message. The subject is
// the Key (what routes and names the message, as a routing key does: a
// filter's key, the list's key column, the redrive's default target) and
// the "subject" property; ID is Nats-Msg-Id.
func Convert(conn, stream string, seq uint64, subject string, h natsgo.Header, data []byte, ts time.Time) sources.Message {
	m := sources.Message{
		Conn:       conn,
		Stream:     stream,
		Partition:  sources.NoPartition,
		Offset:     int64(seq),
		Key:        []byte(subject),
		Value:      data,
		ValueSize:  len(data),
		Headers:    headersOf(h),
		Timestamp:  ts,
		Properties: []sources.Property{{Name: "subject", Value: subject}},
	}
	if len(h) > 0 {
		m.ID = h.Get(natsgo.MsgIdHdr)
		dlq.MarkCopy(&m)
	}
	return m
}

// stop ends the consumption and deletes the read's ephemeral consumer.
func (r *read) stop() error {
	r.swap.Lock()
	cc, cons := r.cc, r.cons
	r.swap.Unlock()
	if cc != nil {
		cc.Stop()
		<-cc.Closed()
	}
	if cons == nil {
		return nil
	}
	info := cons.CachedInfo()
	if info == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.c.timeout)
	defer cancel()
	if err := r.c.js.DeleteConsumer(ctx, r.stream, info.Name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) && !errors.Is(err, jetstream.ErrStreamNotFound) && !errors.Is(err, natsgo.ErrConnectionClosed) {
		return fmt.Errorf("read %s: delete its ephemeral consumer %s: %w", r.stream, info.Name, err)
	}
	return nil
}
