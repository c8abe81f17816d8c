package rabbitmq

import (
	"net"
	"sync"
	"time"
)

// corkedConn gathers small writes and sends them together every interval
// (or when a buffer fills): a publisher sending thousands of small
// messages then costs the broker a few large reads instead of one per
// message. Reads pass through.
type corkedConn struct {
	net.Conn
	mu       sync.Mutex
	buf      []byte
	err      error
	limit    int
	stop     chan struct{}
	stopOnce sync.Once
}

func cork(c net.Conn, every time.Duration) *corkedConn {
	cc := &corkedConn{Conn: c, limit: 64 << 10, stop: make(chan struct{})}
	go cc.flusher(every)
	return cc
}

func (c *corkedConn) flusher(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			c.mu.Lock()
			c.flushLocked()
			c.mu.Unlock()
		}
	}
}

func (c *corkedConn) flushLocked() {
	if len(c.buf) == 0 || c.err != nil {
		return
	}
	_, c.err = c.Conn.Write(c.buf)
	c.buf = c.buf[:0]
}

// Write queues p; it is sent within the interval.
func (c *corkedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	c.buf = append(c.buf, p...)
	if len(c.buf) >= c.limit {
		c.flushLocked()
	}
	return len(p), c.err
}

// Close sends what is queued and closes the connection.
func (c *corkedConn) Close() error {
	c.stopOnce.Do(func() { close(c.stop) })
	c.mu.Lock()
	c.flushLocked()
	c.mu.Unlock()
	return c.Conn.Close()
}
