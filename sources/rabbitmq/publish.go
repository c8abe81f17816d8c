package rabbitmq

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/sources"
)

var _ sources.Publisher = (*Conn)(nil)

// Publish publishes each message to req.Target's exchange ("" is the
// default exchange, which routes to the queue its routing key names) with
// publisher confirms and mandatory, publishWindow messages waiting for
// their confirms at once: a message the broker returns is reported
// Unroutable, never lost silently. The routing
// key is the target's, else the message's Key. Routed counts the queues
// the vhost's bindings route it to (-1 without the management API).
func (c *Conn) Publish(ctx context.Context, req sources.PublishRequest) ([]sources.Placement, error) {
	if err := req.Unpartitioned("RabbitMQ queues"); err != nil {
		return nil, err
	}
	t := req.Target
	exchange := ""
	if t.Exchange {
		exchange = t.Stream
	} else { // a queue: through the default exchange
		if t.RoutingKey != "" {
			return nil, fmt.Errorf("--routing-key %s with queue %s: a queue is published to through the default exchange, its name the routing key; give --exchange X to route by key: %w", t.RoutingKey, t.Stream, sources.ErrBadTarget)
		}
		if err := unkeyed(req.Messages, t.Stream); err != nil {
			return nil, err
		}
		t = sources.Target{Exchange: true, RoutingKey: t.Stream}
	}
	if err := checkPublishings(req.Messages); err != nil {
		return nil, err
	}
	if err := c.CheckTarget(ctx, t); err != nil {
		return nil, err
	}
	ch, err := c.channel(ctx)
	if err != nil {
		return nil, err
	}
	defer ch.Close()
	if err := ch.Confirm(false); err != nil {
		return nil, fmt.Errorf("confirms: %w", err)
	}
	returns := ch.NotifyReturn(make(chan amqp.Return, publishWindow))
	routes := map[string]int{}
	out := make([]sources.Placement, 0, len(req.Messages))
	for first := 0; first < len(req.Messages); first += publishWindow {
		w, err := prepareWindow(req.Messages[first:min(first+publishWindow, len(req.Messages))], t, first)
		if err != nil {
			return out, err
		}
		confirms := make([]*amqp.DeferredConfirmation, 0, len(w.pubs))
		for j := range w.pubs {
			dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, exchange, w.keys[j], true, false, w.pubs[j])
			if err != nil {
				return out, &sources.UnconfirmedError{Err: fmt.Errorf("send message %d: %w", first+j+1, err), Unconfirmed: j}
			}
			confirms = append(confirms, dc)
		}
		for j, dc := range confirms {
			acked, err := dc.WaitContext(ctx)
			if err != nil {
				return out, &sources.UnconfirmedError{Err: fmt.Errorf("no confirm for message %d: %w", first+j+1, err), Unconfirmed: len(confirms) - j}
			}
			w.drain(returns) // a message's return comes before its confirm
			if !acked {
				return out, &sources.UnconfirmedError{Err: fmt.Errorf("the broker refused message %d (nack)", first+j+1), Unconfirmed: len(confirms) - j - 1}
			}
			pl := sources.Placement{Stream: exchange, Partition: sources.NoPartition, Offset: -1, Exchange: true, Routed: 0, Unroutable: w.returned[j]}
			if !pl.Unroutable {
				n, ok := routes[w.keys[j]]
				if !ok {
					n = c.routedTo(ctx, exchange, w.keys[j])
					routes[w.keys[j]] = n
				}
				pl.Routed = n
			}
			out = append(out, pl)
		}
	}
	return out, nil
}

// unkeyed refuses, before anything is written, a message with a key of
// its own published to queue: the default exchange routes by the queue's
// name and an AMQP message has no other key, so the key would be lost. A
// message read from RabbitMQ (it names its exchange or routing key) keys
// itself by its routing key, which a publish to a queue replaces.
func unkeyed(msgs []sources.Message, queue string) error {
	for i := range msgs {
		m := &msgs[i]
		if len(m.Key) == 0 || slices.ContainsFunc(m.Properties, func(p sources.Property) bool { return p.Name == "exchange" || p.Name == "routing-key" }) {
			continue
		}
		return fmt.Errorf("message %d has key %q, and queue %s is published to through the default exchange, its name the routing key: an AMQP message has no other key; "+
			"give it as a header (--header key=VALUE) or route by it through an exchange (--exchange X --routing-key KEY): %w",
			i+1, m.Key, queue, sources.ErrBadTarget)
	}
	return nil
}

// publishWindow is how many publishes wait for their confirms at once.
const publishWindow = 256

// window is the publishes of a run of messages: routing keys, messages,
// and which the broker returned.
type window struct {
	keys     []string
	pubs     []amqp.Publishing
	returned []bool
	next     int // the first publish a return may still belong to
}

// prepareWindow makes the publishes of msgs (numbered from first), all of
// them before any is sent: a bad one refuses the run of them.
func prepareWindow(msgs []sources.Message, t sources.Target, first int) (*window, error) {
	w := &window{keys: make([]string, len(msgs)), pubs: make([]amqp.Publishing, len(msgs)), returned: make([]bool, len(msgs))}
	for j := range msgs {
		key := t.RoutingKey
		if key == "" && t.Stream != "" {
			key = string(msgs[j].Key)
		}
		if err := legalName(key); err != nil {
			return nil, fmt.Errorf("publish message %d: routing key: %w", first+j+1, err)
		}
		pub, err := messagePublishing(&msgs[j])
		if err != nil {
			return nil, fmt.Errorf("publish message %d: %w", first+j+1, err)
		}
		w.keys[j], w.pubs[j] = key, pub
	}
	return w, nil
}

