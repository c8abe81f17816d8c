package sources

import (
	"context"
	"fmt"
)

// PublishSink is a MessageSink that writes through a Publisher: each
// batch is one PublishRequest to the same target, acknowledged message by
// message by the broker before Write returns.
type PublishSink struct {
	publisher Publisher
	target    Target
	where     string
}

var _ MessageSink = (*PublishSink)(nil)

// NewPublishSink writes to t through p; where says the target for people
// ("subject orders.new", "stream events").
func NewPublishSink(p Publisher, t Target, where string) *PublishSink {
	return &PublishSink{publisher: p, target: t, where: where}
}

// Write publishes msgs in order (see Publisher.Publish); an error names
// the first message, counted from the batch's start, that was not written.
func (s *PublishSink) Write(ctx context.Context, msgs []Message) error {
	_, err := s.write(ctx, msgs)
	return err
}

// write publishes msgs and says where each went.
func (s *PublishSink) write(ctx context.Context, msgs []Message) ([]Placement, error) {
	placed, err := s.publisher.Publish(ctx, PublishRequest{Target: s.target, Partition: NoPartition, Messages: msgs})
	if n := Unconfirmed(err); n > 0 {
		return placed, fmt.Errorf("write to %s (%d of %d written; up to %d more may have been written: sent, not confirmed): %w", s.where, len(placed), len(msgs), n, err)
	}
	if err != nil {
		return placed, fmt.Errorf("write to %s (%d of %d written): %w", s.where, len(placed), len(msgs), err)
	}
	if len(placed) != len(msgs) {
		return placed, fmt.Errorf("write to %s: %d of %d written", s.where, len(placed), len(msgs))
	}
	return placed, nil
}

// PlacingSink is a MessageSink that says where each message of a batch
// went, in order: one placement a message once the batch is written,
// those the broker took for duplicates and did not write marked
// (Placement.Duplicate).
type PlacingSink interface {
	MessageSink
	WritePlaced(ctx context.Context, msgs []Message) ([]Placement, error)
}

// PlacingPublishSink is a PublishSink that is a PlacingSink (a broker
// whose publishes can be acknowledged as duplicates: JetStream).
type PlacingPublishSink struct {
	PublishSink
}

// NewPlacingPublishSink is NewPublishSink, as a PlacingSink.
func NewPlacingPublishSink(p Publisher, t Target, where string) *PlacingPublishSink {
	return &PlacingPublishSink{PublishSink{publisher: p, target: t, where: where}}
}

// WritePlaced is Write that also says where each message went.
func (s *PlacingPublishSink) WritePlaced(ctx context.Context, msgs []Message) ([]Placement, error) {
	return s.write(ctx, msgs)
}

var _ PlacingSink = (*PlacingPublishSink)(nil)

// Target says where it writes.
func (s *PublishSink) Target() string { return s.where }

// Close holds nothing of its own: the connection stays open.
func (s *PublishSink) Close() error { return nil }
