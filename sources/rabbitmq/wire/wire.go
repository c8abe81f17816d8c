// Package wire speaks just enough AMQP 0-9-1, framed by hand, for a
// redrive that moves messages at the broker's pace: one channel that
// consumes with manual acks or publishes with confirms, properties kept as
// the broker sent them (so a message can be republished without decoding
// and re-encoding its header table), writes gathered, deliveries handed
// over in batches. Everything else uses amqp091-go.
package wire

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Options are what a connection needs beyond its socket.
type Options struct {
	Username, Password string
	Vhost              string
	// Name is shown by the management API as the connection's name.
	Name string
	// SASL are the mechanisms to log in with, in order of preference; the
	// first the broker offers is used (empty: PLAIN with Username and
	// Password).
	SASL []amqp.Authentication
	// Heartbeat is the interval asked for (zero: DefaultHeartbeat; negative:
	// the broker's); the smaller of it and the broker's is used.
	Heartbeat time.Duration
	// OnBlocked, when set, is told when the broker blocks the connection's
	// publishing (a memory or disk alarm) and when it unblocks it; it is
	// called on the connection's reader.
	OnBlocked func(amqp.Blocking)
}

// Conn is one AMQP connection with channel 1 open.
type Conn struct {
	c    net.Conn
	idle *idleReader
	r    *bufio.Reader
	wmu  sync.Mutex
	// lastWrite is when the last frames were written (Unix nanoseconds);
	// heartbeat is the interval agreed (zero: none).
	lastWrite atomic.Int64
	heartbeat time.Duration
	onBlocked func(amqp.Blocking)
	frameMax  int
	closeErr  chan error // the reader's end: nil error after a clean close
	closing   sync.Once
	started   bool
	done      chan struct{} // closed by Close: the reader stops handing over
	// ended is closed when the reader stops; qosOk takes a basic.qos-ok
	// it read (Sync waits for it); prefetch is the last Qos.
	ended    chan struct{}
	qosOk    chan struct{}
	prefetch uint16
}

// Error is a close (of the channel or the connection) sent by the broker.
type Error struct {
	Code   uint16
	Text   string
	Method string // what the broker was answering, "class.method"
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d %s", e.Code, e.Text)
}

// Class and method ids used here.
const (
	connectionStart   = 10<<16 | 10
	connectionStartOk = 10<<16 | 11
	connectionTune    = 10<<16 | 30
	connectionTuneOk  = 10<<16 | 31
	connectionOpen    = 10<<16 | 40
	connectionOpenOk  = 10<<16 | 41
	connectionClose   = 10<<16 | 50
	connectionCloseOk = 10<<16 | 51
	connectionBlocked = 10<<16 | 60
	connectionUnblock = 10<<16 | 61
	channelOpen       = 20<<16 | 10
	channelOpenOk     = 20<<16 | 11
	channelClose      = 20<<16 | 40
	channelCloseOk    = 20<<16 | 41
	basicQos          = 60<<16 | 10
	basicQosOk        = 60<<16 | 11
	basicConsume      = 60<<16 | 20
	basicConsumeOk    = 60<<16 | 21
	basicCancel       = 60<<16 | 30
	basicPublish      = 60<<16 | 40
	basicReturn       = 60<<16 | 50
	basicDeliver      = 60<<16 | 60
	basicAck          = 60<<16 | 80
	basicNack         = 60<<16 | 120
	confirmSelect     = 85<<16 | 10
	confirmSelectOk   = 85<<16 | 11
)

// maxHeaderFrame bounds a content header frame: RabbitMQ sends a message's
// properties as one frame whatever frame_max says (a message published
// over the management API or another protocol can carry megabytes of
// headers); its default largest message is 128 MiB.
const maxHeaderFrame = 128 << 20

const (
	frameMethod    = 1
	frameHeader    = 2
	frameBody      = 3
	frameHeartbeat = 8
	frameEnd       = 0xCE
)

