package rabbitmq

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
	"github.com/mqscope/mqscope/sources/rabbitmq/wire"
)

// decisionHeader tells the headers a pass-through redrive decodes: what
// provenance, hops and the redrive id need.
func decisionHeader(key string) bool {
	switch key {
	case "x-death", "x-first-death-queue", "x-first-death-reason", "x-first-death-exchange", dlq.HeaderRedriveID, dlq.HeaderRedriveHops:
		return true
	}
	return false
}

// openWire consumes and publishes over two hand-framed connections.
func (r *redriveRun) openWire(ctx context.Context) (sources.RedriveStream, error) {
	o := r.o
	consume, err := r.c.DialWire(ctx, "redrive "+o.ID+" from "+o.Source)
	if err != nil {
		return nil, err
	}
	publish, err := r.c.dialWire(ctx, "redrive "+o.ID+" publisher", r.set)
	if err != nil {
		_ = consume.Close()
		return nil, err
	}
	fail := func(err error) (sources.RedriveStream, error) {
		_ = consume.Close()
		_ = publish.Close()
		return nil, err
	}
	if err := publish.ConfirmSelect(); err != nil {
		return fail(fmt.Errorf("redrive %s: confirms: %w", o.ID, err))
	}
	if err := consume.Qos(o.Prefetch); err != nil {
		return fail(fmt.Errorf("redrive %s: qos: %w", o.ID, err))
	}
	tag := r.consumerTag()
	if err := consume.Consume(o.Source, tag); err != nil {
		return fail(fmt.Errorf("redrive %s: consume %s: %w", o.ID, o.Source, err))
	}
	r.maxProps = publish.MaxProperties()
	pubEvents := publish.Start(2 * o.Window)
	consEvents := consume.Start(1)
	r.prepared = make(chan []sources.StreamDelivery, 16)
	var memo xDeathMemo
	var x wire.Identifier
	go r.prepareWire(consEvents.Deliveries, func(d wire.Delivery, seq int64) sources.StreamDelivery {
		return r.prepareWireOne(consume, d, seq, &memo, &x)
	})
	r.confirms = forward(pubEvents.Confirms, r.stop, 2*o.Window, func(c wire.Confirm) sources.PublishConfirm {
		return sources.PublishConfirm{Tag: c.Tag, Multiple: c.Multiple, Ack: c.Ack}
	})
	r.returned = func() []sources.PublishReturn { return drainReturns(pubEvents.Returns, wireReturned) }
	r.pub = &wirePublisher{c: publish, before: o.BeforeWrite}
	r.cancel = func() { _ = consume.Cancel(tag) } // what was delivered and not taken goes back when the connection closes
	r.closeReason = consume.Err
	r.sync = func() error { return consume.Sync(redriveSyncTimeout) }
	r.closeChannels = func() {
		_ = consume.Close()
		_ = publish.Close()
	}
	return r, nil
}

// openDecoded consumes over a hand-framed connection and decodes every
// delivery as amqp091-go would, and publishes with amqp091-go: for
// selections and edits, which need the whole message. A message
// amqp091-go could not read is reported unfit instead of ending the run.
func (r *redriveRun) openDecoded(ctx context.Context) (sources.RedriveStream, error) {
	o := r.o
	consume, err := r.c.DialWire(ctx, "redrive "+o.ID+" from "+o.Source)
	if err != nil {
		return nil, err
	}
	closePublish, err := r.openAMQPPublisher(ctx)
	if err != nil {
		_ = consume.Close()
		return nil, err
	}
	fail := func(err error) (sources.RedriveStream, error) {
		_ = consume.Close()
		_ = closePublish()
		return nil, err
	}
	if err := consume.Qos(o.Prefetch); err != nil {
		return fail(fmt.Errorf("redrive %s: qos: %w", o.ID, err))
	}
	tag := r.consumerTag()
	if err := consume.Consume(o.Source, tag); err != nil {
		return fail(fmt.Errorf("redrive %s: consume %s: %w", o.ID, o.Source, err))
	}
	r.maxProps = consume.MaxProperties() // the same broker's frames
	consEvents := consume.Start(1)
	r.prepared = make(chan []sources.StreamDelivery, 16)
	var x wire.Identifier
	go r.prepareWire(consEvents.Deliveries, func(d wire.Delivery, seq int64) sources.StreamDelivery {
		return r.prepareDecodedOne(consume, d, seq, &x)
	})
	r.cancel = func() { _ = consume.Cancel(tag) }
	r.closeReason = consume.Err
	r.sync = func() error { return consume.Sync(redriveSyncTimeout) }
	r.closeChannels = func() {
		_ = consume.Close()
		_ = closePublish()
	}
	return r, nil
}

