package sources

import (
	"context"
	"errors"
	"slices"
	"sync"
	"unsafe"
)

// DefaultInFlight is how many bytes a read holds between the broker and
// its reader when ReadOptions.InFlight is 0.
const DefaultInFlight = 16 << 20

// MessageOverhead is what a message costs a feed beyond its key, value and
// headers: the Message itself and recordFraming.
const MessageOverhead = int64(unsafe.Sizeof(Message{})) + recordFraming

// recordFraming is what a message's bytes take in the buffer they are part
// of beyond its key and value: a Kafka record's length, attributes, deltas
// and lengths (varints, 10 bytes or more), its share of its batch's header
// and of the piece of Messages it is handed over in. Measured over batches
// of 10,000 records the Kafka direct fetch decoded (snappy, lz4, zstd and
// none; TestMessageOverheadCountsWhatADecodedRecordHolds in sources/kafka):
// 240 to 260 bytes held a record beyond its key and value, the 232-byte
// Message included.
const recordFraming = 40

// HeaderOverhead is what one header costs a feed beyond its key and value:
// the Header, and the rounding of its slice's and its key's allocations
// and its lengths in its record (a record of one header held about 96
// bytes more than one of none).
const HeaderOverhead = int64(unsafe.Sizeof(Header{})) + 56

// minChunk is the smallest piece a feed cuts a batch into.
const minChunk = 64 << 10

// InFlightBytes is what a message counts against a feed's budget: key,
// value and headers, plus MessageOverhead.
func InFlightBytes(m *Message) int64 {
	n := MessageOverhead + int64(len(m.Key)+len(m.Value))
	for i := range m.Headers {
		n += HeaderOverhead + int64(len(m.Headers[i].Key)+len(m.Headers[i].Value))
	}
	return n
}

// Feed is the Subscription connectors build on: producer goroutines Send
// messages and report errors with Fail; when every producer is done the
// owner calls EndWhenDone. Next batches what is ready.
//
// A feed is bounded by bytes, not by messages: it holds at most its budget
// of InFlightBytes (or one message, when that one is larger). A batch is
// cut into chunks of at most ChunkBytes, and SendBatch blocks while the
// next chunk would take the feed past its budget, so a producer never runs
// further ahead of a slow reader than the budget.
type Feed struct {
	budget int64
	chunk  int64

	mu     sync.Mutex
	queue  [][]Message   // chunks waiting, in order; the first may be partly taken
	held   int64         // InFlightBytes of what the queue holds
	high   int64         // the most held at once
	space  chan struct{} // closed (and replaced) when bytes are released
	ready  chan struct{} // a chunk was queued (one signal pending at most)
	ended  chan struct{} // closed when every producer returned
	unread []Unread      // what producers could not deliver (Lose)
	told   bool          // the IncompleteError was returned

	errs      chan error
	ctx       context.Context
	cancel    context.CancelFunc
	stop      func() error
	wg        sync.WaitGroup
	endOnce   sync.Once
	closeOnce sync.Once
	closeErr  error
}

// NewFeed returns a feed holding up to inFlight bytes of messages (counted
// by InFlightBytes; 0 or less: DefaultInFlight). Its context is done when
// the feed is closed; stop (may be nil) releases the connector's resources
// after the producers have returned.
func NewFeed(ctx context.Context, inFlight int64, stop func() error) *Feed {
	if inFlight <= 0 {
		inFlight = DefaultInFlight
	}
	f := &Feed{
		budget: inFlight,
		chunk:  max(inFlight/8, min(inFlight, minChunk)),
		space:  make(chan struct{}),
		ready:  make(chan struct{}, 1),
		ended:  make(chan struct{}),
		errs:   make(chan error, 16),
		stop:   stop,
	}
	f.ctx, f.cancel = context.WithCancel(ctx)
	return f
}

// Budget is how many bytes the feed holds at most.
func (f *Feed) Budget() int64 { return f.budget }

// ChunkBytes is the size of the pieces SendBatch cuts a batch into: a
// producer that decodes in pieces of about this size holds no more than
// one piece beyond what the feed holds.
func (f *Feed) ChunkBytes() int64 { return f.chunk }

