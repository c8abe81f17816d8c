package wire

import (
	"encoding/binary"
	"errors"
)

// Delivery is a message delivered to the consumer, its properties as the
// broker sent them.
type Delivery struct {
	Tag         uint64
	Redelivered bool
	Exchange    string
	RoutingKey  string
	// Properties are the property flags followed by the properties.
	Properties []byte
	Body       []byte
}

// Confirm is the broker's answer to a publish in confirm mode.
type Confirm struct {
	Tag      uint64
	Multiple bool
	Ack      bool
}

// Return is a mandatory message the broker could not route.
type Return struct {
	Code       uint16
	Text       string
	Exchange   string
	RoutingKey string
	Properties []byte
	Body       []byte
}

// Events are what the connection's reader hands over; every channel is
// closed when the connection ends (Err says why).
type Events struct {
	Deliveries <-chan []Delivery
	Confirms   <-chan Confirm
	Returns    <-chan Return
}

// Start runs the reader: deliveries in batches (what had arrived), confirms
// and returns in the order the broker sent them. buffer sizes the
// channels.
func (c *Conn) Start(buffer int) Events {
	d := make(chan []Delivery, 64)
	cf := make(chan Confirm, buffer)
	rt := make(chan Return, buffer)
	c.started = true
	go c.read(d, cf, rt)
	return Events{Deliveries: d, Confirms: cf, Returns: rt}
}

// Err is why the reader stopped: nil after Close, an *Error when the broker
// closed the channel or the connection. Call it once Events' channels are
// closed.
func (c *Conn) Err() error {
	select {
	case err := <-c.closeErr:
		c.closeErr <- err
		return err
	default:
		return nil
	}
}

func (c *Conn) read(deliveries chan<- []Delivery, confirms chan<- Confirm, returns chan<- Return) {
	var err error
	defer func() {
		c.closeErr <- err // before the channels close: whoever sees them closed finds it
		close(c.ended)
		close(deliveries)
		close(confirms)
		close(returns)
	}()
	var batch []Delivery
	var content *contentMsg // the delivery or return whose content is being read
	for {
		var typ byte
		var ch uint16
		var p []byte
		if typ, ch, p, err = c.readFrame(); err != nil {
			err = c.readError(err)
			return
		}
		switch typ {
		case frameMethod:
			if len(p) < 4 {
				err = errors.New("amqp: short method frame")
				return
			}
			switch id := binary.BigEndian.Uint32(p); id {
			case basicDeliver:
				var dl Delivery
				if dl, err = parseDeliver(p[4:]); err != nil {
					return
				}
				content = &contentMsg{delivery: &dl}
			case basicReturn:
				var r Return
				if r, err = parseReturn(p[4:]); err != nil {
					return
				}
				content = &contentMsg{ret: &r}
			case basicAck, basicNack:
				if len(p) < 13 {
					err = errors.New("amqp: short ack")
					return
				}
				select {
				case confirms <- Confirm{Tag: binary.BigEndian.Uint64(p[4:]), Multiple: p[12]&1 == 1, Ack: id == basicAck}:
				case <-c.done:
					return
				}
			case connectionBlocked, connectionUnblock:
				c.blocked(id, p)
			case basicQosOk:
				select {
				case c.qosOk <- struct{}{}:
				default:
				}
			case connectionCloseOk:
				err = nil
				return
			case connectionClose, channelClose:
				e := closeError(p)
				if id == connectionClose {
					_ = c.send(0, method(connectionCloseOk))
				} else {
					_ = c.send(ch, method(channelCloseOk))
				}
				err = e
				return
			}
		case frameHeader:
			if content == nil || len(p) < 14 {
				err = errors.New("amqp: unexpected content header")
				return
			}
			content.size = binary.BigEndian.Uint64(p[4:12])
			content.props = p[12:]
			content.body = []byte{}
		case frameBody:
			if content == nil {
				err = errors.New("amqp: unexpected body frame")
				return
			}
			switch {
			case len(content.body) == 0 && uint64(len(p)) == content.size:
				content.body = p // the whole body in one frame: the frame's own buffer
			case len(content.body) == 0:
				content.body = append(make([]byte, 0, min(content.size, 64<<20)), p...)
			default:
				content.body = append(content.body, p...)
			}
			if uint64(len(content.body)) > content.size {
				err = errors.New("amqp: body longer than its header says")
				return
			}
		case frameHeartbeat:
			continue
		}
		if content != nil && content.props != nil && uint64(len(content.body)) == content.size {
			if d := content.delivery; d != nil {
				d.Properties, d.Body = content.props, content.body
				batch = append(batch, *d)
			} else {
				r := content.ret
				r.Properties, r.Body = content.props, content.body
				select {
				case returns <- *r:
				case <-c.done:
					return
				}
			}
			content = nil
		}
		if len(batch) > 0 && (c.r.Buffered() == 0 || len(batch) >= 512) {
			select {
			case deliveries <- batch:
			case <-c.done:
				return
			}
			batch = nil
		}
	}
}

type contentMsg struct {
	delivery *Delivery
	ret      *Return
	size     uint64
	props    []byte
	body     []byte
}

func parseDeliver(p []byte) (Delivery, error) {
	var d Delivery
	r := reader{b: p}
	r.shortstr() // consumer tag
	d.Tag = r.u64()
	d.Redelivered = r.u8()&1 == 1
	d.Exchange = r.shortstr()
	d.RoutingKey = r.shortstr()
	return d, r.err
}

func parseReturn(p []byte) (Return, error) {
	var x Return
	r := reader{b: p}
	x.Code = r.u16()
	x.Text = r.shortstr()
	x.Exchange = r.shortstr()
	x.RoutingKey = r.shortstr()
	return x, r.err
}

// AppendPublish appends a basic.publish with its content (properties as
// built by AppendProperties or as delivered; the body split at the frame
// size) to b, for Write.
func (c *Conn) AppendPublish(b []byte, exchange, key string, mandatory bool, props, body []byte) []byte {
	m := appendShortstr(appendShortstr(append(method(basicPublish), 0, 0), exchange), key)
	b = appendFrame(b, frameMethod, 1, append(m, boolByte(mandatory)))
	b = append(b, frameHeader, 0, 1)
	b = binary.BigEndian.AppendUint32(b, uint32(12+len(props)))
	b = append(b, 0, 60, 0, 0)
	b = binary.BigEndian.AppendUint64(b, uint64(len(body)))
	b = append(append(b, props...), frameEnd)
	max := c.frameMax - 8
	for len(body) > 0 {
		n := min(len(body), max)
		b = appendFrame(b, frameBody, 1, body[:n])
		body = body[n:]
	}
	return b
}

// reader takes AMQP fields off a byte slice; the first short read sets err.
type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil || n > len(r.b) {
		if r.err == nil {
			r.err = errors.New("amqp: truncated field")
		}
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) u8() byte {
	if v := r.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (r *reader) u16() uint16 {
	if v := r.take(2); v != nil {
		return binary.BigEndian.Uint16(v)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if v := r.take(4); v != nil {
		return binary.BigEndian.Uint32(v)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if v := r.take(8); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func (r *reader) shortstr() string { return string(r.take(int(r.u8()))) }

func (r *reader) longstr() []byte { return r.take(int(r.u32())) }
