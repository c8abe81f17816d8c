package kafka

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// brokerConn is a connection of a bounded read's own to one broker, for
// its FetchRequests: the response comes back as its bytes, which the read
// decodes itself (sarama's broker decodes every record into a struct of
// its own first). It dials as the sarama client does (TLS, SASL, client
// id, timeouts) when first used and again after a failure.
type brokerConn struct {
	addr string
	cfg  *sarama.Config

	mu      sync.Mutex // held by a request from start to end
	conn    net.Conn
	corr    int32
	expires time.Time // when the broker ends the SASL session (zero: never)
	format  *kmsg.RequestFormatter
	buf     []byte // the request being written

	// closeMu guards closed and the connection close sees: close must not
	// wait for a request in flight (an export stops at once on Ctrl-C).
	closeMu sync.Mutex
	closed  bool
	current net.Conn
}

// newBrokerConn returns a connection to addr, dialed when first used.
func newBrokerConn(addr string, cfg *sarama.Config) *brokerConn {
	return &brokerConn{addr: addr, cfg: cfg, format: kmsg.NewRequestFormatter(kmsg.FormatterClientID(cfg.ClientID))}
}

// Addr is the broker's address.
func (c *brokerConn) Addr() string { return c.addr }

// close closes the connection for good, at once: a request in flight
// fails, and no request dials again.
func (c *brokerConn) close() {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	c.closed = true
	if c.current != nil {
		c.current.Close()
	}
}

// drop closes the connection; c.mu is held.
func (c *brokerConn) drop() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// use makes conn the connection close closes; false when closed already.
func (c *brokerConn) use(conn net.Conn) bool {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	c.current = conn
	return !c.closed
}

// fetch sends req and returns the broker's answer; a failed request
// closes the connection (the next dials again).
func (c *brokerConn) fetch(ctx context.Context, req *kmsg.FetchRequest) (*kmsg.FetchResponse, error) {
	resp := req.ResponseKind().(*kmsg.FetchResponse)
	wait := time.Duration(req.MaxWaitMillis) * time.Millisecond
	if err := c.request(ctx, req, resp, wait); err != nil {
		return nil, err
	}
	return resp, nil
}

// request sends req and reads its response into resp, dialing first when
// there is no connection (or its SASL session is about to end).
func (c *brokerConn) request(ctx context.Context, req kmsg.Request, resp kmsg.Response, wait time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil && !c.expires.IsZero() && time.Until(c.expires) < c.cfg.Net.ReadTimeout {
		c.drop()
	}
	if c.conn == nil {
		if err := c.dial(ctx); err != nil {
			return err
		}
	}
	if err := c.roundTrip(req, resp, wait); err != nil {
		c.drop()
		return err
	}
	return nil
}

// dial opens the connection and authenticates; c.mu is held.
func (c *brokerConn) dial(ctx context.Context) error {
	d := &net.Dialer{Timeout: c.cfg.Net.DialTimeout, KeepAlive: c.cfg.Net.KeepAlive}
	var conn net.Conn
	var err error
	if c.cfg.Net.TLS.Enable {
		td := &tls.Dialer{NetDialer: d, Config: c.cfg.Net.TLS.Config}
		conn, err = td.DialContext(ctx, "tcp", c.addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", c.addr)
	}
	if err != nil {
		return fmt.Errorf("connect to broker %s: %w", c.addr, err)
	}
	if !c.use(conn) {
		conn.Close()
		return fmt.Errorf("broker %s: %w", c.addr, net.ErrClosed)
	}
	c.conn, c.expires = conn, time.Time{}
	if c.cfg.Net.SASL.Enable {
		if err := c.authenticate(ctx); err != nil {
			c.drop()
			return fmt.Errorf("broker %s: %w", c.addr, err)
		}
	}
	return nil
}

// roundTrip writes one request and reads its response; c.mu is held.
func (c *brokerConn) roundTrip(req kmsg.Request, resp kmsg.Response, wait time.Duration) error {
	c.corr++
	c.buf = c.format.AppendRequest(c.buf[:0], req, c.corr)
	if err := c.conn.SetWriteDeadline(time.Now().Add(c.cfg.Net.WriteTimeout)); err != nil {
		return fmt.Errorf("broker %s: %w", c.addr, err)
	}
	if _, err := c.conn.Write(c.buf); err != nil {
		return fmt.Errorf("write to broker %s: %w", c.addr, err)
	}
	if err := c.conn.SetReadDeadline(time.Now().Add(c.cfg.Net.ReadTimeout + wait)); err != nil {
		return fmt.Errorf("broker %s: %w", c.addr, err)
	}
	var head [8]byte
	if _, err := io.ReadFull(c.conn, head[:]); err != nil {
		return fmt.Errorf("read from broker %s: %w", c.addr, err)
	}
	size := int64(int32(binary.BigEndian.Uint32(head[:])))
	if corr := int32(binary.BigEndian.Uint32(head[4:])); corr != c.corr {
		return fmt.Errorf("broker %s answered request %d with the answer to %d", c.addr, c.corr, corr)
	}
	if size < 4 || size > int64(sarama.MaxResponseSize) {
		return fmt.Errorf("broker %s: a response of %d bytes (at most %d are taken)", c.addr, size, sarama.MaxResponseSize)
	}
	body := make([]byte, size-4)
	if _, err := io.ReadFull(c.conn, body); err != nil {
		return fmt.Errorf("read from broker %s: %w", c.addr, err)
	}
	if resp.IsFlexible() {
		body = skipTags(body)
	}
	resp.SetVersion(req.GetVersion())
	if err := resp.ReadFrom(body); err != nil {
		return fmt.Errorf("broker %s: %w", c.addr, err)
	}
	return nil
}

// skipTags skips a flexible response header's tagged fields.
func skipTags(b []byte) []byte {
	n, w := binary.Uvarint(b)
	if w <= 0 {
		return b
	}
	b = b[w:]
	for i := uint64(0); i < n && len(b) > 0; i++ {
		if _, w = binary.Uvarint(b); w <= 0 { // tag
			return b
		}
		b = b[w:]
		l, w := binary.Uvarint(b)
		if w <= 0 || uint64(len(b)-w) < l {
			return b
		}
		b = b[w+int(l):]
	}
	return b
}
