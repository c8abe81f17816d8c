package nats

import (
	"context"
	"fmt"

	"github.com/mqscope/mqscope/sources"
)

var _ sources.SinkOpener = (*Conn)(nil)

// OpenSink publishes to the subject t names (see sources.SinkOpener and
// Publish): t.RoutingKey when given; else t.Stream when a stream stores
// that subject; else, when t.Stream names a stream,
// its one subject without wildcards (a stream with several: each
// message's key, the subject it was read from); else t.Stream itself as a
// subject. A subject no stream stores is refused before anything is
// written. The sink is a sources.PlacingSink: a message JetStream
// acknowledges as a duplicate is marked so.
func (c *Conn) OpenSink(ctx context.Context, t sources.Target) (sources.MessageSink, error) {
	subject := t.RoutingKey
	if subject == "" && c.CheckTarget(ctx, sources.Target{Stream: t.Stream}) == nil {
		subject = t.Stream
	}
	if subject == "" {
		s, err := c.defaultSubject(ctx, t.Stream)
		if err != nil {
			return nil, fmt.Errorf("replay target: %w", err)
		}
		subject = s
	}
	if subject == "" {
		return sources.NewPlacingPublishSink(c, sources.Target{Stream: t.Stream}, "stream "+t.Stream+" (each message's subject)"), nil
	}
	if err := c.CheckTarget(ctx, sources.Target{Stream: subject}); err != nil {
		return nil, fmt.Errorf("replay target: %w", err)
	}
	return sources.NewPlacingPublishSink(c, sources.Target{Stream: t.Stream, RoutingKey: subject}, "subject "+subject), nil
}
