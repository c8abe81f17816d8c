package nats

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
)

// goneWait is how often a read whose stream was deleted looks for it
// again.
const goneWait = 500 * time.Millisecond

// suspect asks the watch to look at the stream (its consumer is gone, or
// its heartbeats).
func (r *read) suspect() {
	select {
	case r.suspects <- struct{}{}:
	default:
	}
}

// watch follows whether a read's stream is still the one it read. A read
// that follows, its stream deleted, says so (sources.StreamGoneNotice),
// waits for the stream to come back and reads it from its start, saying
// that too (the ordered consumer alone would go on after the last
// sequence it saw, past the new stream's first messages). A bounded read
// ends (see ended): what it was to read is not there any more.
func (r *read) watch(ctx context.Context) {
	for {
		select {
		case <-r.suspects:
		case <-ctx.Done():
			return
		}
		s, err := r.c.js.Stream(ctx, r.stream)
		switch {
		case errors.Is(err, jetstream.ErrStreamNotFound):
		case err != nil:
			continue // the broker away: the ordered consumer recovers
		case s.CachedInfo().Created.Equal(r.created):
			continue
		}
		r.c.forget(r.stream)
		if !r.follow {
			r.ended(err == nil)
			return
		}
		r.feed.Fail(&sources.StreamGoneNotice{Stream: r.stream})
		r.current().Stop()
		for err != nil {
			select {
			case <-time.After(goneWait):
			case <-ctx.Done():
				return
			}
			s, err = r.c.js.Stream(ctx, r.stream)
		}
		if err := r.restart(ctx, s); err != nil {
			r.feed.Fail(err)
			return
		}
		r.feed.Fail(&sources.StreamGoneNotice{Stream: r.stream, Back: true})
	}
}

// ended ends a bounded read whose stream was deleted (replaced: and
// created again) before its end: run records what it did not read.
func (r *read) ended(replaced bool) {
	r.mu.Lock()
	if !r.finished {
		r.finished = true
		r.deleted = &sources.StreamDeletedError{Stream: r.stream, Of: r.total, Replaced: replaced}
	}
	r.mu.Unlock()
	r.current().Stop()
	r.signal()
}

// restart reads the stream s (created again) from its start with a new
// ordered consumer.
func (r *read) restart(ctx context.Context, s jetstream.Stream) error {
	r.created = s.CachedInfo().Created
	cfg := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy, InactiveThreshold: readInactive, MaxResetAttempts: 0,
		NamePrefix: fmt.Sprintf("%s%08x", sources.ReadConsumerPrefix, rand.Uint32())}
	cons, err := r.c.js.OrderedConsumer(ctx, r.stream, cfg)
	if err != nil {
		return fmt.Errorf("read %s again: %w", r.stream, err)
	}
	cc, err := cons.Consume(r.handle, jetstream.PullMaxMessages(readBatch), jetstream.ConsumeErrHandler(r.consumeError))
	if err != nil {
		return fmt.Errorf("read %s again: %w", r.stream, err)
	}
	r.swap.Lock()
	r.cons, r.cc = cons, cc
	r.swap.Unlock()
	return nil
}

// current is the consumption under way.
func (r *read) current() jetstream.ConsumeContext {
	r.swap.Lock()
	defer r.swap.Unlock()
	return r.cc
}
