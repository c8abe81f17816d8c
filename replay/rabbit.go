package replay

import (
	"context"
	"fmt"
	"strconv"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/sources"
)

// RabbitConn is what a RabbitMQ redrive needs of a connection
// (sources/rabbitmq.Conn has it).
type RabbitConn interface {
	Name() string
	Channel(ctx context.Context) (*amqp.Channel, error)
	Convert(d amqp.Delivery, stream string, seq int64) sources.Message
}

// rabbitIdle ends a batch that is not filling (the rest is held by others).
const rabbitIdle = time.Second

// pending is one published message waiting for its confirm.
type pending struct {
	d        amqp.Delivery
	it       Item
	fp       string
	returned string
}

// RedriveRabbit moves messages out of a dead-letter queue with at-least-once
// order: consume with manual acknowledgement, publish (mandatory, with
// publisher confirms), and only after the broker confirmed, journal and ack
// the source. A return (unroutable) or a nack leaves the source message in
// the queue (nack, requeue) and is reported. The run takes at most the
// number of messages the queue held when it started and stops when a
// message comes round again. With all set, every message is taken;
// otherwise only the messages of the plan (matched by Fingerprint), the
// others are held and given back at the end.
func RedriveRabbit(ctx context.Context, c RabbitConn, p *Plan, all bool, o RunOptions) (Result, error) {
	start := time.Now()
	res := Result{PerTarget: map[string]int{}}
	selected := map[string]bool{}
	for _, it := range p.Items {
		selected[Fingerprint(it.Msg)] = true
	}
	consume, err := c.Channel(ctx)
	if err != nil {
		return res, err
	}
	defer consume.Close()
	publish, err := c.Channel(ctx)
	if err != nil {
		return res, err
	}
	defer publish.Close()
	q, err := consume.QueueDeclarePassive(p.Source, false, false, false, false, nil)
	if err != nil {
		return res, fmt.Errorf("redrive %s: queue %s: %w", p.ID, p.Source, err)
	}
	total := q.Messages
	res.Total = total
	if !all {
		res.Total = len(p.Items)
	}
	if total == 0 {
		return res, nil
	}
	window := o.batch()
	if err := publish.Confirm(false); err != nil {
		return res, fmt.Errorf("redrive %s: confirms: %w", p.ID, err)
	}
	confirms := publish.NotifyPublish(make(chan amqp.Confirmation, window))
	returns := publish.NotifyReturn(make(chan amqp.Return, window))
	prefetch := window
	if !all {
		prefetch = min(total, 50000) // unselected messages are held to the end
	}
	if err := consume.Qos(prefetch, 0, false); err != nil {
		return res, fmt.Errorf("redrive %s: qos: %w", p.ID, err)
	}
	deliveries, err := consume.Consume(p.Source, "mqscope-redrive-"+p.ID, false, false, false, false, nil)
	if err != nil {
		return res, fmt.Errorf("redrive %s: consume %s: %w", p.ID, p.Source, err)
	}
	var held []amqp.Delivery // left in the queue: given back at the end
	defer func() {
		for _, d := range held {
			_ = d.Nack(false, true)
		}
	}()
	lim := newLimiter(o.Rate)
	seen := map[string]bool{}
	taken := 0
	var seq int64
	for taken < total && res.Stopped == "" {
		if ctx.Err() != nil {
			res.Stopped = "cancelled"
			break
		}
		// Gather a batch of deliveries.
		var batch []amqp.Delivery
		idle := time.NewTimer(rabbitIdle)
	gather:
		for len(batch) < window && taken+len(batch) < total {
			select {
			case d, ok := <-deliveries:
				if !ok {
					res.Stopped = "connection lost"
					break gather
				}
				batch = append(batch, d)
			case <-idle.C:
				break gather
			case <-ctx.Done():
				break gather
			}
		}
		idle.Stop()
		if len(batch) == 0 {
			if res.Stopped == "" {
				res.Stopped = "no more messages to take (the rest are held by other consumers)"
			}
			break
		}
		taken += len(batch)
		// Publish what goes somewhere.
		var out []*pending
		for _, d := range batch {
			m := c.Convert(d, p.Source, seq)
			seq++
			fp := Fingerprint(m)
			switch {
			case seen[fp]:
				res.Stopped = "a message came round again (it was requeued): stopping"
				held = append(held, d)
				continue
			case !all && !selected[fp]:
				held = append(held, d)
				continue
			}
			seen[fp] = true
			if o.Journal != nil && o.Journal.HasFingerprint(fp) {
				// Published by an earlier run whose ack was lost: not again.
				if err := d.Ack(false); err != nil {
					return res, fmt.Errorf("redrive %s: ack: %w", p.ID, err)
				}
				res.Duplicates++
				continue
			}
			it := p.Decide(m)
			if it.Action == Unresolved || it.Action == Park && p.opts.ParkTo == "" {
				held = append(held, d)
				if it.Action == Park {
					res.Parked++
				} else {
					res.Skipped++
				}
				continue
			}
			if err := lim.wait(ctx); err != nil {
				held = append(held, d)
				continue
			}
			pub := publishing(d, it, p)
			target := it.Target
			if err := publish.PublishWithContext(ctx, target.Stream, target.RoutingKey, true, false, pub); err != nil {
				held = append(held, d)
				res.Failed++
				res.Failures = append(res.Failures, Failure{Position: Position(m), Err: err.Error()})
				res.Stopped = "publish failed: " + err.Error()
				break
			}
			out = append(out, &pending{d: d, it: it, fp: fp})
		}
		if err := settle(ctx, p, out, confirms, returns, &res, o, c.Name()); err != nil {
			return res, err
		}

		res.Elapsed = time.Since(start)
		if o.OnProgress != nil {
			o.OnProgress(res.Progress)
		}
	}
	res.Elapsed = time.Since(start)
	if res.Stopped == "connection lost" {
		return res, fmt.Errorf("redrive %s: the broker closed the connection after %d of %d: what was not confirmed stays in %s; run the same redrive id again to resume", p.ID, res.Done, res.Total, p.Source)
	}
	return res, nil
}

