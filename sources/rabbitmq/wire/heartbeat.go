package wire

import (
	"errors"
	"net"
	"sync/atomic"
	"time"
)

// DefaultHeartbeat is the heartbeat interval a connection asks for when
// Options.Heartbeat is zero: amqp091-go's.
const DefaultHeartbeat = 10 * time.Second

// ErrNoHeartbeat is why a connection ends when nothing came from the broker
// for two heartbeat intervals: the broker, or something between, dropped it.
var ErrNoHeartbeat = errors.New("no heartbeat from the broker")

// heartbeatFrame is the frame sent when nothing else was written for half
// an interval.
var heartbeatFrame = []byte{frameHeartbeat, 0, 0, 0, 0, 0, 0, frameEnd}

// negotiateHeartbeat is the interval the connection uses: the smaller of
// the client's and the broker's, or the one that is set (zero: none), as
// amqp091-go picks it.
func negotiateHeartbeat(client time.Duration, serverSeconds uint16) time.Duration {
	server := time.Duration(serverSeconds) * time.Second
	if client > 0 { // tune-ok says whole seconds, at least one
		client = max(client.Round(time.Second), time.Second)
	}
	switch {
	case client <= 0:
		return server
	case server <= 0:
		return client
	}
	return min(client, server)
}

// idleReader reads from a socket and, once armed, fails a read that waits
// longer than its timeout (two heartbeat intervals).
type idleReader struct {
	c       net.Conn
	timeout atomic.Int64 // nanoseconds; 0: no limit (the handshake sets its own)
}

func (r *idleReader) Read(p []byte) (int, error) {
	if t := r.timeout.Load(); t > 0 {
		_ = r.c.SetReadDeadline(time.Now().Add(time.Duration(t)))
	}
	return r.c.Read(p)
}

// missedHeartbeats tells a read error that is the idle timeout's.
func (c *Conn) missedHeartbeats(err error) bool {
	var ne net.Error
	return c.idle.timeout.Load() > 0 && errors.As(err, &ne) && ne.Timeout()
}

// beat writes a heartbeat whenever nothing was written for half the
// interval, until the connection closes or its reader ends.
func (c *Conn) beat(interval time.Duration) {
	half := interval / 2
	t := time.NewTicker(half)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-c.ended:
			return
		case <-t.C:
			if time.Since(time.Unix(0, c.lastWrite.Load())) >= half {
				if c.Write(heartbeatFrame) != nil {
					return // the reader sees the connection's end
				}
			}
		}
	}
}

// Heartbeat is the interval the broker and the connection agreed on (zero:
// none).
func (c *Conn) Heartbeat() time.Duration { return c.heartbeat }
