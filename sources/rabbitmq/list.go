package rabbitmq

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
)

// Stream kinds of a RabbitMQ connection.
const (
	KindClassic  = "classic"
	KindQuorum   = "quorum"
	KindStream   = "stream"
	KindExchange = "exchange"
	KindQueue    = "queue" // a queue of unknown type (no management API)
)

// ListStreams lists the vhost's queues (with type, counts, rates, consumers
// and dead-letter relations) and exchanges (which can be tapped). Without the
// management API it lists the configured queues with AMQP counts.
func (c *Conn) ListStreams(ctx context.Context) ([]sources.StreamInfo, error) {
	var out []sources.StreamInfo
	var err error
	if c.mgmt == nil {
		out, err = c.listConfigured(ctx)
	} else {
		out, err = c.listManaged(ctx)
	}
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	for _, s := range out {
		c.kinds[s.Name] = s.Kind
	}
	c.mu.Unlock()
	return out, nil
}

func (c *Conn) listManaged(ctx context.Context) ([]sources.StreamInfo, error) {
	vhost := c.uri.Vhost
	queues, err := c.mgmt.Queues(ctx, vhost)
	if err != nil {
		return nil, fmt.Errorf("list queues of %s: %w", c.name, err)
	}
	exchanges, err := c.mgmt.Exchanges(ctx, vhost)
	if err != nil {
		return nil, fmt.Errorf("list exchanges of %s: %w", c.name, err)
	}
	bindings, err := c.mgmt.Bindings(ctx, vhost)
	if err != nil {
		return nil, fmt.Errorf("list bindings of %s: %w", c.name, err)
	}
	serves := DeadLetterTargets(queues, exchanges, bindings)
	defaultLimit := c.onceDefaultLimit()
	out := make([]sources.StreamInfo, 0, len(queues)+len(exchanges))
	for _, q := range queues {
		kind := q.Type
		if kind == "" {
			kind = KindClassic
		}
		info := sources.StreamInfo{
			Name: q.Name, Kind: kind, Messages: q.Messages,
			Rate: q.MessageStats.PublishDetails.Rate, RateKnown: true, Consumers: int(q.Consumers),
			Info: queueInfo(q), Peeks: peeks(kind), Reading: reading(q.Name, kind),
			Counts: sources.QueueCounts{Ready: sources.KnownCount(q.Ready), Unacked: sources.KnownCount(q.Unacked),
				Consumers: sources.KnownCount(q.Consumers), State: q.State},
		}
		if info.PeekCost, err = c.queueCost(ctx, q, defaultLimit); err != nil {
			info.PeekCost = &sources.PeekCost{Stream: q.Name, Limit: -1, Counter: "delivery count", Then: "dropped or dead-lettered",
				Queue: "a quorum queue whose delivery limit could not be read (" + err.Error() + ")"}
		}
		if from := serves[q.Name]; len(from) > 0 {
			info.DeadLetter, info.DeadLetterFor = true, strings.Join(from, ", ")
		} else if ok, origin := dlq.IsDeadLetterName(q.Name); ok {
			info.DeadLetter = true
			if _, exists := findQueue(queues, origin); exists {
				info.DeadLetterFor = origin
			}
		}
		out = append(out, info)
	}
	for _, e := range exchanges {
		if e.Name == "" || strings.HasPrefix(e.Name, "amq.") {
			continue // the default and built-in exchanges
		}
		out = append(out, sources.StreamInfo{
			Name: e.Name, Kind: KindExchange, Messages: -1, Consumers: -1, Reading: reading(e.Name, KindExchange),
			Rate: e.MessageStats.PublishInDetails.Rate, RateKnown: true,
			Info: []sources.Property{{Name: "type", Value: e.Type}},
		})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if (out[i].Kind == KindExchange) != (out[j].Kind == KindExchange) {
			return out[j].Kind == KindExchange
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

func findQueue(qs []Queue, name string) (Queue, bool) {
	for _, q := range qs {
		if q.Name == name {
			return q, true
		}
	}
	return Queue{}, false
}

// queueInfo lists a queue's notable arguments.
func queueInfo(q Queue) []sources.Property {
	var out []sources.Property
	keys := make([]string, 0, len(q.Arguments))
	for k := range q.Arguments {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, sources.Property{Name: k, Value: ValueText(q.Arguments[k])})
	}
	return out
}

// listConfigured counts the configured queues over AMQP (passive declare).
func (c *Conn) listConfigured(ctx context.Context) ([]sources.StreamInfo, error) {
	var out []sources.StreamInfo
	for _, name := range c.queues {
		info := sources.StreamInfo{Name: name, Kind: KindQueue, Consumers: -1, PeekCost: unmanagedCost(name), Peeks: true, Reading: reading(name, KindQueue)}
		n, consumers, err := c.depth(ctx, name)
		if err != nil {
			if errors.Is(err, sources.ErrUnknownStream) {
				return nil, err
			}
			return nil, fmt.Errorf("list %s: %w", c.name, err)
		}
		info.Messages, info.Consumers = int64(n), consumers
		// A passive declare counts the ready messages and the consumers;
		// what is unacknowledged and the state need the management API.
		info.Counts = sources.QueueCounts{Ready: sources.KnownCount(int64(n)), Consumers: sources.KnownCount(int64(consumers))}
		info.DeadLetter, info.DeadLetterFor = dlq.IsDeadLetterName(name)
		out = append(out, info)
	}
	return out, nil
}

// depth returns a queue's ready message count and consumers (passive declare).
func (c *Conn) depth(ctx context.Context, queue string) (int, int, error) {
	ch, err := c.channel(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer ch.Close()
	q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
	if err != nil {
		return 0, 0, c.queueError(queue, err)
	}
	return q.Messages, q.Consumers, nil
}

// queueError maps a channel error on a queue to ErrUnknownStream when the
// queue does not exist.
func (c *Conn) queueError(queue string, err error) error {
	var aerr *amqp.Error
	if errors.As(err, &aerr) && aerr.Code == amqp.NotFound {
		return fmt.Errorf("queue %q in vhost %q on %s: %w", queue, c.uri.Vhost, c.where(), sources.ErrUnknownStream)
	}
	return fmt.Errorf("queue %q on %s: %w", queue, c.where(), err)
}

// DeadLetterTargets works out which queues are dead-letter queues of which:
// a queue's x-dead-letter-exchange and x-dead-letter-routing-key (or, without
// one, the keys the queue is bound with) are routed through the bindings,
// following exchange-to-exchange bindings. The result maps a DLQ to the
// queues it serves.
func DeadLetterTargets(queues []Queue, exchanges []Exchange, bindings []Binding) map[string][]string {
	types := map[string]string{"": "direct"}
	for _, e := range exchanges {
		types[e.Name] = e.Type
	}
	out := map[string][]string{}
	for _, q := range queues {
		dlx, ok := q.Arguments["x-dead-letter-exchange"].(string)
		if !ok {
			continue
		}
		var keys []string
		if k, ok := q.Arguments["x-dead-letter-routing-key"].(string); ok {
			keys = []string{k}
		} else {
			for _, b := range bindings {
				if b.DestinationType == "queue" && b.Destination == q.Name {
					keys = append(keys, b.RoutingKey)
				}
			}
			keys = append(keys, q.Name) // the default exchange's key
		}
		seen := map[string]bool{}
		for _, k := range keys {
			for _, target := range route(dlx, k, types, bindings, 0) {
				if target != q.Name && !seen[target] {
					seen[target] = true
					out[target] = append(out[target], q.Name)
				}
			}
		}
	}
	for k := range out {
		sort.Strings(out[k])
	}
	return out
}

// route returns the queues a message published to exchange with key reaches.
func route(exchange, key string, types map[string]string, bindings []Binding, depth int) []string {
	if exchange == "" {
		return []string{key}
	}
	if depth > 4 {
		return nil
	}
	var out []string
	for _, b := range bindings {
		if b.Source != exchange || !bindingMatches(types[exchange], b.RoutingKey, key) {
			continue
		}
		if b.DestinationType == "exchange" {
			out = append(out, route(b.Destination, key, types, bindings, depth+1)...)
		} else {
			out = append(out, b.Destination)
		}
	}
	return out
}

func bindingMatches(kind, pattern, key string) bool {
	switch kind {
	case "fanout", "headers", "x-consistent-hash":
		return true
	case "topic":
		return TopicMatch(pattern, key)
	default:
		return pattern == key
	}
}

// TopicMatch reports whether a topic-exchange binding pattern matches a
// routing key: words split on '.', '*' matches one word, '#' zero or more.
func TopicMatch(pattern, key string) bool {
	return topicMatch(strings.Split(pattern, "."), strings.Split(key, "."))
}

func topicMatch(p, k []string) bool {
	for len(p) > 0 {
		switch p[0] {
		case "#":
			if len(p) == 1 {
				return true
			}
			for i := 0; i <= len(k); i++ {
				if topicMatch(p[1:], k[i:]) {
					return true
				}
			}
			return false
		case "*":
			if len(k) == 0 {
				return false
			}
		default:
			if len(k) == 0 || p[0] != k[0] {
				return false
			}
		}
		p, k = p[1:], k[1:]
	}
	return len(k) == 0
}

// FeedingExchanges are the exchanges with a binding to a queue (the default
// exchange left out): where messages, dead letters among them, reach it
// from. It needs the management API.
func (c *Conn) FeedingExchanges(ctx context.Context, queue string) ([]string, error) {
	if c.mgmt == nil {
		return nil, fmt.Errorf("the exchanges feeding %s: bindings come from the management API, which is not available", queue)
	}
	bs, err := c.mgmt.Bindings(ctx, c.uri.Vhost)
	if err != nil {
		return nil, fmt.Errorf("the exchanges feeding %s: %w", queue, err)
	}
	var out []string
	for _, b := range bs {
		if b.DestinationType == "queue" && b.Destination == queue && b.Source != "" && !slices.Contains(out, b.Source) {
			out = append(out, b.Source)
		}
	}
	return out, nil
}

// Routes returns the queues a message published to exchange with key
// reaches, through the vhost's bindings (exchange to exchange too), as
// DeadLetterTargets routes dead letters, leaving out the tap queues of
// mqscope's reads of exchanges (sources.TapQueue); known is false when the bindings
// cannot be read (no management API).
func (c *Conn) Routes(ctx context.Context, exchange, key string) (queues []string, known bool, err error) {
	if c.mgmt == nil {
		return nil, false, nil
	}
	exchanges, err := c.mgmt.Exchanges(ctx, c.uri.Vhost)
	if err != nil {
		return nil, false, fmt.Errorf("the routes of exchange %s: %w", exchange, err)
	}
	bindings, err := c.mgmt.Bindings(ctx, c.uri.Vhost)
	if err != nil {
		return nil, false, fmt.Errorf("the routes of exchange %s: %w", exchange, err)
	}
	types := map[string]string{"": "direct"}
	for _, e := range exchanges {
		types[e.Name] = e.Type
	}
	seen := map[string]bool{}
	for _, q := range route(exchange, key, types, bindings, 0) {
		if !seen[q] && !sources.TapQueue(q) { // mqscope's own taps are no route
			seen[q] = true
			queues = append(queues, q)
		}
	}
	sort.Strings(queues)
	return queues, true, nil
}

// reading is what a read of the stream name of kind is: a stream's from
// any offset and live, an exchange's a tap, a queue's a peek.
func reading(name, kind string) sources.Reading {
	switch kind {
	case KindStream:
		return sources.Reading{HasPositions: true, Live: true, RoutedByName: true}
	case KindExchange:
		return sources.Reading{Tap: true, Live: true, Effect: "reading exchange " + name + " declares a queue bound to it"}
	}
	r := sources.Reading{Queue: true, RoutedByName: true, PeekLimit: MaxPeek, Effect: "reading queue " + name + " is a peek (its messages come back redelivered, a quorum queue's delivery count rises)"}
	if kind == KindQuorum {
		r.PeekEffect = "delivery-count +1"
	}
	return r
}

// Locate finds a queue, a stream or an exchange (see sources.Locator).
func (c *Conn) Locate(ctx context.Context, name string) (sources.StreamInfo, error) {
	kind, err := c.kindOf(ctx, name)
	if err != nil {
		return sources.StreamInfo{}, err
	}
	return sources.StreamInfo{Name: name, Kind: kind, Peeks: peeks(kind), Reading: reading(name, kind)}, nil
}

var _ sources.Locator = (*Conn)(nil)