// Dial runs the AMQP handshake on nc (already connected, TLS included) and
// opens channel 1. The context bounds the handshake.
func Dial(ctx context.Context, nc net.Conn, o Options) (*Conn, error) {
	idle := &idleReader{c: nc}
	c := &Conn{c: nc, idle: idle, r: bufio.NewReaderSize(idle, 256<<10), frameMax: 128 << 10, closeErr: make(chan error, 1), done: make(chan struct{}),
		ended: make(chan struct{}), qosOk: make(chan struct{}, 1), onBlocked: o.OnBlocked}
	if o.Heartbeat == 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	} else {
		_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	}
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := c.handshake(o); err != nil {
		nc.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	_ = nc.SetDeadline(time.Time{})
	c.lastWrite.Store(time.Now().UnixNano())
	if c.heartbeat > 0 {
		c.idle.timeout.Store(int64(2 * c.heartbeat))
		go c.beat(c.heartbeat)
	}
	return c, nil
}

func (c *Conn) handshake(o Options) error {
	if _, err := c.c.Write([]byte("AMQP\x00\x00\x09\x01")); err != nil {
		return fmt.Errorf("amqp handshake: %w", err)
	}
	start, err := c.expect(0, connectionStart)
	if err != nil {
		return err
	}
	offered, err := serverMechanisms(start[4:])
	if err != nil {
		return err
	}
	auth, err := pickMechanism(saslOf(o), offered)
	if err != nil {
		return fmt.Errorf("amqp login: %w", err)
	}
	props := AppendStringEntry(nil, "product", "mqscope")
	props = AppendStringEntry(props, "connection_name", o.Name)
	caps := appendBoolEntry(appendBoolEntry(appendBoolEntry(appendBoolEntry(nil, "publisher_confirms"), "basic.nack"), "authentication_failure_close"), "connection.blocked")
	props = appendShortstr(props, "capabilities")
	props = append(props, 'F')
	props = binary.BigEndian.AppendUint32(props, uint32(len(caps)))
	props = append(props, caps...)
	startOk := method(connectionStartOk)
	startOk = binary.BigEndian.AppendUint32(startOk, uint32(len(props)))
	startOk = append(startOk, props...)
	startOk = appendShortstr(startOk, auth.Mechanism())
	startOk = appendLongstr(startOk, auth.Response())
	startOk = appendShortstr(startOk, "en_US")
	if err := c.send(0, startOk); err != nil {
		return err
	}
	tune, err := c.expect(0, connectionTune)
	if err != nil {
		var ae *Error
		if errors.As(err, &ae) || errors.Is(err, errBrokerClosed) || errors.Is(err, syscall.ECONNRESET) {
			return fmt.Errorf("amqp login refused (%s) for user %q: %w", auth.Mechanism(), userOf(auth, o), err)
		}
		return err
	}
	if len(tune) < 12 {
		return errors.New("amqp handshake: short connection.tune")
	}
	channelMax := binary.BigEndian.Uint16(tune[4:])
	if fm := binary.BigEndian.Uint32(tune[6:]); fm != 0 && int(fm) < c.frameMax {
		c.frameMax = int(fm)
	}
	tuneOk := method(connectionTuneOk)
	tuneOk = binary.BigEndian.AppendUint16(tuneOk, channelMax)
	tuneOk = binary.BigEndian.AppendUint32(tuneOk, uint32(c.frameMax))
	c.heartbeat = negotiateHeartbeat(o.Heartbeat, binary.BigEndian.Uint16(tune[10:]))
	tuneOk = binary.BigEndian.AppendUint16(tuneOk, uint16(c.heartbeat/time.Second))
	if err := c.send(0, tuneOk); err != nil {
		return err
	}
	open := appendShortstr(method(connectionOpen), o.Vhost)
	open = append(appendShortstr(open, ""), 0)
	if err := c.send(0, open); err != nil {
		return err
	}
	if _, err := c.expect(0, connectionOpenOk); err != nil {
		return fmt.Errorf("amqp vhost %q: %w", o.Vhost, err)
	}
	if err := c.send(1, appendShortstr(method(channelOpen), "")); err != nil {
		return err
	}
	_, err = c.expect(1, channelOpenOk)
	return err
}

