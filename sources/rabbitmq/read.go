package rabbitmq

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/rabbitmq/wire"
)

const (
	// DefaultPeek is how many messages a peek holds when the start says no count.
	DefaultPeek = 100
	// MaxPeek bounds one peek: every held message is invisible to consumers.
	MaxPeek = 5000
	// peekIdle ends a peek that receives nothing more (the rest of the queue
	// is unacknowledged by other consumers).
	peekIdle = 750 * time.Millisecond
	// streamIdleEnd ends a bounded stream read that receives nothing more.
	streamIdleEnd = time.Second
)

// Read reads a queue, a stream or an exchange:
//   - classic and quorum queues are peeked (see Peek): a bounded read;
//   - streams are consumed from an x-stream-offset and never changed;
//   - exchanges are tapped with a private queue: only new messages.
func (c *Conn) Read(ctx context.Context, name string, opts sources.ReadOptions) (sources.Subscription, error) {
	kind, err := c.kindOf(ctx, name)
	if err != nil {
		return nil, err
	}
	switch kind {
	case KindStream:
		return c.readStream(ctx, name, opts)
	case KindExchange:
		return c.tap(ctx, name, opts.InFlight)
	default:
		n, err := sources.PeekCount(name, opts.Start, DefaultPeek, MaxPeek)
		if err != nil {
			return nil, err
		}
		return c.Peek(ctx, name, n)
	}
}

// StreamKind says what a name is: classic, quorum, stream or exchange.
func (c *Conn) StreamKind(ctx context.Context, name string) (string, error) {
	return c.kindOf(ctx, name)
}

// kindOf finds what a name is: from the last listing, else the management
// API, else by trying a passive declare.
func (c *Conn) kindOf(ctx context.Context, name string) (string, error) {
	c.mu.Lock()
	kind, ok := c.kinds[name]
	c.mu.Unlock()
	if ok {
		return kind, nil
	}
	if c.mgmt != nil {
		q, err := c.mgmt.Queue(ctx, c.uri.Vhost, name)
		if err == nil {
			if q.Type == "" {
				return KindClassic, nil
			}
			return q.Type, nil
		}
		if !errors.Is(err, errNotFound) {
			return "", fmt.Errorf("read %s: %w", name, err)
		}
		if c.exchangeExists(ctx, name) {
			return KindExchange, nil
		}
		return "", fmt.Errorf("%q in vhost %q on %s: %w", name, c.uri.Vhost, c.where(), sources.ErrUnknownStream)
	}
	if _, _, err := c.depth(ctx, name); err == nil {
		return KindQueue, nil
	} else if !errors.Is(err, sources.ErrUnknownStream) {
		return "", err
	}
	if c.exchangeExists(ctx, name) {
		return KindExchange, nil
	}
	return "", fmt.Errorf("%q in vhost %q on %s: %w", name, c.uri.Vhost, c.where(), sources.ErrUnknownStream)
}

func (c *Conn) exchangeExists(ctx context.Context, name string) bool {
	ch, err := c.channel(ctx)
	if err != nil {
		return false
	}
	defer ch.Close()
	return ch.ExchangeDeclarePassive(name, "topic", false, false, false, false, nil) == nil
}

