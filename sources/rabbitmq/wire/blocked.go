package wire

import (
	"errors"
	"fmt"
	"io"

	amqp "github.com/rabbitmq/amqp091-go"
)

// blocked tells Options.OnBlocked of a connection.blocked (with its
// reason) or connection.unblocked.
func (c *Conn) blocked(id uint32, p []byte) {
	if c.onBlocked == nil {
		return
	}
	b := amqp.Blocking{Active: id == connectionBlocked}
	if b.Active {
		r := reader{b: p[4:]}
		b.Reason = r.shortstr()
	}
	c.onBlocked(b)
}

// errBrokerClosed is a connection the broker closed without a word.
var errBrokerClosed = errors.New("the broker closed the connection")

// readError is a failed read said for people: the broker's close, or
// heartbeats that stopped coming.
func (c *Conn) readError(err error) error {
	switch {
	case c.missedHeartbeats(err):
		return fmt.Errorf("amqp: %w for %s (twice the heartbeat interval): the connection is dead", ErrNoHeartbeat, 2*c.heartbeat)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("amqp: %w", errBrokerClosed)
	}
	return fmt.Errorf("amqp: %w", err)
}

// userOf is the user a mechanism logs in as, for messages.
func userOf(a amqp.Authentication, o Options) string {
	switch a := a.(type) {
	case *amqp.PlainAuth:
		return a.Username
	case *amqp.AMQPlainAuth:
		return a.Username
	case *amqp.ExternalAuth:
		return "(the client certificate's)"
	}
	return o.Username
}