// HighWater is the most bytes (InFlightBytes) the feed held at once.
func (f *Feed) HighWater() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.high
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
		f.endOnce.Do(func() { close(f.ended) })
	}()
}

// Send delivers one message; it reports false when the feed was closed.
func (f *Feed) Send(m Message) bool { return f.SendBatch([]Message{m}) }

// SendBatch delivers messages in order, in chunks of at most ChunkBytes
// (one hand-over a chunk, cheaper than one a message), each as soon as the
// feed has room for it; it reports false when the feed was closed. The
// feed owns the slice afterwards.
func (f *Feed) SendBatch(ms []Message) bool {
	for len(ms) > 0 {
		n, size := 0, int64(0)
		for n < len(ms) {
			s := InFlightBytes(&ms[n])
			if n > 0 && size+s > f.chunk {
				break
			}
			size += s
			n++
		}
		if !f.put(ms[:n:n], size) {
			return false
		}
		ms = ms[n:]
	}
	return true
}

// put queues one chunk of size bytes once the feed has room for it (an
// empty feed always has room).
func (f *Feed) put(chunk []Message, size int64) bool {
	for {
		f.mu.Lock()
		if f.held == 0 || f.held+size <= f.budget {
			f.queue = append(f.queue, chunk)
			f.held += size
			f.high = max(f.high, f.held)
			f.mu.Unlock()
			select {
			case f.ready <- struct{}{}:
			default:
			}
			return true
		}
		space := f.space
		f.mu.Unlock()
		select {
		case <-space:
		case <-f.ctx.Done():
			return false
		}
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

// Lose records a range a producer could not deliver: once the feed has
// ended, Next returns an IncompleteError listing every such range (once,
// then ErrEndOfStream). Unlike Fail, nothing is dropped.
func (f *Feed) Lose(u Unread) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.unread = append(f.unread, u)
}

// Next returns the messages that are ready, waiting for at least one. After
// the feed ended it returns a pending error, else an IncompleteError when
// a producer lost a range (see Lose; once), else ErrEndOfStream.
func (f *Feed) Next(ctx context.Context, maxN int) ([]Message, error) {
	maxN = max(maxN, 1)
	for {
		f.mu.Lock()
		if len(f.queue) > 0 {
			batch := f.take(maxN)
			f.mu.Unlock()
			return batch, nil
		}
		f.mu.Unlock()
		select {
		case <-f.ready:
		case <-f.ended:
			f.mu.Lock()
			more := len(f.queue) > 0
			f.mu.Unlock()
			if more {
				continue
			}
			select {
			case err := <-f.errs:
				return nil, err
			default:
			}
			return nil, f.endError()
		case err := <-f.errs:
			return nil, err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// endError is what Next returns once the feed ended and is empty: the
// IncompleteError of the ranges lost, the first time, else ErrEndOfStream.
func (f *Feed) endError() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.unread) == 0 || f.told {
		return ErrEndOfStream
	}
	f.told = true
	us := slices.Clone(f.unread)
	sortUnread(us)
	return &IncompleteError{Unread: us}
}

// take removes up to maxN queued messages and frees their bytes. f.mu is
// held.
func (f *Feed) take(maxN int) []Message {
	var batch []Message
	var freed int64
	for len(batch) < maxN && len(f.queue) > 0 {
		head := f.queue[0]
		n := min(maxN-len(batch), len(head))
		for i := range head[:n] {
			freed += InFlightBytes(&head[i])
		}
		if batch == nil {
			batch = head[:n:n] // hand the chunk, or its start, over without a copy
		} else {
			batch = append(batch, head[:n]...)
		}
		if n < len(head) {
			f.queue[0] = head[n:]
			break
		}
		f.queue[0] = nil
		f.queue = f.queue[1:]
	}
	if len(f.queue) == 0 {
		f.queue = nil // let the chunk list's array go
	}
	f.held -= freed
	close(f.space) // wake producers waiting for room
	f.space = make(chan struct{})
	return batch
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
