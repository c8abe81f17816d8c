package sources

import (
	"context"
	"errors"
)

// Target is where a write goes: a topic or queue, or a RabbitMQ exchange
// with a routing key ("" is the default exchange, which routes by queue
// name).
type Target struct {
	Stream     string
	RoutingKey string
	// Exchange marks a RabbitMQ target.
	Exchange bool
}

// String renders the target for people.
func (t Target) String() string {
	switch {
	case !t.Exchange:
		return t.Stream
	case t.Stream == "":
		return "queue " + t.RoutingKey + " (default exchange)"
	default:
		return "exchange " + t.Stream + " [" + t.RoutingKey + "]"
	}
}

// ErrBadTarget is returned (wrapped) for a target that cannot be written
// to: a name the broker does not allow, or a stream that does not exist.
var ErrBadTarget = errors.New("not a target that can be written to")

// TargetChecker is a connection that can tell, before anything is
// written, whether a target exists and its name is legal.
type TargetChecker interface {
	// CheckTarget returns nil when writes to t can go; else an error
	// wrapping ErrBadTarget that says why.
	CheckTarget(ctx context.Context, t Target) error
}
