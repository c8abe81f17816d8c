package sources

import (
	"context"
	"errors"
	"fmt"
	"strconv"
)

// Publisher is a connection that publishes new messages to one of its
// streams, each acknowledged by the broker, and says where each went.
type Publisher interface {
	// Publish writes req's messages in order and returns, for each one it
	// handed to the broker, where it went (in the same order; one the
	// broker did not take has NotDelivered). Its error says why the rest
	// were not written; the placements before it stand.
	Publish(ctx context.Context, req PublishRequest) ([]Placement, error)
}

// PublishRequest is what to publish and where.
type PublishRequest struct {
	// Target is the stream (a topic, a queue, a JetStream subject or
	// stream, a Redis stream), or a RabbitMQ exchange and routing key.
	Target Target
	// Partition places every message on one partition (Kafka);
	// NoPartition lets the connector place it (Kafka: by key, as the Java
	// client does).
	Partition int32
	// Messages are what to write: their Key, Value, Headers and the
	// Properties the broker has (AMQP properties, SQS attributes). A
	// RabbitMQ message's Key is its routing key when Target has none.
	Messages []Message
	// MessagePartitions places each message on its own Partition (Kafka;
	// NoPartition: by key), as the lines of an export say; Partition, when
	// set, comes first.
	MessagePartitions bool
}

// UnconfirmedError is a publish that stopped with messages sent that the
// broker had not confirmed yet: they may have been written, or not.
type UnconfirmedError struct {
	// Err says why it stopped.
	Err error
	// Unconfirmed counts the messages sent after the placements returned
	// and never confirmed: up to this many more may be in the stream.
	Unconfirmed int
}

// Error is Err's text; Unconfirmed is for the caller to say with its counts.
func (e *UnconfirmedError) Error() string { return e.Err.Error() }

// Unwrap is Err.
func (e *UnconfirmedError) Unwrap() error { return e.Err }

// Unconfirmed counts the messages err says may have been written beyond
// the placements returned with it (0 when it says none).
func Unconfirmed(err error) int {
	var u *UnconfirmedError
	if errors.As(err, &u) {
		return u.Unconfirmed
	}
	return 0
}

// RejectedError is a publish that stopped at one message that cannot be
// written as it is (its headers cannot be encoded, it is too large): that
// message is not written, the ones after it were not tried, and the
// connection is fine for them. Placements returned with it are those of
// the messages before it.
type RejectedError struct {
	// Index is the message's index in the request.
	Index int
	// Err says why.
	Err error
}

// Error names the message (counted from 1) and says why.
func (e *RejectedError) Error() string {
	return "message " + strconv.Itoa(e.Index+1) + " not written: " + e.Err.Error()
}

// Unwrap is Err.
func (e *RejectedError) Unwrap() error { return e.Err }

// Rejected returns the RejectedError err holds, if it holds one.
func Rejected(err error) (*RejectedError, bool) {
	var r *RejectedError
	if errors.As(err, &r) {
		return r, true
	}
	return nil, false
}

// Placement is where the broker put one published message.
type Placement struct {
	// Stream is where it went (a topic, a queue, a JetStream stream, a
	// Redis stream, an exchange).
	Stream string
	// Partition and Offset place it in a log (Kafka's partition and
	// offset, a JetStream stream's sequence with NoPartition); Offset is
	// -1 where the broker gives none.
	Partition int32
	Offset    int64
	// ID is the broker's id of it (an SQS message id, a Redis entry id).
	ID string
	// Routed counts the queues a RabbitMQ exchange routed it to, leaving
	// out the taps of mqscope's reads (-1 when the bindings cannot be
	// read: routed, to queues unknown).
	Routed int
	// Unroutable says a RabbitMQ broker returned it: nothing bound to the
	// exchange took it, it is not stored anywhere.
	Unroutable bool
	// Exchange marks a RabbitMQ placement (Routed and Unroutable apply).
	Exchange bool
	// Created says this write made the stream, which was not there (a
	// Redis XADD to a new key).
	Created bool
	// Duplicate says the broker took it for one it already had and did not
	// write it (a JetStream PubAck with Duplicate: a message with the same
	// Nats-Msg-Id within the stream's duplicate window). Stream and Offset
	// are those of the message already there.
	Duplicate bool
	// NotDelivered says why the broker did not take it (a Kafka record
	// over the size limit), when it did not: it is not in the stream,
	// though messages handed over with it may be.
	NotDelivered error
}

