package rabbitmq

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/sources"
)

// CheckTarget refuses names AMQP cannot carry (more than 255 bytes, not
// UTF-8, control characters), an exchange the vhost does not have, and,
// through the default exchange, a queue it does not have.
func (c *Conn) CheckTarget(ctx context.Context, t sources.Target) error {
	for _, name := range []string{t.Stream, t.RoutingKey} {
		if err := legalName(name); err != nil {
			return err
		}
	}
	if t.Stream == "" {
		if t.RoutingKey == "" {
			return fmt.Errorf("no exchange and no queue to write to: %w", sources.ErrBadTarget)
		}
		if _, _, err := c.depth(ctx, t.RoutingKey); err != nil {
			if errors.Is(err, sources.ErrUnknownStream) {
				return fmt.Errorf("queue %q does not exist in vhost %q on %s: %w", t.RoutingKey, c.uri.Vhost, c.where(), sources.ErrBadTarget)
			}
			return fmt.Errorf("target queue %q: %w", t.RoutingKey, err)
		}
		return nil
	}
	ch, err := c.channel(ctx)
	if err != nil {
		return fmt.Errorf("target exchange %q: %w", t.Stream, err)
	}
	defer ch.Close()
	if err := ch.ExchangeDeclarePassive(t.Stream, "topic", false, false, false, false, nil); err != nil {
		var aerr *amqp.Error
		if errors.As(err, &aerr) && aerr.Code == amqp.NotFound {
			return fmt.Errorf("exchange %q does not exist in vhost %q on %s: %w", t.Stream, c.uri.Vhost, c.where(), sources.ErrBadTarget)
		}
		return fmt.Errorf("target exchange %q: %w", t.Stream, err)
	}
	return nil
}

// legalName says why a name cannot be an AMQP exchange, queue or routing
// key (a short string: at most 255 bytes).
func legalName(name string) error {
	if len(name) > 255 || !utf8.ValidString(name) {
		return fmt.Errorf("%q is not a legal AMQP name (at most 255 bytes of UTF-8): %w", name, sources.ErrBadTarget)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%q is not a legal AMQP name (control characters): %w", name, sources.ErrBadTarget)
		}
	}
	return nil
}
