package rabbitmq

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/mqscope/mqscope/sources"
)

// defaultDeliveryLimit4 is the delivery limit RabbitMQ 4 gives a quorum
// queue that sets none.
const defaultDeliveryLimit4 = 20

// PeekCost says what a read of a queue costs: a peek is a delivery and a
// requeue, which raises a quorum queue's delivery count; a quorum queue
// with a delivery limit (x-delivery-limit, a policy's delivery-limit, or
// RabbitMQ 4's default of 20) drops or dead-letters a message past it.
// Streams, exchanges and classic queues cost nothing a limit watches
// (nil). Without the management API a queue's type and limit cannot be
// known, and the cost says so.
func (c *Conn) PeekCost(ctx context.Context, name string) (*sources.PeekCost, error) {
	if c.mgmt == nil {
		kind, err := c.kindOf(ctx, name)
		if err != nil || kind != KindQueue {
			return nil, err
		}
		return unmanagedCost(name), nil
	}
	q, err := c.mgmt.Queue(ctx, c.uri.Vhost, name)
	if errors.Is(err, errNotFound) {
		if c.exchangeExists(ctx, name) {
			return nil, nil
		}
		return nil, fmt.Errorf("%q in vhost %q on %s: %w", name, c.uri.Vhost, c.where(), sources.ErrUnknownStream)
	}
	if err != nil {
		return nil, fmt.Errorf("what a read of %s costs: %w", name, err)
	}
	return c.queueCost(ctx, q, c.defaultLimit)
}

// queueCost is the cost of reading q (see PeekCost); defaultLimit gives
// the broker's default delivery limit, asked only when q sets none.
func (c *Conn) queueCost(ctx context.Context, q Queue, defaultLimit func(context.Context) (int64, error)) (*sources.PeekCost, error) {
	if q.Type != KindQuorum {
		return nil, nil
	}
	limit, from, ok := deliveryLimit(q)
	if !ok {
		def, err := defaultLimit(ctx)
		if err != nil {
			return nil, fmt.Errorf("what a read of %s costs: %w", q.Name, err)
		}
		if def <= 0 {
			return nil, nil
		}
		limit, from = def, "RabbitMQ's default delivery limit "+strconv.FormatInt(def, 10)
	}
	if limit < 0 { // -1: no limit (RabbitMQ 4)
		return nil, nil
	}
	return &sources.PeekCost{Stream: q.Name, Queue: "a quorum queue with " + from, Limit: limit, Counter: "delivery count", Then: pastLimit(q)}, nil
}

// deliveryLimit is a quorum queue's delivery limit: the least of its
// x-delivery-limit argument and its effective policy's delivery-limit, as
// the broker applies it, with where it comes from.
func deliveryLimit(q Queue) (limit int64, from string, ok bool) {
	if n, isNum := jsonInt(q.Arguments["x-delivery-limit"]); isNum {
		limit, from, ok = n, "x-delivery-limit "+strconv.FormatInt(n, 10), true
	}
	if n, isNum := jsonInt(q.EffectivePolicy["delivery-limit"]); isNum && (!ok || n < limit) {
		limit, from, ok = n, "delivery-limit "+strconv.FormatInt(n, 10)+" (policy "+policyName(q)+")", true
	}
	return limit, from, ok
}

func policyName(q Queue) string {
	names := make([]string, 0, 2)
	for _, p := range []string{q.Policy, q.OperatorPolicy} {
		if p != "" {
			names = append(names, strconv.Quote(p))
		}
	}
	return strings.Join(names, ", ")
}

// pastLimit says what the broker does with a message past the limit: it
// dead-letters it when the queue has a dead-letter exchange, else drops it.
func pastLimit(q Queue) string {
	dlx, ok := q.Arguments["x-dead-letter-exchange"].(string)
	if !ok {
		dlx, ok = q.EffectivePolicy["dead-letter-exchange"].(string)
	}
	if !ok {
		return "dropped (the queue has no dead-letter exchange)"
	}
	if dlx == "" {
		return "dead-lettered (through the default exchange)"
	}
	return "dead-lettered (through exchange " + strconv.Quote(dlx) + ")"
}

// defaultLimit is the broker's default delivery limit for quorum queues:
// 20 from RabbitMQ 4 on, none before.
func (c *Conn) defaultLimit(ctx context.Context) (int64, error) {
	o, err := c.mgmt.Overview(ctx)
	if err != nil {
		return 0, err
	}
	major, _, _ := strings.Cut(o.RabbitMQVersion, ".")
	if n, err := strconv.Atoi(major); err == nil && n >= 4 {
		return defaultDeliveryLimit4, nil
	}
	return 0, nil
}

// jsonInt reads a whole number from a decoded JSON value.
func jsonInt(v any) (int64, bool) {
	switch x := v.(type) {
	case float64:
		return int64(x), x == float64(int64(x))
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// onceDefaultLimit is defaultLimit asked at most once (for one listing).
func (c *Conn) onceDefaultLimit() func(context.Context) (int64, error) {
	var (
		asked bool
		limit int64
		err   error
	)
	return func(ctx context.Context) (int64, error) {
		if !asked {
			asked = true
			limit, err = c.defaultLimit(ctx)
		}
		return limit, err
	}
}

// unmanagedCost is the cost of reading a queue without the management API:
// whether it is a quorum queue with a delivery limit cannot be seen.
func unmanagedCost(name string) *sources.PeekCost {
	return &sources.PeekCost{Stream: name, Limit: -1, Counter: "delivery count", Then: "dropped or dead-lettered",
		Queue: "a queue whose type and delivery limit mqscope cannot see without the management API (a quorum queue may have one)"}
}

var _ sources.PeekCoster = (*Conn)(nil)
