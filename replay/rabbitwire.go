package replay

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/rabbitmq/wire"
)

// WireConn is a RabbitConn that can also open hand-framed connections
// (package wire); whole-queue redrives then pass each message's properties
// through as the broker sent them, decoding only the headers a decision
// needs (sources/rabbitmq.Conn has it).
type WireConn interface {
	RabbitConn
	DialWire(ctx context.Context, name string) (*wire.Conn, error)
	ConvertWire(d wire.Delivery, messageID string, headers amqp.Table, stream string, seq int64) sources.Message
}

// decisionHeader tells the headers a whole-queue redrive decodes: what
// provenance, hops and the redrive id need.
func decisionHeader(key string) bool {
	switch key {
	case "x-death", "x-first-death-queue", "x-first-death-reason", "x-first-death-exchange", HeaderID, HeaderHops:
		return true
	}
	return false
}

// openWire consumes and publishes over two hand-framed connections.
func (r *rabbitRun) openWire(ctx context.Context, c WireConn, prefetch, window int) (*rabbitTransport, error) {
	p := r.p
	consume, err := c.DialWire(ctx, "redrive "+p.ID+" from "+p.Source)
	if err != nil {
		return nil, err
	}
	publish, err := c.DialWire(ctx, "redrive "+p.ID+" publisher")
	if err != nil {
		_ = consume.Close()
		return nil, err
	}
	fail := func(err error) (*rabbitTransport, error) {
		_ = consume.Close()
		_ = publish.Close()
		return nil, err
	}
	if err := publish.ConfirmSelect(); err != nil {
		return fail(fmt.Errorf("redrive %s: confirms: %w", p.ID, err))
	}
	if err := consume.Qos(prefetch); err != nil {
		return fail(fmt.Errorf("redrive %s: qos: %w", p.ID, err))
	}
	tag := "mqscope-redrive-" + p.ID
	if err := consume.Consume(p.Source, tag); err != nil {
		return fail(fmt.Errorf("redrive %s: consume %s: %w", p.ID, p.Source, err))
	}
	r.maxProps = publish.MaxProperties()
	pubEvents := publish.Start(2 * window)
	consEvents := consume.Start(1)
	stop := make(chan struct{})
	prepared := make(chan []preparedDelivery, 16)
	var memo xDeathMemo
	var x wire.Identifier
	go r.prepareWire(consEvents.Deliveries, prepared, stop, func(d wire.Delivery, seq int64) preparedDelivery {
		return r.prepareWireOne(c, consume, d, seq, &memo, &x)
	})
	return &rabbitTransport{
		prepared: prepared, wireConfirms: pubEvents.Confirms,
		drainReturns: func(byPos map[string]*pending) { drainReturns(pubEvents.Returns, byPos, wireReturned) },
		pub:          &wirePublisher{c: publish, before: r.writeSent},
		cancel:       func() { _ = consume.Cancel(tag) }, // what was delivered and not taken goes back when the connection closes
		closeReason:  consume.Err,
		sync:         func() error { return consume.Sync(confirmTimeout) },
		close: func() {
			close(stop)
			_ = consume.Close()
			_ = publish.Close()
		},
	}, nil
}