// Peek reads up to n messages from the head of a classic or quorum queue
// without removing them: it consumes with manual acknowledgement and a
// prefetch of n, cancels the consumer, then nacks them all with requeue
// (basic.nack multiple; closing the connection requeues what came after).
// Each message is delivered once per peek. Side effects, which the UI
// states: the messages come back flagged redelivered, a quorum queue's
// delivery count rises by one (a peek can push a message past its
// delivery limit: see PeekCost), order may change, and while held the
// messages are invisible to other consumers.
//
// The peek reads over a hand-framed connection (package wire) and decodes
// each message defensively (see convertRaw): a poison message, with
// headers larger than frame_max or nested deeper than amqp091-go reads,
// is read with a Flaw that says so, and the rest of the queue is read.
func (c *Conn) Peek(ctx context.Context, queue string, n int) (sources.Subscription, error) {
	depth, _, err := c.depth(ctx, queue)
	if err != nil {
		return nil, err
	}
	want := min(n, depth)
	feed := sources.NewFeed(ctx, 0, nil)
	if want == 0 {
		feed.EndWhenDone()
		return peekRead{Feed: feed, depth: int64(depth)}, nil
	}
	held, frameMax, err := c.hold(ctx, queue, want)
	if err != nil {
		feed.Close()
		return nil, err
	}
	msgs := make([]sources.Message, len(held))
	for i, d := range held {
		msgs[i] = c.convertRaw(d, queue, int64(i), frameMax)
	}
	feed.Go(func(context.Context) { feed.SendBatch(msgs) })
	feed.EndWhenDone()
	if err := ctx.Err(); err != nil { // the messages went back; do not hand out half a peek
		feed.Close()
		return nil, err
	}
	return peekRead{Feed: feed, held: len(held), depth: int64(depth)}, nil
}

// peekRead is a peek's Subscription (sources.PeekRead).
type peekRead struct {
	*sources.Feed
	held  int
	depth int64 // the messages ready in the queue when the peek began
}

// Depth is how many messages were ready in the queue when the peek
// began (sources.PeekDepth).
func (p peekRead) Depth() int64 { return p.depth }

// Held is how many messages the peek held and gave back.
func (p peekRead) Held() int { return p.held }

// Peeks says whether a read of name is a peek: classic and quorum queues
// are peeked, streams and exchanges are not (see Read).
func (c *Conn) Peeks(ctx context.Context, name string) (bool, error) {
	kind, err := c.kindOf(ctx, name)
	if err != nil {
		return false, err
	}
	return peeks(kind), nil
}

func peeks(kind string) bool { return kind != KindStream && kind != KindExchange }

var _ sources.Peeker = (*Conn)(nil)

// hold receives up to want messages from the head of a queue and gives
// them all back, over a connection of its own; it returns what it
// received and the connection's frame size.
func (c *Conn) hold(ctx context.Context, queue string, want int) ([]wire.Delivery, int, error) {
	wc, err := c.DialWire(ctx, "peek "+queue)
	if err != nil {
		return nil, 0, err
	}
	defer wc.Close() // requeues whatever is still unacknowledged
	if err := wc.Qos(want); err != nil {
		return nil, 0, fmt.Errorf("peek %s: qos: %w", queue, err)
	}
	const tag = "mqscope-peek"
	if err := wc.Consume(queue, tag); err != nil {
		return nil, 0, c.wireQueueError(queue, err)
	}
	ev := wc.Start(1)
	// Collect first, then give everything back, then deliver to the reader:
	// the messages are held only as long as the broker takes to send them.
	var held []wire.Delivery
	var broken error
	idle := time.NewTimer(peekIdle)
	defer idle.Stop()
collect:
	for len(held) < want {
		select {
		case batch, ok := <-ev.Deliveries:
			if !ok {
				broken = wc.Err()
				break collect
			}
			held = append(held, batch...)
			idle.Reset(peekIdle)
		case <-idle.C:
			break collect
		case <-ctx.Done():
			break collect
		}
	}
	if broken != nil {
		return nil, 0, fmt.Errorf("peek %s: the broker closed the connection after %d messages (they go back to the queue): %w", queue, len(held), broken)
	}
	cancelErr := wc.Cancel(tag) // before the nack: requeued messages must not come back to this consumer
	var giveBack error
	if len(held) > 0 {
		giveBack = wc.Nack(held[len(held)-1].Tag, true, true)
	}
	if giveBack != nil || cancelErr != nil {
		return nil, 0, fmt.Errorf("peek %s: give messages back (closing the connection gives them back): %w", queue, errors.Join(giveBack, cancelErr))
	}
	return held, wc.FrameMax(), nil
}