// Qos sets the channel's prefetch count (at most 65535).
func (c *Conn) Qos(prefetch int) error {
	c.prefetch = uint16(min(prefetch, 65535))
	return c.call(c.qos(), basicQosOk)
}

func (c *Conn) qos() []byte {
	m := binary.BigEndian.AppendUint32(method(basicQos), 0)
	return append(binary.BigEndian.AppendUint16(m, c.prefetch), 0)
}

// Sync makes a round trip on the channel while the reader runs (Start): it
// sends basic.qos again, unchanged, and waits for the broker's answer, so
// the broker has processed every frame sent before (acks have no answer of
// their own). One Sync at a time.
func (c *Conn) Sync(timeout time.Duration) error {
	if err := c.send(1, c.qos()); err != nil {
		return err
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-c.qosOk:
		return nil
	case <-c.ended:
		if err := c.Err(); err != nil {
			return err
		}
		return errors.New("amqp: the connection closed")
	case <-t.C:
		return fmt.Errorf("amqp: no answer from the broker for %s", timeout)
	}
}

// Consume starts consuming queue with manual acknowledgements.
func (c *Conn) Consume(queue, tag string) error { return c.ConsumeWith(queue, tag, nil) }

// ConsumeWith starts consuming queue with manual acknowledgements and
// arguments (a table's entries, as encoded: x-stream-offset...).
func (c *Conn) ConsumeWith(queue, tag string, args []byte) error {
	m := appendShortstr(append(method(basicConsume), 0, 0), queue)
	m = append(appendShortstr(m, tag), 0) // no-local, no-ack, exclusive, no-wait: all off
	m = binary.BigEndian.AppendUint32(m, uint32(len(args)))
	m = append(m, args...)
	return c.call(m, basicConsumeOk)
}

// Cancel stops a consumer without waiting for the broker's answer (no-wait):
// it may be sent while the reader runs. Deliveries already on their way
// still arrive.
func (c *Conn) Cancel(tag string) error {
	return c.send(1, append(appendShortstr(method(basicCancel), tag), 1))
}

// FrameMax is the frame size the broker and the connection agreed on.
func (c *Conn) FrameMax() int { return c.frameMax }

// ConfirmSelect puts the channel in confirm mode.
func (c *Conn) ConfirmSelect() error {
	return c.call(append(method(confirmSelect), 0), confirmSelectOk)
}

func (c *Conn) call(m []byte, reply uint32) error {
	if err := c.send(1, m); err != nil {
		return err
	}
	_, err := c.expect(1, reply)
	return err
}

// Ack acknowledges a delivery (with multiple, every one up to it).
func (c *Conn) Ack(tag uint64, multiple bool) error {
	m := binary.BigEndian.AppendUint64(method(basicAck), tag)
	return c.send(1, append(m, boolByte(multiple)))
}

// Nack gives a delivery back (requeue) or drops it.
func (c *Conn) Nack(tag uint64, multiple, requeue bool) error {
	m := binary.BigEndian.AppendUint64(method(basicNack), tag)
	return c.send(1, append(m, boolByte(multiple)|boolByte(requeue)<<1))
}

// Write sends frames built with AppendPublish.
func (c *Conn) Write(frames []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.c.Write(frames)
	c.lastWrite.Store(time.Now().UnixNano())
	if err != nil {
		return fmt.Errorf("amqp write: %w", err)
	}
	return nil
}

