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
	placed, err := s.publisher.Publish(ctx, PublishRequest{Target: s.target, Partition: NoPartition, Messages: msgs})
	if n := Unconfirmed(err); n > 0 {
		return fmt.Errorf("write to %s (%d of %d written; up to %d more may have been written: sent, not confirmed): %w", s.where, len(placed), len(msgs), n, err)
	}
	if err != nil {
		return fmt.Errorf("write to %s (%d of %d written): %w", s.where, len(placed), len(msgs), err)
	}
	if len(placed) != len(msgs) {
		return fmt.Errorf("write to %s: %d of %d written", s.where, len(placed), len(msgs))
	}
	return nil
}

// Target says where it writes.
func (s *PublishSink) Target() string { return s.where }

// Close holds nothing of its own: the connection stays open.
func (s *PublishSink) Close() error { return nil }
