package nats

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mqscope/mqscope/sources"
)

var _ sources.SourceChecker = (*Conn)(nil)

// CheckSource refuses a redrive source that is not a dead-letter stream:
// a stream whose subjects capture no MAX_DELIVERIES or MSG_TERMINATED
// advisories holds the application's own messages, and a redrive would
// take them out of it. The stream's configuration is read afresh (a
// stream deleted and made again under its name is seen as it is now).
func (c *Conn) CheckSource(ctx context.Context, source string) error {
	s, err := c.stream(ctx, source)
	if err != nil {
		return fmt.Errorf("redrive source %s: %w", source, err)
	}
	si, err := s.Info(ctx)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		c.forget(source)
		if s, err = c.stream(ctx, source); err == nil {
			si, err = s.Info(ctx)
		}
	}
	if err != nil {
		return fmt.Errorf("redrive source %s: %w", source, err)
	}
	if captureOf(si.Config.Subjects) == nil {
		return fmt.Errorf("%s is %w (a redrive removes what it moves from its source; a dead-letter stream captures %s.> or %s.> advisories)",
			source, sources.ErrNotDeadLetters, AdvisoryMaxDeliveries, AdvisoryTerminated)
	}
	return nil
}

// removesFrom reports whether a request takes items out of its source.
func removesFrom(req *sources.RedriveRequest) bool {
	for i := range req.Items {
		if req.Items[i].Remove {
			return true
		}
	}
	return false
}