// settle waits for the confirms of a published batch, then journals and
// acks what the broker took, and gives back (nack, requeue) what it
// returned or refused.
func settle(ctx context.Context, p *Plan, out []*pending, confirms <-chan amqp.Confirmation, returns <-chan amqp.Return, res *Result, o RunOptions, conn string) error {
	byPos := map[string]*pending{}
	for _, pd := range out {
		byPos[Position(pd.it.Msg)] = pd
	}
	drainReturns := func() {
		for {
			select {
			case r := <-returns:
				if v, ok := r.Headers[HeaderPosition].(string); ok && byPos[v] != nil {
					byPos[v].returned = fmt.Sprintf("returned by the broker: %d %s", r.ReplyCode, r.ReplyText)
				}
			default:
				return
			}
		}
	}
	acked := make([]bool, len(out))
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	for i := range out {
		select {
		case cf, ok := <-confirms:
			if !ok {
				return fmt.Errorf("redrive %s: the channel closed before %d confirms arrived: the unconfirmed messages stay in %s", p.ID, len(out)-i, p.Source)
			}
			drainReturns() // a return comes before the confirm of the same message
			acked[i] = cf.Ack
		case <-timeout.C:
			return fmt.Errorf("redrive %s: no publisher confirm within 30s: the unconfirmed messages stay in %s", p.ID, p.Source)
		}
	}
	drainReturns()
	now := time.Now()
	var entries []JournalEntry
	var audit []AuditRecord
	var good []*pending
	for i, pd := range out {
		pos := Position(pd.it.Msg)
		if !acked[i] || pd.returned != "" {
			reason := pd.returned
			if reason == "" {
				reason = "the broker refused the message (nack)"
			}
			res.Failed++
			res.Failures = append(res.Failures, Failure{Position: pos, Err: reason})
			audit = append(audit, AuditRecord{Time: now, Action: "redrive", RedriveID: p.ID, Connection: conn, Source: p.Source,
				Position: pos, Target: pd.it.Target.String(), MessageID: pd.it.Msg.ID, Result: "failed: " + reason})
			if err := pd.d.Nack(false, true); err != nil {
				return fmt.Errorf("redrive %s: give back %s: %w", p.ID, pos, err)
			}
			continue
		}
		good = append(good, pd)
		entries = append(entries, JournalEntry{ID: p.ID, Source: p.Source, Position: pos, Target: pd.it.Target.String(), Fingerprint: pd.fp, Time: now})
		audit = append(audit, AuditRecord{Time: now, Action: "redrive", RedriveID: p.ID, Connection: conn, Source: p.Source,
			Position: pos, Target: pd.it.Target.String(), MessageID: pd.it.Msg.ID, Result: "confirmed"})
	}
	if o.Journal != nil { // journal before the ack: a crash in between is detected on resume
		if err := o.Journal.Add(entries...); err != nil {
			return err
		}
	}
	for _, pd := range good {
		if err := pd.d.Ack(false); err != nil {
			return fmt.Errorf("redrive %s: ack %s: %w", p.ID, Position(pd.it.Msg), err)
		}
		if pd.it.Action == Park {
			res.Parked++
		} else {
			res.Done++
		}
		res.PerTarget[pd.it.Target.String()]++
	}
	return o.Audit.Write(audit...)
}

// publishing copies a delivery into a publishing with the plan's headers.
func publishing(d amqp.Delivery, it Item, p *Plan) amqp.Publishing {
	headers := amqp.Table{}
	for k, v := range d.Headers {
		if len(k) > 18 && k[:18] == "x-mqscope-redrive-" {
			continue
		}
		if KeepHeader(k, p.opts.DropHeaders, p.opts.KeepHeaders) {
			headers[k] = v
		}
	}
	hops := 0
	switch v := d.Headers[HeaderHops].(type) {
	case string:
		hops, _ = strconv.Atoi(v)
	case int32:
		hops = int(v)
	case int64:
		hops = int(v)
	}
	headers[HeaderID] = p.ID
	headers[HeaderHops] = strconv.Itoa(hops + 1)
	headers[HeaderSource] = p.Source
	headers[HeaderPosition] = Position(it.Msg)
	return amqp.Publishing{
		Headers: headers, ContentType: d.ContentType, ContentEncoding: d.ContentEncoding,
		DeliveryMode: d.DeliveryMode, Priority: d.Priority, CorrelationId: d.CorrelationId, ReplyTo: d.ReplyTo,
		Expiration: d.Expiration, MessageId: d.MessageId, Timestamp: d.Timestamp, Type: d.Type,
		UserId: d.UserId, AppId: d.AppId, Body: d.Body,
	}
}