// openDecoded consumes over a hand-framed connection and decodes every
// delivery as amqp091-go would, and publishes with amqp091-go: for
// selections and edits, which need the whole message. A message
// amqp091-go could not read is reported and left in place instead of
// ending the run.
func (r *rabbitRun) openDecoded(ctx context.Context, c WireConn, prefetch, window int) (*rabbitTransport, error) {
	p := r.p
	consume, err := c.DialWire(ctx, "redrive "+p.ID+" from "+p.Source)
	if err != nil {
		return nil, err
	}
	t, closePublish, err := r.openAMQPPublisher(ctx, c, window)
	if err != nil {
		_ = consume.Close()
		return nil, err
	}
	fail := func(err error) (*rabbitTransport, error) {
		_ = consume.Close()
		_ = closePublish()
		return nil, err
	}
	if err := consume.Qos(prefetch); err != nil {
		return fail(fmt.Errorf("redrive %s: qos: %w", p.ID, err))
	}
	tag := "mqscope-redrive-" + p.ID
	if err := consume.Consume(p.Source, tag); err != nil {
		return fail(fmt.Errorf("redrive %s: consume %s: %w", p.ID, p.Source, err))
	}
	r.maxProps = consume.MaxProperties() // the same broker's frames
	consEvents := consume.Start(1)
	stop := make(chan struct{})
	prepared := make(chan []preparedDelivery, 16)
	var x wire.Identifier
	go r.prepareWire(consEvents.Deliveries, prepared, stop, func(d wire.Delivery, seq int64) preparedDelivery {
		return r.prepareDecodedOne(c, consume, d, seq, &x)
	})
	t.prepared = prepared
	t.cancel = func() { _ = consume.Cancel(tag) }
	t.closeReason = consume.Err
	t.sync = func() error { return consume.Sync(confirmTimeout) }
	t.close = func() {
		close(stop)
		_ = consume.Close()
		_ = closePublish()
	}
	return t, nil
}

// prepareDecodedOne decodes a delivery read with package wire and prepares
// it as one amqp091-go read; its identity is taken over its raw content
// (the same), which also finds what amqp091-go could not read.
func (r *rabbitRun) prepareDecodedOne(c WireConn, consume *wire.Conn, d wire.Delivery, seq int64, x *wire.Identifier) preparedDelivery {
	id, bad := x.Raw(d.RoutingKey, d.Properties, d.Body)
	ad, err := wire.DecodeDelivery(d)
	if err != nil && bad == nil {
		bad = err
	}
	pd := r.prepareDecoded(c, ad, wireSource{consume, d.Tag}, seq, id, bad)
	pd.size = len(d.Properties) + len(d.Body)
	return pd
}

// wireSource is a delivery read with package wire.
type wireSource struct {
	c   *wire.Conn
	tag uint64
}

func (w wireSource) Ack(multiple bool) error { return w.c.Ack(w.tag, multiple) }

func (w wireSource) Nack(multiple, requeue bool) error { return w.c.Nack(w.tag, multiple, requeue) }

// prepareWire is prepare for package wire: each delivery is prepared by
// one, in order.
func (r *rabbitRun) prepareWire(deliveries <-chan []wire.Delivery, out chan<- []preparedDelivery, stop <-chan struct{}, one func(d wire.Delivery, seq int64) preparedDelivery) {
	defer close(out)
	var seq int64
	for {
		var batch []wire.Delivery
		var ok bool
		select {
		case batch, ok = <-deliveries:
			if !ok {
				return
			}
		case <-stop:
			return
		}
		for len(batch) > 0 { // in parts, so publishing starts while the rest is prepared
			part := batch[:min(len(batch), preparePart)]
			batch = batch[len(part):]
			prepared := make([]preparedDelivery, len(part))
			for i, d := range part {
				prepared[i] = one(d, seq)
				seq++
			}
			prepared[len(prepared)-1].last = len(batch) == 0
			select {
			case out <- prepared:
			case <-stop:
				return
			}
		}
	}
}

// xDeathMemo is the last x-death decoded and its encoding: the dead letters
// of one burst mostly carry the same (same queue, reason, count and
// second), which is then decoded once. The value is shared; it is only
// read.
type xDeathMemo struct {
	typ   byte
	raw   []byte
	value any
}

func (x *xDeathMemo) decode(typ byte, raw []byte) (any, error) {
	if x.raw != nil && typ == x.typ && bytes.Equal(raw, x.raw) {
		return x.value, nil
	}
	v, err := wire.Decode(typ, raw)
	if err != nil {
		return nil, err
	}
	x.typ, x.raw, x.value = typ, raw, v
	return v, nil
}