// wireQueueError maps a broker error on a queue read with package wire.
func (c *Conn) wireQueueError(queue string, err error) error {
	var we *wire.Error
	if errors.As(err, &we) && we.Code == amqp.NotFound {
		return fmt.Errorf("queue %q in vhost %q on %s: %w", queue, c.uri.Vhost, c.where(), sources.ErrUnknownStream)
	}
	return fmt.Errorf("queue %q on %s: %w", queue, c.where(), err)
}

// streamOffset turns a start into an x-stream-offset argument.
func (c *Conn) streamOffset(ctx context.Context, stream string, st sources.Start) (any, error) {
	switch st.Kind {
	case sources.StartNewest:
		return "next", nil
	case sources.StartOffset:
		off := st.Offset
		if o, ok := st.Offsets[sources.NoPartition]; ok {
			off = o
		} else if o, ok := st.Offsets[0]; ok {
			off = o
		}
		return max(off, 0), nil
	case sources.StartTime:
		return st.Time, nil
	case sources.StartLastN:
		last, err := c.lastStreamOffset(ctx, stream)
		if err != nil {
			return nil, err
		}
		if last < 0 {
			return "next", nil
		}
		return max(last-st.N+1, 0), nil
	}
	return "first", nil
}

// lastStreamOffset finds a stream's last offset (-1 when empty) by reading
// its last chunk.
func (c *Conn) lastStreamOffset(ctx context.Context, stream string) (int64, error) {
	sub, err := c.consumeStream(ctx, stream, "last", false, nil, 0)
	if err != nil {
		return -1, err
	}
	defer sub.Close()
	last := int64(-1)
	for {
		batch, err := sub.Next(ctx, 1000)
		for _, m := range batch {
			last = max(last, m.Offset)
		}
		if err != nil {
			if errors.Is(err, sources.ErrEndOfStream) {
				return last, nil
			}
			return -1, err
		}
	}
}

func (c *Conn) readStream(ctx context.Context, stream string, opts sources.ReadOptions) (sources.Subscription, error) {
	offset, err := c.streamOffset(ctx, stream, opts.Start)
	if err != nil {
		return nil, err
	}
	return c.consumeStream(ctx, stream, offset, opts.Follow, opts.End, opts.InFlight)
}

// consumeStream consumes a stream queue from offset. Nothing is removed:
// acknowledgements on a stream only grant credit. A message amqp091-go
// cannot read (it closes the connection on a frame larger than frame_max
// or a table nested too deep) is read on its own with package wire,
// carrying a Flaw, and the read goes on after it.
func (c *Conn) consumeStream(ctx context.Context, stream string, offset any, follow bool, end *sources.Start, inFlight int64) (sources.Subscription, error) {
	first, err := c.openStream(ctx, stream, offset)
	if err != nil {
		return nil, err
	}
	feed := sources.NewFeed(ctx, inFlight, nil)
	feed.Go(func(ctx context.Context) {
		seg, resume := first, offset
		defer func() {
			if err := seg.close(); err != nil {
				feed.Fail(fmt.Errorf("read stream %s: %w", stream, err))
			}
		}()
		var idle <-chan time.Time
		var timer *time.Timer
		if !follow {
			timer = time.NewTimer(streamIdleEnd)
			defer timer.Stop()
			idle = timer.C
		}
		var grace <-chan time.Time // after the deliveries ended: how long to wait for why
		for {
			var m sources.Message
			select {
			case <-ctx.Done():
				return
			case <-idle:
				return
			case <-grace: // the consumer ended, not the channel (the stream was deleted)
				return
			case e, ok := <-seg.closed:
				if !ok || e == nil {
					return
				}
				if e.Code != amqp.FrameError {
					feed.Fail(fmt.Errorf("read stream %s: %w", stream, e))
					return
				}
				poison, err := c.readOneRaw(ctx, stream, resume)
				if err != nil || poison == nil {
					feed.Fail(fmt.Errorf("read stream %s: %w (and read on its own, the message there: %v)", stream, e, err))
					return
				}
				m = *poison
				next, err := c.openStream(ctx, stream, m.Offset+1)
				if err != nil {
					feed.Fail(err)
					return
				}
				_ = seg.close()
				seg, grace = next, nil
			case d, ok := <-seg.deliveries:
				if !ok { // the channel is closing: closed says why
					seg.deliveries, grace = nil, time.After(time.Second)
					continue
				}
				_ = d.Ack(false) // credit for the next messages; a stream keeps them
				m = c.convert(d, stream, toInt(d.Headers["x-stream-offset"]))
			}
			if end.Past(&m) {
				return
			}
			resume = m.Offset + 1
			if !feed.Send(m) {
				return
			}
			if timer != nil {
				timer.Reset(streamIdleEnd)
			}
		}
	})
	feed.EndWhenDone()
	return feed, nil
}

