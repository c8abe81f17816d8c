package rabbitmq_test

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// amqpProxy is a TCP proxy in front of the real RabbitMQ that reads the
// AMQP frames passing each way. It counts the connections it accepted (the
// client's dials), the heartbeats each client sends and the SASL mechanism
// each logged in with; it injects connection.blocked and
// connection.unblocked into every client connection (holding what the
// clients send while blocked, as a blocked broker reads nothing more);
// with idleDrop set it drops a connection nothing passed on for that long,
// as a load balancer does; and it cuts the connections that carry
// deliveries once it has passed cutAfter publisher confirms.
type amqpProxy struct {
	ln       net.Listener
	target   string
	idleDrop time.Duration
	cutAfter int32

	mu       sync.Mutex
	conns    []*proxied
	gate     chan struct{} // non-nil while blocked; closed at the unblock
	dropped  int
	confirms atomic.Int32
	cut      sync.Once
	wg       sync.WaitGroup
}

// proxied is one client connection through the proxy.
type proxied struct {
	client, server net.Conn
	toClient       sync.Mutex // serialises writes to the client
	heartbeats     atomic.Int32
	deliveries     atomic.Int32
	mechanism      atomic.Value // string
	lastActivity   atomic.Int64
	closed         atomic.Bool
}

// newProxy listens on 127.0.0.1 in front of the broker of amqpURL; proxied
// is amqpURL pointed at it. Everything is closed when the test ends.
func newProxy(t *testing.T, amqpURL string, idleDrop time.Duration) (p *amqpProxy, proxiedURL string) {
	t.Helper()
	u, err := url.Parse(amqpURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p = &amqpProxy{ln: ln, target: u.Host, idleDrop: idleDrop}
	u.Host = ln.Addr().String()
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p, u.String()
}

func (p *amqpProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		pc := &proxied{client: c, server: s}
		pc.lastActivity.Store(time.Now().UnixNano())
		p.mu.Lock()
		p.conns = append(p.conns, pc)
		p.mu.Unlock()
		p.wg.Add(2)
		go p.fromClient(pc)
		go p.fromServer(pc)
		if p.idleDrop > 0 {
			p.wg.Add(1)
			go p.watchIdle(pc)
		}
	}
}

func (p *amqpProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.close()
	}
	if p.gate != nil {
		close(p.gate)
		p.gate = nil
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (c *proxied) close() {
	c.closed.Store(true)
	c.client.Close()
	c.server.Close()
}

// frame is one AMQP frame as read: its type, and the whole frame's bytes.
type frame struct {
	typ     byte
	raw     []byte
	payload []byte
}

// methodID is a method frame's class and method (0 for other frames).
func (f frame) methodID() uint32 {
	if f.typ != 1 || len(f.payload) < 4 {
		return 0
	}
	return binary.BigEndian.Uint32(f.payload)
}

func readProxyFrame(r io.Reader) (frame, error) {
	var h [7]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return frame{}, err
	}
	n := binary.BigEndian.Uint32(h[3:])
	raw := make([]byte, 7+int(n)+1)
	copy(raw, h[:])
	if _, err := io.ReadFull(r, raw[7:]); err != nil {
		return frame{}, err
	}
	if raw[len(raw)-1] != 0xCE {
		return frame{}, errors.New("frame without its end marker")
	}
	return frame{typ: h[0], raw: raw, payload: raw[7 : 7+n]}, nil
}

// fromClient passes what the client sends, holding it while blocked.
func (p *amqpProxy) fromClient(c *proxied) {
	defer p.wg.Done()
	defer c.close()
	var header [8]byte // "AMQP" 0 0 9 1
	if _, err := io.ReadFull(c.client, header[:]); err != nil {
		return
	}
	if _, err := c.server.Write(header[:]); err != nil {
		return
	}
	for {
		f, err := readProxyFrame(c.client)
		if err != nil {
			return
		}
		c.lastActivity.Store(time.Now().UnixNano())
		switch {
		case f.typ == 8:
			c.heartbeats.Add(1)
		case f.methodID() == 10<<16|11: // connection.start-ok
			c.mechanism.Store(startOkMechanism(f.payload[4:]))
		}
		p.mu.Lock()
		gate := p.gate
		p.mu.Unlock()
		if gate != nil {
			<-gate
		}
		if _, err := c.server.Write(f.raw); err != nil {
			return
		}
	}
}