// prepareWireOne prepares a delivery to pass through: the header table is
// skimmed, only the decision's headers decoded, the others copied as they
// are (but for the ones the plan drops and earlier provenance), and the
// message's identity taken over its raw content.
func (r *rabbitRun) prepareWireOne(c WireConn, consume *wire.Conn, d wire.Delivery, seq int64, memo *xDeathMemo, x *wire.Identifier) preparedDelivery {
	p := r.p
	pd := preparedDelivery{d: wireSource{consume, d.Tag}, raw: d.Properties, size: len(d.Properties) + len(d.Body)}
	id, idErr := x.Raw(d.RoutingKey, d.Properties, d.Body)
	pd.id, pd.bad = id.String(), idErr
	props, err := wire.SplitProperties(d.Properties)
	decoded := amqp.Table{}
	var kept []byte
	if err == nil {
		err = wire.Entries(props.Table, func(key string, typ byte, value, entry []byte) error {
			if decisionHeader(key) {
				var v any
				var err error
				if key == "x-death" {
					v, err = memo.decode(typ, value)
				} else {
					v, err = wire.Decode(typ, value)
				}
				if err != nil {
					return err
				}
				decoded[key] = v
			}
			if !strings.HasPrefix(key, provenancePrefix) && KeepHeader(key, p.opts.DropHeaders, p.opts.KeepHeaders) {
				kept = append(kept, entry...)
			}
			return nil
		})
	}
	if err == nil && decoded["x-death"] == nil && decoded["x-first-death-queue"] == nil {
		decoded, err = wire.DecodeTable(props.Table) // no broker provenance: the application's headers may say
	}
	m := c.ConvertWire(d, props.MessageID(), decoded, p.Source, seq)
	if err != nil {
		pd.it = Item{Msg: m, Action: Unresolved, Reason: "malformed AMQP properties: " + err.Error()}
		if pd.bad == nil {
			pd.bad = fmt.Errorf("malformed AMQP properties: %w", err)
		}
		return pd
	}
	pd.it = p.decide(m, "")
	if pd.it.Action == Redrive || pd.it.Action == Park && p.opts.ParkTo != "" {
		for _, h := range provenance(pd.it) {
			kept = wire.AppendStringEntry(kept, h.Key, string(h.Value))
		}
		pd.props = props.AppendWithTable(nil, kept)
		pd.body = d.Body
		if r.maxProps > 0 && len(pd.props) > r.maxProps && pd.bad == nil {
			pd.bad = fmt.Errorf("its properties with the redrive's headers are %d bytes, more than one frame of this broker holds (%d)", len(pd.props), r.maxProps)
		}
	}
	return pd
}

// rabbitPublisher publishes a prepared message (mandatory, in confirm
// mode); flush sends what was gathered.
type rabbitPublisher interface {
	publish(ctx context.Context, t Target, pd *preparedDelivery) error
	flush() error
}

// amqpPublisher publishes with amqp091-go; before is called first (the
// journal).
type amqpPublisher struct {
	ch     *amqp.Channel
	before func() error
}

func (a amqpPublisher) publish(ctx context.Context, t Target, pd *preparedDelivery) error {
	if err := a.before(); err != nil {
		return err
	}
	return a.ch.PublishWithContext(ctx, t.Stream, t.RoutingKey, true, false, *pd.publishing)
}

func (amqpPublisher) flush() error { return nil }

// wirePublisher gathers publishes and writes them together; before is
// called before each write (the journal).
type wirePublisher struct {
	c      *wire.Conn
	buf    []byte
	before func() error
}

func (w *wirePublisher) publish(_ context.Context, t Target, pd *preparedDelivery) error {
	w.buf = w.c.AppendPublish(w.buf, t.Stream, t.RoutingKey, true, pd.props, pd.body)
	if len(w.buf) >= 256<<10 {
		return w.flush()
	}
	return nil
}

func (w *wirePublisher) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	if err := w.before(); err != nil {
		w.buf = w.buf[:0]
		return err
	}
	err := w.c.Write(w.buf)
	w.buf = w.buf[:0]
	return err
}

// wireReturned is the position and reason of a message package wire's
// connection got back.
func wireReturned(ret wire.Return) (pos, why string) {
	if props, err := wire.SplitProperties(ret.Properties); err == nil {
		_ = wire.Entries(props.Table, func(key string, typ byte, value, _ []byte) error {
			if key == HeaderPosition && typ == 'S' {
				pos = string(value[4:])
			}
			return nil
		})
	}
	return pos, fmt.Sprintf("returned by the broker: %d %s", ret.Code, ret.Text)
}