// streamConsumer is one amqp091-go consumer of a stream.
type streamConsumer struct {
	ch         *amqp.Channel
	deliveries <-chan amqp.Delivery
	closed     <-chan *amqp.Error
}

// openStream starts consuming a stream at offset.
func (c *Conn) openStream(ctx context.Context, stream string, offset any) (*streamConsumer, error) {
	ch, err := c.channel(ctx)
	if err != nil {
		return nil, err
	}
	if err := ch.Qos(500, 0, false); err != nil {
		ch.Close()
		return nil, fmt.Errorf("read stream %s: qos: %w", stream, err)
	}
	deliveries, err := ch.Consume(stream, "", false, false, false, false, amqp.Table{"x-stream-offset": offset})
	if err != nil {
		ch.Close()
		return nil, c.queueError(stream, err)
	}
	return &streamConsumer{ch: ch, deliveries: deliveries, closed: ch.NotifyClose(make(chan *amqp.Error, 1))}, nil
}

func (s *streamConsumer) close() error {
	if err := s.ch.Close(); err != nil && !errors.Is(err, amqp.ErrClosed) {
		return err
	}
	return nil
}

// readOneRaw reads the message of a stream at offset (or the first after
// it) with package wire, which reads what amqp091-go cannot; nil when
// there is none.
func (c *Conn) readOneRaw(ctx context.Context, stream string, offset any) (*sources.Message, error) {
	wc, err := c.DialWire(ctx, "read stream "+stream)
	if err != nil {
		return nil, err
	}
	defer wc.Close()
	if err := wc.Qos(16); err != nil {
		return nil, fmt.Errorf("qos: %w", err)
	}
	if err := wc.ConsumeWith(stream, "mqscope-stream", streamOffsetArg(offset)); err != nil {
		return nil, c.wireQueueError(stream, err)
	}
	ev := wc.Start(1)
	from, exact := offset.(int64)
	idle := time.NewTimer(streamIdleEnd)
	defer idle.Stop()
	for {
		select {
		case batch, ok := <-ev.Deliveries:
			if !ok {
				return nil, wc.Err()
			}
			for _, d := range batch {
				ad, _ := deliveryFromWire(d)
				off := toInt(ad.Headers["x-stream-offset"])
				if exact && off < from { // a stream sends the whole chunk the offset is in
					continue
				}
				m := c.convertRaw(d, stream, off, wc.FrameMax())
				return &m, nil
			}
		case <-idle.C:
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// streamOffsetArg encodes x-stream-offset as a consume argument's entry.
func streamOffsetArg(offset any) []byte {
	b := append([]byte{byte(len("x-stream-offset"))}, "x-stream-offset"...)
	switch v := offset.(type) {
	case int64:
		return binary.BigEndian.AppendUint64(append(b, 'l'), uint64(v))
	case time.Time:
		return binary.BigEndian.AppendUint64(append(b, 'T'), uint64(v.Unix()))
	case string:
		return append(binary.BigEndian.AppendUint32(append(b, 'S'), uint32(len(v))), v...)
	}
	return append(binary.BigEndian.AppendUint32(append(b, 'S'), 5), "first"...)
}

// tap shows what is published to an exchange from now on: a private,
// exclusive, auto-delete queue bound to it receives a copy of every message,
// so normal delivery is untouched.
func (c *Conn) tap(ctx context.Context, exchange string, inFlight int64) (sources.Subscription, error) {
	keys, args, err := c.tapBindings(ctx, exchange)
	if err != nil {
		return nil, err
	}
	ch, err := c.channel(ctx)
	if err != nil {
		return nil, err
	}
	feed := sources.NewFeed(ctx, inFlight, func() error {
		if err := ch.Close(); err != nil && !errors.Is(err, amqp.ErrClosed) {
			return fmt.Errorf("tap %s: %w", exchange, err)
		}
		return nil
	})
	q, err := ch.QueueDeclare(tapQueueName(), false, true, true, false, amqp.Table{"x-max-length": int32(100000), "x-queue-type": "classic"})
	if err != nil {
		feed.Close()
		return nil, fmt.Errorf("tap %s: declare tap queue: %w", exchange, err)
	}
	for _, k := range keys {
		if err := ch.QueueBind(q.Name, k, exchange, false, args); err != nil {
			feed.Close()
			return nil, fmt.Errorf("tap %s: bind: %w", exchange, err)
		}
	}
	deliveries, err := ch.Consume(q.Name, "mqscope-tap", true, true, false, false, nil)
	if err != nil {
		feed.Close()
		return nil, fmt.Errorf("tap %s: consume: %w", exchange, err)
	}
	feed.Go(func(ctx context.Context) {
		var seq int64
		for {
			select {
			case <-ctx.Done():
				return
			case d, ok := <-deliveries:
				if !ok {
					if ctx.Err() == nil {
						feed.Fail(fmt.Errorf("tap %s: the broker closed the tap", exchange))
					}
					return
				}
				m := c.convert(d, exchange, seq)
				seq++
				if !feed.Send(m) {
					return
				}
			}
		}
	})
	feed.EndWhenDone()
	return feed, nil
}

// tapQueueName is a new tap queue's name: mqscope's prefix, so routes
// and counts can leave it out, and random bytes.
func tapQueueName() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand never fails on the platforms Go supports
	return sources.TapQueuePrefix + hex.EncodeToString(b)
}

// tapBindings says how to bind a tap queue so it sees every message of the
// exchange: "#" on a topic exchange, anything on fanout and headers, and
// every key bound today on a direct exchange.
func (c *Conn) tapBindings(ctx context.Context, exchange string) ([]string, amqp.Table, error) {
	if c.mgmt == nil {
		return []string{"#"}, nil, nil // right for topic and fanout exchanges
	}
	exs, err := c.mgmt.Exchanges(ctx, c.uri.Vhost)
	if err != nil {
		return nil, nil, fmt.Errorf("tap %s: %w", exchange, err)
	}
	kind := ""
	for _, e := range exs {
		if e.Name == exchange {
			kind = e.Type
		}
	}
	switch kind {
	case "topic":
		return []string{"#"}, nil, nil
	case "fanout":
		return []string{""}, nil, nil
	case "headers":
		return []string{""}, amqp.Table{"x-match": "all"}, nil // no conditions: all match
	}
	bs, err := c.mgmt.Bindings(ctx, c.uri.Vhost)
	if err != nil {
		return nil, nil, fmt.Errorf("tap %s: %w", exchange, err)
	}
	seen := map[string]bool{}
	var keys []string
	for _, b := range bs {
		if b.Source == exchange && !seen[b.RoutingKey] {
			seen[b.RoutingKey] = true
			keys = append(keys, b.RoutingKey)
		}
	}
	if len(keys) == 0 {
		return nil, nil, fmt.Errorf("tap %s: a %s exchange with no bindings routes nothing to tap", exchange, kind)
	}
	return keys, nil, nil
}
