package sources

import (
	"context"
	"fmt"
)

// StreamRedriver is a connection whose dead-letter queue a redrive
// consumes itself as it goes (RabbitMQ): the connector takes deliveries
// with manual acknowledgement, asks the caller's plan of each, in
// delivery order, publishes the copies (mandatory, in confirm mode) and
// reports the broker's confirms and returns. The caller (replay) decides,
// journals what is about to be published and what the broker confirmed,
// audits, and only then acknowledges the deliveries, with the
// StreamDelivery's Acker; the ordering rules (journal before the ack, the
// ack after the confirm) are the caller's, the AMQP the connector's.
type StreamRedriver interface {
	Conn
	// QueueDepth is how many messages queue holds.
	QueueDepth(ctx context.Context, queue string) (int, error)
	// OpenRedrive starts consuming o.Source and opens the publisher.
	OpenRedrive(ctx context.Context, o StreamRedriveOptions) (RedriveStream, error)
}

// StreamRedriveOptions are what a StreamRedriver's run needs of its caller.
type StreamRedriveOptions struct {
	// ID names the run (its consumer tag and connections carry it);
	// Source is the queue it consumes.
	ID, Source string
	// Prefetch is the most deliveries the broker sends unacknowledged;
	// Window sizes the buffers of confirms and returns.
	Prefetch, Window int
	// PassThrough allows the connector to publish each copy with the
	// properties the broker delivered, decoding only what the decision
	// needs (a whole-queue run without edits: no decision has an Edit).
	PassThrough bool
	// Decide plans one delivery. It is called for every delivery whose
	// properties can be read, in delivery order, on one goroutine of the
	// connector's.
	Decide func(m Message) StreamDecision
	// KeepHeader tells which of a message's own headers its copy keeps
	// (earlier redrive provenance is left out of an unedited copy
	// whatever it says).
	KeepHeader func(key string) bool
	// BeforeWrite is called on the publishing goroutine before publishes
	// are written to the broker (the journal of what is about to be
	// sent); its error is returned by Publish or Flush, nothing written.
	BeforeWrite func() error
}

// StreamDecision is what the plan makes of one delivery.
type StreamDecision struct {
	// Write says a copy goes to Target; else the delivery is left in
	// place.
	Write  bool
	Target Target
	// Provenance are the headers an unedited copy carries after the
	// message's own that KeepHeader keeps.
	Provenance []Header
	// Edit, when set, is an edited copy's headers (provenance included)
	// and body; the broker's death headers are kept from the delivery.
	Edit *StreamEdit
	// Plan is the caller's, handed back in StreamDelivery.Plan.
	Plan any
}

// StreamEdit is an edited copy's headers and body.
type StreamEdit struct {
	Headers []Header
	Value   []byte
}

// StreamDelivery is one delivery of a StreamRedriver's run, read and
// prepared ahead of the caller.
type StreamDelivery struct {
	// Message is the delivery as mqscope reads it (for a pass-through
	// copy, only the headers a decision needs are decoded).
	Message Message
	// Identity is the journal's key of the message: the same whichever
	// way it was read, so any run resumes any other.
	Identity string
	// CorrelationID is the message's correlation id.
	CorrelationID string
	// Unfit says why it cannot be redriven (its properties cannot be
	// read, a copy would not fit a frame); nil when it can.
	Unfit error
	// Size is its size in bytes.
	Size int
	// Last marks the last of what arrived at once: the publishes gathered
	// are written after it.
	Last bool
	// Plan is the decision's (nil when Decide was not called: the
	// properties could not be read).
	Plan any
	// Acker acknowledges or gives back the delivery.
	Acker DeliveryAcker
	// Outgoing is the connector's copy to publish (nil when none goes
	// out); Publish takes it back untouched.
	Outgoing any
}

// DeliveryAcker acknowledges a delivery (with multiple, every delivery up
// to it on its channel) or gives it back.
type DeliveryAcker interface {
	Ack(multiple bool) error
	Nack(multiple, requeue bool) error
}

// RedriveStream is a StreamRedriver's run: its deliveries, its publisher
// and the broker's answers. Deliveries, Confirms and Returned may be read
// on the caller's goroutine; Publish, Flush, Cancel and Close are called
// from one goroutine, Sync from another (acks are sent on it).
type RedriveStream interface {
	// Deliveries are the prepared deliveries in delivery order, in parts
	// of what arrived at once; it is closed when consuming ends.
	Deliveries() <-chan []StreamDelivery
	// Confirms are the publisher confirms in publish order, tags counting
	// publishes from 1; it is closed when the publisher's channel ends.
	Confirms() <-chan PublishConfirm
	// Returned takes the returns that arrived so far (a return arrives
	// before its message's confirm).
	Returned() []PublishReturn
	// Publish publishes d's copy (mandatory); it may gather publishes
	// until Flush.
	Publish(ctx context.Context, d *StreamDelivery) error
	// Flush writes the publishes gathered.
	Flush() error
	// Sync returns once the broker has processed the acks sent before.
	Sync() error
	// Cancel stops consuming.
	Cancel()
	// Ended says why the deliveries ended (the broker's close, a message
	// the client could not read).
	Ended() string
	// Close ends the run's channels and connections: what was delivered
	// and not acknowledged goes back to the queue.
	Close()
}

// PublishConfirm is the broker's answer to publishes: Ack (or a nack) of
// the publish Tag, with Multiple of every one up to it.
type PublishConfirm struct {
	Tag           uint64
	Multiple, Ack bool
}

// PublishReturn is a copy the broker gave back (mandatory: it could not
// route it): the redrive position header it carried, and the broker's
// reply code and text.
type PublishReturn struct {
	Position string
	Code     int
	Text     string
}

// String says why the copy came back, for people.
func (r PublishReturn) String() string {
	return fmt.Sprintf("returned by the broker: %d %s", r.Code, r.Text)
}
