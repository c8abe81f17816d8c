package sources

import (
	"context"
	"errors"
	"sync"
)

// Feed is the Subscription connectors build on: producer goroutines Send
// messages into a bounded channel and report errors with Fail; when every
// producer is done the owner calls End. Next batches what is ready.
type Feed struct {
	ch        chan []Message
	pending   []Message // the rest of a batch Next could not return whole
	errs      chan error
	ctx       context.Context
	cancel    context.CancelFunc
	stop      func() error
	wg        sync.WaitGroup
	endOnce   sync.Once
	closeOnce sync.Once
	closeErr  error
}

// NewFeed returns a feed holding up to buffer messages. Its context is done
// when the feed is closed; stop (may be nil) releases the connector's
// resources after the producers have returned.
func NewFeed(ctx context.Context, buffer int, stop func() error) *Feed {
	f := &Feed{ch: make(chan []Message, max(buffer/64, 4)), errs: make(chan error, 16), stop: stop}
	f.ctx, f.cancel = context.WithCancel(ctx)
	return f
}

// Context is done when the feed is closed: producers stop on it.
func (f *Feed) Context() context.Context { return f.ctx }

// Go runs a producer; the feed ends when every producer has returned.
func (f *Feed) Go(fn func(ctx context.Context)) {
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		fn(f.ctx)
	}()
}

// EndWhenDone ends the feed once every producer started with Go returns.
// Call it after starting them.
func (f *Feed) EndWhenDone() {
	go func() {
		f.wg.Wait()
		f.endOnce.Do(func() { close(f.ch) })
	}()
}

// Send delivers one message; it reports false when the feed was closed.
func (f *Feed) Send(m Message) bool { return f.SendBatch([]Message{m}) }

// SendBatch delivers messages in order, as one hand-over (cheaper than one
// per message); it reports false when the feed was closed. The feed owns
// the slice afterwards.
func (f *Feed) SendBatch(ms []Message) bool {
	if len(ms) == 0 {
		return true
	}
	select {
	case f.ch <- ms:
		return true
	case <-f.ctx.Done():
		return false
	}
}

// Fail reports an error to the reader without ending the feed. Errors that
// come faster than they are read are dropped.
func (f *Feed) Fail(err error) {
	select {
	case f.errs <- err:
	default:
	}
}

// Next returns the messages that are ready, waiting for at least one. After
// the feed ended it returns a pending error, else ErrEndOfStream.
func (f *Feed) Next(ctx context.Context, maxN int) ([]Message, error) {
	maxN = max(maxN, 1)
	var batch []Message
	if len(f.pending) == 0 {
		select {
		case ms, ok := <-f.ch:
			if !ok {
				select {
				case err := <-f.errs:
					return nil, err
				default:
				}
				return nil, ErrEndOfStream
			}
			f.pending = ms
		case err := <-f.errs:
			return nil, err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	take := func() {
		n := min(maxN-len(batch), len(f.pending))
		if batch == nil && n == len(f.pending) {
			batch = f.pending // hand the whole slice over
		} else {
			batch = append(batch, f.pending[:n]...)
		}
		f.pending = f.pending[n:]
	}
	take()
	for len(batch) < maxN {
		select {
		case ms, ok := <-f.ch:
			if !ok {
				return batch, nil
			}
			f.pending = ms
			take()
		default:
			return batch, nil
		}
	}
	return batch, nil
}

// Close stops the producers, waits for them and releases the connector's
// resources.
func (f *Feed) Close() error {
	f.closeOnce.Do(func() {
		f.cancel()
		f.wg.Wait()
		if f.stop != nil {
			f.closeErr = f.stop()
		}
	})
	return f.closeErr
}

// Drain reads a subscription to its end (or until limit messages, when
// limit > 0) and closes it.
func Drain(ctx context.Context, sub Subscription, limit int) ([]Message, error) {
	defer sub.Close()
	var out []Message
	for limit <= 0 || len(out) < limit {
		b, err := sub.Next(ctx, 5000)
		out = append(out, b...)
		if errors.Is(err, ErrEndOfStream) {
			break
		}
		if err != nil {
			return out, err
		}
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
