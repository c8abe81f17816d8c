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

// TargetResolver is a connection whose write targets can be named two
// ways (NATS: a subject, or a stream with one subject): ResolveTarget
// returns the target name stands for, as writes take it (the subject),
// or an error wrapping ErrBadTarget when it stands for none (a stream
// with several subjects: it names them).
type TargetResolver interface {
	ResolveTarget(ctx context.Context, name string) (string, error)
}

// TargetFacts are what a connection knows of a write target beyond
// CheckTarget, for a plan to show and its rules to follow.
type TargetFacts struct {
	// Missing says the target does not exist and the first write creates
	// it (a Redis XADD creates its stream).
	Missing bool
	// SeenBy names the consumer groups, other than the one the dead
	// letters are pending in, that read the target: they would take each
	// copy for a new message.
	SeenBy []string
}

// TargetFacter is a connection that tells TargetFacts for a redrive from
// source to t.
type TargetFacter interface {
	TargetFacts(ctx context.Context, source string, t Target) (TargetFacts, error)
}

// CopyHeaderer is a connection that knows which of a message's headers a
// copy published again (the copy menu's produce command) cannot carry, or
// must not (headers the broker writes itself): CopyHeaders returns the
// headers a copy keeps and, when it leaves some out, one sentence naming
// them and why ("" when it keeps all).
type CopyHeaderer interface {
	CopyHeaders(headers []Header) (kept []Header, note string)
}

// CopyTargeter is a connection that knows where a copy of a message,
// published again (the copy menu's produce command), lands where the
// message is: on RabbitMQ the exchange and routing key it was published
// with, on NATS its stream and the subject it was stored under (as
// RoutingKey). keyIsRoute says the message's key is where it was routed
// (RabbitMQ's routing key), not a key a copy carries. Without it a copy
// goes to the message's stream with the message's key.
type CopyTargeter interface {
	CopyTarget(m *Message) (t Target, keyIsRoute bool)
}

// ErrNotDeadLetters is returned (wrapped) for a redrive source that holds
// no dead letters: a redrive removes what it moves from its source, so a
// redrive of an ordinary stream would take its messages away from its
// readers.
var ErrNotDeadLetters = errors.New("not a dead-letter stream")

// SourceChecker is a connection that can tell, before anything is
// written, whether a stream is a dead-letter source a redrive may take
// messages out of (NATS: a stream that captures dead-letter advisories;
// Redis: a group's pending view or a stream with a dead-letter name).
type SourceChecker interface {
	// CheckSource returns nil when source is a dead-letter source; else
	// an error wrapping ErrNotDeadLetters that says what one is, or the
	// look-up's own error (a stream that does not exist).
	CheckSource(ctx context.Context, source string) error
}