// prepareDecodedOne decodes a delivery read with package wire and prepares
// it as one amqp091-go read; its identity is taken over its raw content
// (the same), which also finds what amqp091-go could not read.
func (r *redriveRun) prepareDecodedOne(consume *wire.Conn, d wire.Delivery, seq int64, x *wire.Identifier) sources.StreamDelivery {
	id, bad := x.Raw(d.RoutingKey, d.Properties, d.Body)
	ad, err := wire.DecodeDelivery(d)
	if err != nil && bad == nil {
		bad = err
	}
	sd := r.prepareDecoded(ad, wireSource{consume, d.Tag}, seq, id, bad)
	sd.Size = len(d.Properties) + len(d.Body)
	return sd
}

// wireSource is a delivery read with package wire.
type wireSource struct {
	c   *wire.Conn
	tag uint64
}

func (w wireSource) Ack(multiple bool) error { return w.c.Ack(w.tag, multiple) }

func (w wireSource) Nack(multiple, requeue bool) error { return w.c.Nack(w.tag, multiple, requeue) }

// prepareWire prepares deliveries read with package wire, each by one, in
// order, and hands them over in parts.
func (r *redriveRun) prepareWire(deliveries <-chan []wire.Delivery, one func(d wire.Delivery, seq int64) sources.StreamDelivery) {
	defer close(r.prepared)
	var seq int64
	for {
		var batch []wire.Delivery
		var ok bool
		select {
		case batch, ok = <-deliveries:
			if !ok {
				return
			}
		case <-r.stop:
			return
		}
		for len(batch) > 0 { // in parts, so publishing starts while the rest is prepared
			part := batch[:min(len(batch), preparePart)]
			batch = batch[len(part):]
			prepared := make([]sources.StreamDelivery, len(part))
			for i, d := range part {
				prepared[i] = one(d, seq)
				seq++
			}
			prepared[len(prepared)-1].Last = len(batch) == 0
			select {
			case r.prepared <- prepared:
			case <-r.stop:
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

// wireCopy is a copy to publish over a hand-framed connection: the
// delivery's properties with the provenance appended, and its body.
type wireCopy struct {
	target      sources.Target
	props, body []byte
}

// prepareWireOne prepares a delivery to pass through: the header table is
// skimmed, only the decision's headers decoded, the others copied as they
// are (but for the ones the plan drops and earlier provenance), and the
// message's identity taken over its raw content.
func (r *redriveRun) prepareWireOne(consume *wire.Conn, d wire.Delivery, seq int64, memo *xDeathMemo, x *wire.Identifier) sources.StreamDelivery {
	o := r.o
	sd := sources.StreamDelivery{Acker: wireSource{consume, d.Tag}, Size: len(d.Properties) + len(d.Body)}
	id, idErr := x.Raw(d.RoutingKey, d.Properties, d.Body)
	sd.Identity, sd.Unfit = id.String(), idErr
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
			if !strings.HasPrefix(key, dlq.RedrivePrefix) && o.KeepHeader(key) {
				kept = append(kept, entry...)
			}
			return nil
		})
	}
	if err == nil && decoded["x-death"] == nil && decoded["x-first-death-queue"] == nil {
		decoded, err = wire.DecodeTable(props.Table) // no broker provenance: the application's headers may say
	}
	if err == nil {
		sd.CorrelationID = props.CorrelationID()
	}
	sd.Message = r.c.ConvertWire(d, props.MessageID(), decoded, o.Source, seq)
	if err != nil {
		if sd.Unfit == nil {
			sd.Unfit = fmt.Errorf("malformed AMQP properties: %w", err)
		}
		return sd
	}
	dec := o.Decide(sd.Message)
	sd.Plan = dec.Plan
	if dec.Write {
		for _, h := range dec.Provenance {
			kept = wire.AppendStringEntry(kept, h.Key, string(h.Value))
		}
		cp := &wireCopy{target: dec.Target, props: props.AppendWithTable(nil, kept), body: d.Body}
		sd.Outgoing = cp
		if r.maxProps > 0 && len(cp.props) > r.maxProps && sd.Unfit == nil {
			sd.Unfit = fmt.Errorf("its properties with the redrive's headers are %d bytes, more than one frame of this broker holds (%d)", len(cp.props), r.maxProps)
		}
	}
	return sd
}

// wirePublisher gathers publishes and writes them together; before is
// called before each write (the caller's journal).
type wirePublisher struct {
	c      *wire.Conn
	buf    []byte
	before func() error
}

func (w *wirePublisher) publish(_ context.Context, d *sources.StreamDelivery) error {
	cp, ok := d.Outgoing.(*wireCopy)
	if !ok {
		return fmt.Errorf("position %d: no copy to publish", d.Message.Offset)
	}
	w.buf = w.c.AppendPublish(w.buf, cp.target.Stream, cp.target.RoutingKey, true, cp.props, cp.body)
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
func wireReturned(ret wire.Return) sources.PublishReturn {
	pos := ""
	if props, err := wire.SplitProperties(ret.Properties); err == nil {
		_ = wire.Entries(props.Table, func(key string, typ byte, value, _ []byte) error {
			if key == dlq.HeaderRedrivePosition && typ == 'S' {
				pos = string(value[4:])
			}
			return nil
		})
	}
	return sources.PublishReturn{Position: pos, Code: int(ret.Code), Text: ret.Text}
}