// String says where it went, for people: "orders p2@17", "routed to 2
// queues", "unroutable: returned by the broker", "queue q id 5f…", "ORDERS #42".
func (p Placement) String() string {
	switch {
	case p.NotDelivered != nil:
		return "not delivered: " + p.NotDelivered.Error()
	case p.Duplicate:
		return "not written: " + p.Stream + " #" + strconv.FormatInt(p.Offset, 10) + " already had it within its duplicate window (Nats-Msg-Id)"
	case p.Unroutable:
		return "unroutable: " + p.exchange() + " returned it, no queue is bound to take it"
	case p.Exchange && p.Routed < 0:
		return "routed by " + p.exchange()
	case p.Exchange && p.Routed == 0: // not returned, yet no binding of an application's queue takes it
		return "routed by " + p.exchange() + " (not returned), to no queue but mqscope's own taps"
	case p.Exchange:
		return "routed to " + plural(p.Routed, "queue") + " by " + p.exchange()
	case p.ID != "":
		return p.Stream + " id " + p.ID
	case p.Partition != NoPartition:
		return p.Stream + " p" + strconv.Itoa(int(p.Partition)) + "@" + strconv.FormatInt(p.Offset, 10)
	case p.Offset >= 0:
		return p.Stream + " #" + strconv.FormatInt(p.Offset, 10)
	}
	return p.Stream
}

// exchange names a RabbitMQ placement's exchange.
func (p Placement) exchange() string {
	if p.Stream == "" {
		return "the default exchange"
	}
	return "exchange " + p.Stream
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// Unpartitioned refuses a request that names a partition, on a broker
// whose streams have none (what names them as the broker does: "RabbitMQ
// queues", "Redis streams").
func (r PublishRequest) Unpartitioned(what string) error {
	if r.Partition != NoPartition {
		return fmt.Errorf("%s have no partitions (--partition %d): %w", what, r.Partition, ErrBadTarget)
	}
	if r.MessagePartitions {
		for i, m := range r.Messages {
			if m.Partition != NoPartition {
				return fmt.Errorf("message %d names partition %d: %s have no partitions: %w", i+1, m.Partition, what, ErrBadTarget)
			}
		}
	}
	return nil
}

// Unrouted refuses a request with what only RabbitMQ has, on a broker
// that has none of it (what names the broker: "SQS"): an exchange, and,
// unless the broker reads it as something else, a routing key.
func (r PublishRequest) Unrouted(broker string, routingKey bool) error {
	switch t := r.Target; {
	case t.Exchange:
		return fmt.Errorf("%s has no exchanges (--exchange %s): name the stream to publish to: %w", broker, t.Stream, ErrBadTarget)
	case !routingKey && t.RoutingKey != "":
		return fmt.Errorf("%s has no routing keys (--routing-key %s): %w", broker, t.RoutingKey, ErrBadTarget)
	}
	return nil
}

// PublishTemplater is a connection whose messages carry properties a
// publish sets (AMQP properties, SQS attribute types): it gives the
// message a person starts from to publish to stream.
type PublishTemplater interface {
	// PublishTemplate is from (a message to publish a copy of; nil for a
	// new one) with only the properties a publish takes, or, for a new
	// one, the properties worth setting, with their usual values.
	PublishTemplate(stream string, from *Message) Message
}

// KeyPartitioner is a connection that places a message without a
// partition by its key: it says where, before anything is written.
type KeyPartitioner interface {
	// PartitionFor is the partition of partitions a message with key goes
	// to; false when it cannot be known (no key: at random).
	PartitionFor(key []byte, partitions int) (int32, bool)
}

// CountDuplicates counts the placements the broker did not write because
// it already had them (Placement.Duplicate).
func CountDuplicates(placed []Placement) int {
	n := 0
	for _, p := range placed {
		if p.Duplicate {
			n++
		}
	}
	return n
}

// CountNotDelivered counts the placements of messages the broker did not
// take (Placement.NotDelivered).
func CountNotDelivered(placed []Placement) int {
	n := 0
	for _, p := range placed {
		if p.NotDelivered != nil {
			n++
		}
	}
	return n
}

// DuplicatesNotWritten says, for people, that n messages were not written
// because the stream already had them: "2 not written: the stream already
// had them within its duplicate window (Nats-Msg-Id)".
func DuplicatesNotWritten(n int) string {
	return strconv.Itoa(n) + " not written: the stream already had them within its duplicate window (Nats-Msg-Id)"
}