// drain takes the returns that arrived and marks their publishes: returns
// come in publish order, so each is the next publish with its routing key
// and body.
func (w *window) drain(returns <-chan amqp.Return) {
	for {
		select {
		case r := <-returns:
			for k := w.next; k < len(w.pubs); k++ {
				if !w.returned[k] && w.keys[k] == r.RoutingKey && bytes.Equal(w.pubs[k].Body, r.Body) {
					w.returned[k], w.next = true, k+1
					break
				}
			}
		default:
			return
		}
	}
}

// routedTo counts the queues the bindings route key to from exchange (-1
// when they cannot be read).
func (c *Conn) routedTo(ctx context.Context, exchange, key string) int {
	if exchange == "" {
		return 1 // the default exchange: the queue the key names, which CheckTarget found
	}
	qs, known, err := c.Routes(ctx, exchange, key)
	if err != nil || !known {
		return -1
	}
	return len(qs)
}

// messagePublishing is the AMQP message of m: its headers as long strings (byte
// for byte), its AMQP properties as Properties names them (content-type,
// delivery-mode, priority, correlation-id, reply-to, expiration,
// message-id, timestamp, type, user-id, app-id); persistent unless it says
// otherwise. A property mqscope reads but cannot publish (exchange,
// routing-key, redelivered, x-delivery-count) is passed over.
func messagePublishing(m *sources.Message) (amqp.Publishing, error) {
	pub := amqp.Publishing{DeliveryMode: amqp.Persistent, Body: m.Value}
	if pub.Body == nil {
		pub.Body = []byte{}
	}
	if len(m.Headers) > 0 {
		pub.Headers = amqp.Table{}
		for _, h := range m.Headers {
			pub.Headers[h.Key] = string(h.Value)
		}
	}
	for _, p := range m.Properties {
		v := p.Value
		switch p.Name {
		case "content-type":
			pub.ContentType = v
		case "content-encoding":
			pub.ContentEncoding = v
		case "delivery-mode", "priority":
			num, _, _ := strings.Cut(v, " ") // "2 (persistent)"
			n, err := strconv.ParseUint(num, 10, 8)
			if err != nil {
				return pub, fmt.Errorf("property %s %q: want a number from 0 to 255", p.Name, v)
			}
			if p.Name == "priority" {
				pub.Priority = uint8(n)
			} else {
				pub.DeliveryMode = uint8(n)
			}
		case "correlation-id":
			pub.CorrelationId = v
		case "reply-to":
			pub.ReplyTo = v
		case "expiration":
			pub.Expiration = v
		case "message-id":
			pub.MessageId = v
		case "timestamp":
			ts, err := propertyTime(v)
			if err != nil {
				return pub, err
			}
			pub.Timestamp = ts
		case "type":
			pub.Type = v
		case "user-id":
			pub.UserId = v
		case "app-id":
			pub.AppId = v
		default:
			if !slices.Contains(readOnly, p.Name) {
				return pub, fmt.Errorf("unknown property %q: an AMQP message has %s (and a read shows %s, which a publish passes over)",
					p.Name, strings.Join(publishable, ", "), strings.Join(readOnly, ", "))
			}
		}
	}
	return pub, nil
}

// readOnly are the properties a read from RabbitMQ shows that a publish
// does not set.
var readOnly = []string{"exchange", "routing-key", "redelivered", "x-delivery-count"}

// checkPublishings refuses, before anything is written, messages one of
// which cannot be published (an unknown property, a bad number).
func checkPublishings(msgs []sources.Message) error {
	for i := range msgs {
		if _, err := messagePublishing(&msgs[i]); err != nil {
			return fmt.Errorf("publish message %d: %w: nothing published", i+1, err)
		}
	}
	return nil
}

// propertyTime reads a timestamp property: RFC 3339 (as mqscope shows it)
// or Unix seconds.
func propertyTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0), nil
	}
	return time.Time{}, errors.New("property timestamp " + strconv.Quote(v) + ": want RFC 3339 or Unix seconds")
}

var _ sources.PublishTemplater = (*Conn)(nil)

// publishable are the AMQP properties Publish sets, in the spec's order.
var publishable = []string{"content-type", "content-encoding", "delivery-mode", "priority", "correlation-id", "reply-to",
	"expiration", "message-id", "timestamp", "type", "user-id", "app-id"}

// PublishTemplate is a new message (content-type application/json,
// persistent, an empty message-id, correlation-id and type to fill in) or
// a copy of from with the AMQP properties Publish sets (not the exchange,
// routing key, redelivered flag or delivery count a read shows).
func (c *Conn) PublishTemplate(_ string, from *sources.Message) sources.Message {
	if from == nil {
		return sources.Message{Partition: sources.NoPartition, Value: []byte("{}"), Properties: []sources.Property{
			{Name: "content-type", Value: "application/json"}, {Name: "delivery-mode", Value: "2"},
			{Name: "message-id"}, {Name: "correlation-id"}, {Name: "type"}}}
	}
	m := *from
	m.Properties = nil
	for _, p := range from.Properties {
		for _, name := range publishable {
			if p.Name == name {
				if p.Name == "delivery-mode" || p.Name == "priority" { // the number, not how a read shows it ("2 (persistent)")
					p.Value, _, _ = strings.Cut(p.Value, " ")
				}
				m.Properties = append(m.Properties, p)
			}
		}
	}
	return m
}
