package rabbitmq

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/sources"
)

// sinkConfirmTimeout is how long a sink waits for each publisher confirm.
const sinkConfirmTimeout = 30 * time.Second

var _ sources.SinkOpener = (*Conn)(nil)

// OpenSink publishes to the exchange t.Stream names ("" is the default
// exchange) with publisher confirms and mandatory: an unroutable message
// is an error. The routing key is t.RoutingKey, or each message's key when
// it is empty (see sources.SinkOpener).
func (c *Conn) OpenSink(ctx context.Context, t sources.Target) (sources.MessageSink, error) {
	ch, err := c.Channel(ctx)
	if err != nil {
		return nil, err
	}
	if t.Stream != "" {
		if err := ch.ExchangeDeclarePassive(t.Stream, "topic", false, false, false, false, nil); err != nil {
			return nil, fmt.Errorf("replay target: exchange %q: %w", t.Stream, err)
		}
	}
	if err := ch.Confirm(false); err != nil {
		ch.Close()
		return nil, fmt.Errorf("confirms: %w", err)
	}
	return &sink{ch: ch, exchange: t.Stream, key: t.RoutingKey,
		confirms: ch.NotifyPublish(make(chan amqp.Confirmation, 4096)),
		returns:  ch.NotifyReturn(make(chan amqp.Return, 4096))}, nil
}

// sink publishes batches to one exchange and waits for their confirms.
type sink struct {
	ch            *amqp.Channel
	exchange, key string
	confirms      chan amqp.Confirmation
	returns       chan amqp.Return
}

// Write publishes msgs (mandatory) and returns once every confirm is in;
// a nack or a return is an error.
func (s *sink) Write(ctx context.Context, msgs []sources.Message) error {
	for _, m := range msgs {
		key := s.key
		if key == "" {
			key = string(m.Key)
		}
		headers := amqp.Table{}
		for _, h := range m.Headers {
			headers[h.Key] = string(h.Value)
		}
		pub := publishingOf(m)
		pub.Headers, pub.Body = headers, m.Value
		if err := s.ch.PublishWithContext(ctx, s.exchange, key, true, false, pub); err != nil {
			return fmt.Errorf("publish to %q: %w", s.exchange, err)
		}
	}
	var errs []error
	for range msgs {
		select {
		case c, ok := <-s.confirms:
			if !ok {
				return errors.New("the channel closed before every confirm arrived")
			}
			if !c.Ack {
				errs = append(errs, fmt.Errorf("the broker refused message %d (nack)", c.DeliveryTag))
			}
		case <-time.After(sinkConfirmTimeout):
			return fmt.Errorf("no publisher confirm within %s", sinkConfirmTimeout)
		}
	}
	unroutable := map[string]int{}
	for {
		select {
		case r := <-s.returns:
			unroutable[fmt.Sprintf("%s with routing key %q", r.ReplyText, r.RoutingKey)]++
		default:
			for what, n := range unroutable {
				errs = append(errs, fmt.Errorf("%d unroutable (%s): nothing bound to receive them", n, what))
			}
			return errors.Join(errs...)
		}
	}
}

// Target says the exchange.
func (s *sink) Target() string {
	if s.exchange == "" {
		return "the default exchange"
	}
	return "exchange " + s.exchange
}

// Close closes the sink's channel.
func (s *sink) Close() error { return s.ch.Close() }

// publishingOf is the AMQP properties to publish a captured message with:
// a message read from RabbitMQ (it names its exchange, or carries AMQP
// properties) is published with exactly those it has; one that does not
// (read from Kafka or SQS) is persistent, with its timestamp and id.
func publishingOf(m sources.Message) amqp.Publishing {
	amqpRead := false
	for _, p := range m.Properties {
		if p.Name == "exchange" || slices.Contains(publishable, p.Name) {
			amqpRead = true
			break
		}
	}
	if !amqpRead {
		return amqp.Publishing{Timestamp: m.Timestamp, MessageId: m.ID, DeliveryMode: amqp.Persistent}
	}
	var pub amqp.Publishing
	for _, p := range m.Properties {
		n, isNum := sources.PropertyNumber(p.Name, p.Value)
		switch p.Name {
		case "content-type":
			pub.ContentType = p.Value
		case "content-encoding":
			pub.ContentEncoding = p.Value
		case "delivery-mode":
			if isNum && n >= 0 && n <= 255 {
				pub.DeliveryMode = uint8(n)
			}
		case "priority":
			if isNum && n >= 0 && n <= 255 {
				pub.Priority = uint8(n)
			}
		case "correlation-id":
			pub.CorrelationId = p.Value
		case "reply-to":
			pub.ReplyTo = p.Value
		case "expiration":
			pub.Expiration = p.Value
		case "message-id":
			pub.MessageId = p.Value
		case "timestamp":
			if isNum {
				pub.Timestamp = time.Unix(n, 0)
			}
		case "type":
			pub.Type = p.Value
		case "user-id":
			pub.UserId = p.Value
		case "app-id":
			pub.AppId = p.Value
		}
	}
	return pub
}