// startOkMechanism is the mechanism of a connection.start-ok's arguments.
func startOkMechanism(p []byte) string {
	if len(p) < 4 {
		return ""
	}
	n := int(binary.BigEndian.Uint32(p))
	if 4+n >= len(p) {
		return ""
	}
	p = p[4+n:]
	if int(p[0]) >= len(p) {
		return ""
	}
	return string(p[1 : 1+int(p[0])])
}

// fromServer passes what the broker sends, counting deliveries and the
// confirms of connections that carry none.
func (p *amqpProxy) fromServer(c *proxied) {
	defer p.wg.Done()
	defer c.close()
	for {
		f, err := readProxyFrame(c.server)
		if err != nil {
			return
		}
		c.lastActivity.Store(time.Now().UnixNano())
		switch f.methodID() {
		case 60<<16 | 60: // basic.deliver
			c.deliveries.Add(1)
		case 60<<16 | 80: // basic.ack: a confirm, on a publisher's connection
			if c.deliveries.Load() == 0 && p.cutAfter > 0 && p.confirms.Add(1) >= p.cutAfter {
				p.cut.Do(p.cutConsumers)
			}
		}
		c.toClient.Lock()
		_, err = c.client.Write(f.raw)
		c.toClient.Unlock()
		if err != nil {
			return
		}
	}
}

// cutConsumers closes the connections that carried deliveries.
func (p *amqpProxy) cutConsumers() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		if c.deliveries.Load() > 0 {
			c.close()
		}
	}
}

func (p *amqpProxy) watchIdle(c *proxied) {
	defer p.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for range t.C {
		if isClosed(c.client) || isClosed(c.server) {
			return
		}
		if time.Since(time.Unix(0, c.lastActivity.Load())) > p.idleDrop {
			p.mu.Lock()
			p.dropped++
			p.mu.Unlock()
			c.close()
			return
		}
	}
}

// isClosed tells a connection this proxy closed.
func isClosed(c net.Conn) bool {
	return c.SetDeadline(time.Time{}) != nil
}

// block sends connection.blocked (reason) to every client and holds what
// they send until unblock.
func (p *amqpProxy) block(reason string) {
	payload := binary.BigEndian.AppendUint32(nil, 10<<16|60)
	payload = append(append(payload, byte(len(reason))), reason...)
	p.mu.Lock()
	if p.gate == nil {
		p.gate = make(chan struct{})
	}
	conns := append([]*proxied(nil), p.conns...)
	p.mu.Unlock()
	p.inject(conns, payload)
}

// unblock sends connection.unblocked to every client and passes on what
// was held.
func (p *amqpProxy) unblock() {
	p.mu.Lock()
	if p.gate != nil {
		close(p.gate)
		p.gate = nil
	}
	conns := append([]*proxied(nil), p.conns...)
	p.mu.Unlock()
	p.inject(conns, binary.BigEndian.AppendUint32(nil, 10<<16|61))
}

func (p *amqpProxy) inject(conns []*proxied, payload []byte) {
	f := []byte{1, 0, 0}
	f = binary.BigEndian.AppendUint32(f, uint32(len(payload)))
	f = append(append(f, payload...), 0xCE)
	for _, c := range conns {
		c.toClient.Lock()
		_, _ = c.client.Write(f)
		c.toClient.Unlock()
	}
}

// proxyStats is what the proxy saw so far.
type proxyStats struct {
	dials, dropped int
	// heartbeats are each open connection's, in the order they were
	// accepted; mechanisms the SASL mechanism each connection logged in
	// with.
	heartbeats []int
	mechanisms []string
}

func (p *amqpProxy) stats() proxyStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := proxyStats{dials: len(p.conns), dropped: p.dropped}
	for _, c := range p.conns {
		if !c.closed.Load() {
			s.heartbeats = append(s.heartbeats, int(c.heartbeats.Load()))
		}
		m, _ := c.mechanism.Load().(string)
		s.mechanisms = append(s.mechanisms, m)
	}
	return s
}