// Close closes the connection cleanly when it can (what was sent before is
// processed by the broker first), within a second.
func (c *Conn) Close() error {
	c.closing.Do(func() {
		close(c.done)
		m := binary.BigEndian.AppendUint16(method(connectionClose), 200)
		m = appendShortstr(m, "mqscope closes")
		m = binary.BigEndian.AppendUint32(m, 0)
		if c.started && c.send(0, m) == nil {
			select {
			case err := <-c.closeErr:
				c.closeErr <- err
			case <-time.After(time.Second):
			}
		}
		_ = c.c.Close()
	})
	return nil
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

func method(id uint32) []byte {
	return binary.BigEndian.AppendUint32(make([]byte, 0, 64), id)
}

func (c *Conn) send(ch uint16, payload []byte) error {
	return c.Write(appendFrame(nil, frameMethod, ch, payload))
}

// readFrame reads one frame; its payload is a fresh slice.
func (c *Conn) readFrame() (typ byte, ch uint16, payload []byte, err error) {
	var h [7]byte
	if _, err := io.ReadFull(c.r, h[:]); err != nil {
		return 0, 0, nil, err
	}
	n := binary.BigEndian.Uint32(h[3:])
	limit := max(c.frameMax+8, 1<<20) // a broker keeps to frame_max...
	if h[0] == frameHeader {
		limit = maxHeaderFrame // ...but for content headers, which it sends whole however large
	}
	if int(n) > limit {
		return 0, 0, nil, fmt.Errorf("amqp frame of %d bytes", n)
	}
	p := make([]byte, n+1)
	if _, err := io.ReadFull(c.r, p); err != nil {
		return 0, 0, nil, err
	}
	if p[n] != frameEnd {
		return 0, 0, nil, errors.New("amqp frame without its end marker")
	}
	return h[0], binary.BigEndian.Uint16(h[1:3]), p[:n], nil
}

// expect reads until the method wanted arrives on ch (heartbeats skipped);
// a close from the broker is returned as an *Error.
func (c *Conn) expect(ch uint16, want uint32) ([]byte, error) {
	for {
		typ, fch, p, err := c.readFrame()
		if err != nil {
			return nil, c.readError(err)
		}
		if typ != frameMethod || len(p) < 4 {
			continue
		}
		switch id := binary.BigEndian.Uint32(p); {
		case id == connectionClose || id == channelClose:
			e := closeError(p)
			if id == connectionClose {
				_ = c.send(0, method(connectionCloseOk))
			} else {
				_ = c.send(fch, method(channelCloseOk))
			}
			return nil, e
		case id == want && fch == ch:
			return p, nil
		case id == connectionBlocked || id == connectionUnblock:
			c.blocked(id, p)
		}
	}
}

func closeError(p []byte) *Error {
	e := &Error{Code: 0, Text: "closed"}
	if len(p) >= 7 {
		e.Code = binary.BigEndian.Uint16(p[4:])
		n := int(p[6])
		if 7+n <= len(p) {
			e.Text = string(p[7 : 7+n])
			if rest := p[7+n:]; len(rest) >= 4 {
				e.Method = fmt.Sprintf("%d.%d", binary.BigEndian.Uint16(rest), binary.BigEndian.Uint16(rest[2:]))
			}
		}
	}
	return e
}

func appendFrame(b []byte, typ byte, ch uint16, payload []byte) []byte {
	b = append(b, typ, byte(ch>>8), byte(ch))
	b = binary.BigEndian.AppendUint32(b, uint32(len(payload)))
	return append(append(b, payload...), frameEnd)
}

func appendShortstr(b []byte, s string) []byte {
	if len(s) > 255 {
		s = s[:255]
	}
	return append(append(b, byte(len(s))), s...)
}

func appendLongstr(b []byte, s string) []byte {
	return append(binary.BigEndian.AppendUint32(b, uint32(len(s))), s...)
}

func appendBoolEntry(b []byte, key string) []byte {
	return append(appendShortstr(b, key), 't', 1)
}

// MaxProperties is the most bytes of properties a message published on
// this connection can carry: its content header is one frame.
func (c *Conn) MaxProperties() int { return c.frameMax - 8 - 12 }
