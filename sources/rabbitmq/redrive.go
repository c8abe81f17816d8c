package rabbitmq

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/dlq"
	"github.com/mqscope/mqscope/sources/rabbitmq/wire"
)

// redriveSyncTimeout bounds the round trip that tells the acks before it
// were processed.
const redriveSyncTimeout = 30 * time.Second

// preparePart is the most deliveries handed to the caller at once.
const preparePart = 64

var (
	_ sources.StreamRedriver = (*Conn)(nil)
	_ sources.PublishBlocker = (*redriveRun)(nil)
)

// QueueDepth is how many messages queue holds (see sources.StreamRedriver).
func (c *Conn) QueueDepth(ctx context.Context, queue string) (int, error) {
	ch, err := c.channel(ctx)
	if err != nil {
		return 0, err
	}
	defer ch.Close()
	q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
	if err != nil {
		return 0, fmt.Errorf("queue %s: %w", queue, err)
	}
	return q.Messages, nil
}

// OpenRedrive consumes o.Source and publishes in confirm mode (see
// sources.StreamRedriver). A pass-through run reads and publishes over two
// hand-framed connections (package wire): each copy carries the properties
// the broker delivered, with the provenance headers appended to its header
// table. Any other reads over a hand-framed connection and decodes each
// delivery as amqp091-go would, and publishes with amqp091-go on a
// connection of its own (corked writes); a message amqp091-go could not
// read is reported unfit instead of ending the run.
func (c *Conn) OpenRedrive(ctx context.Context, o sources.StreamRedriveOptions) (sources.RedriveStream, error) {
	r := newRedriveRun(c, o)
	if o.PassThrough {
		return r.openWire(ctx)
	}
	return r.openDecoded(ctx)
}

// AMQPClientOnly is c for redrives that read and publish with amqp091-go
// alone, without hand-framed connections: the client's path, kept to
// compare the hand-framed ones against.
func AMQPClientOnly(c *Conn) sources.StreamRedriver { return clientOnly{c} }

// clientOnly is a Conn whose redrives use amqp091-go alone.
type clientOnly struct{ *Conn }

// OpenRedrive consumes on a channel of the connection and publishes on a
// connection of its own, with amqp091-go.
func (c clientOnly) OpenRedrive(ctx context.Context, o sources.StreamRedriveOptions) (sources.RedriveStream, error) {
	return newRedriveRun(c.Conn, o).openAMQP(ctx)
}

// newRedriveRun is a run of o on c, not opened yet.
func newRedriveRun(c *Conn, o sources.StreamRedriveOptions) *redriveRun {
	if o.BeforeWrite == nil {
		o.BeforeWrite = func() error { return nil }
	}
	if o.KeepHeader == nil {
		o.KeepHeader = func(string) bool { return true }
	}
	return &redriveRun{c: c, o: o, stop: make(chan struct{}), publishGate: newPublishGate()}
}

// redriveRun is one redrive's consumer and publisher (a
// sources.RedriveStream).
type redriveRun struct {
	c *Conn
	o sources.StreamRedriveOptions
	// publishGate is whether the broker blocks the publishing connection.
	*publishGate
	// maxProps is the most bytes of properties a publish can carry (0:
	// not known).
	maxProps int
	// prepared are the deliveries, converted and decided, in order.
	prepared chan []sources.StreamDelivery
	confirms chan sources.PublishConfirm
	// returned drains the returns so far.
	returned func() []sources.PublishReturn
	pub      publisher
	// stop ends preparing and forwarding; closeChannels closes channels and
	// connections.
	stop          chan struct{}
	cancel        func()
	closeChannels func()
	// closeReason is why the deliveries ended, when the broker or the
	// client said (nil: not known).
	closeReason func() error
	sync        func() error
	once        sync.Once
}

func (r *redriveRun) Deliveries() <-chan []sources.StreamDelivery { return r.prepared }

func (r *redriveRun) Confirms() <-chan sources.PublishConfirm { return r.confirms }

func (r *redriveRun) Returned() []sources.PublishReturn { return r.returned() }

func (r *redriveRun) Publish(ctx context.Context, d *sources.StreamDelivery) error {
	return r.pub.publish(ctx, d)
}

func (r *redriveRun) Flush() error { return r.pub.flush() }

func (r *redriveRun) Sync() error { return r.sync() }

func (r *redriveRun) Cancel() { r.cancel() }

func (r *redriveRun) Close() {
	r.once.Do(func() {
		close(r.stop)
		r.closeChannels()
	})
}

// Ended says why the deliveries ended: a message amqp091-go could not
// read (its connection ends at it), or the broker's close.
func (r *redriveRun) Ended() string {
	var err error
	if r.closeReason != nil {
		err = r.closeReason()
	}
	var ae *amqp.Error
	switch {
	case errors.As(err, &ae) && !ae.Server && (ae.Code == amqp.FrameError || ae.Code == amqp.SyntaxError):
		return fmt.Sprintf("the AMQP client (amqp091-go) could not read a message of %s (%v) and dropped the connection; the message stays in %s: "+
			"redrive the whole queue without edits (no --limit or --filter), which reads messages as raw bytes and leaves such a message in place", r.o.Source, err, r.o.Source)
	case err != nil:
		return "the broker closed the connection: " + err.Error()
	}
	return "the broker closed the connection"
}

// consumerTag is the run's consumer tag.
func (r *redriveRun) consumerTag() string { return "mqscope-redrive-" + r.o.ID }

// openAMQP consumes on a channel of the connection and publishes on a
// connection of its own, with amqp091-go.
func (r *redriveRun) openAMQP(ctx context.Context) (sources.RedriveStream, error) {
	o := r.o
	consume, err := r.c.channel(ctx)
	if err != nil {
		return nil, err
	}
	closePublish, err := r.openAMQPPublisher(ctx)
	if err != nil {
		consume.Close()
		return nil, err
	}
	fail := func(err error) (sources.RedriveStream, error) {
		consume.Close()
		_ = closePublish()
		return nil, err
	}
	if err := consume.Qos(o.Prefetch, 0, false); err != nil {
		return fail(fmt.Errorf("redrive %s: qos: %w", o.ID, err))
	}
	closed := consume.NotifyClose(make(chan *amqp.Error, 1))
	tag := r.consumerTag()
	deliveries, err := consume.Consume(o.Source, tag, false, false, false, false, nil)
	if err != nil {
		return fail(fmt.Errorf("redrive %s: consume %s: %w", o.ID, o.Source, err))
	}
	// Deliveries are converted, fingerprinted, decided and made into
	// publishings on a goroutine of their own, in delivery order, so that
	// work runs beside the caller's loop that publishes, confirms and acks.
	r.prepared = make(chan []sources.StreamDelivery, 16)
	go r.prepareAMQP(deliveries)
	var rpc sync.Mutex
	r.cancel = func() {
		rpc.Lock() // amqp091-go matches one call's answer at a time
		defer rpc.Unlock()
		_ = consume.Cancel(tag, false)
	}
	r.closeReason = func() error { return amqpCloseReason(closed) }
	r.sync = func() error { // answered after the acks before it
		rpc.Lock()
		defer rpc.Unlock()
		return consume.Qos(o.Prefetch, 0, false)
	}
	r.closeChannels = func() {
		consume.Close()
		_ = closePublish()
	}
	return r, nil
}

// openAMQPPublisher opens the publishing side of a run with amqp091-go: a
// channel on a connection of its own (consuming and publishing run in
// parallel), in confirm mode, with its confirms, its returns and its
// publisher set. It returns what closes that connection.
func (r *redriveRun) openAMQPPublisher(ctx context.Context) (func() error, error) {
	publish, conn, err := r.c.dedicatedChannel(ctx)
	if err != nil {
		return nil, err
	}
	closePublish := conn.Close
	go r.follow(conn.NotifyBlocked(make(chan amqp.Blocking, 4)))
	if err := publish.Confirm(false); err != nil {
		_ = closePublish()
		return nil, fmt.Errorf("redrive %s: confirms: %w", r.o.ID, err)
	}
	confirms := publish.NotifyPublish(make(chan amqp.Confirmation, 2*r.o.Window))
	returns := publish.NotifyReturn(make(chan amqp.Return, 2*r.o.Window))
	r.confirms = forward(confirms, r.stop, 2*r.o.Window, func(c amqp.Confirmation) sources.PublishConfirm {
		return sources.PublishConfirm{Tag: c.DeliveryTag, Ack: c.Ack}
	})
	r.returned = func() []sources.PublishReturn { return drainReturns(returns, amqpReturned) }
	r.pub = amqpPublisher{ch: publish, before: r.o.BeforeWrite}
	return closePublish, nil
}

// forward hands what in gives on to the channel it returns, converted, in
// order, until in closes (then it closes too) or stop does.
func forward[T, U any](in <-chan T, stop <-chan struct{}, buffer int, convert func(T) U) chan U {
	out := make(chan U, buffer)
	go func() {
		defer close(out)
		for {
			select {
			case v, ok := <-in:
				if !ok {
					return
				}
				select {
				case out <- convert(v):
				case <-stop:
					return
				}
			case <-stop:
				return
			}
		}
	}()
	return out
}

// amqpCloseReason is the close amqp091-go notified, if it does within a
// moment of the deliveries' end.
func amqpCloseReason(closed <-chan *amqp.Error) error {
	select {
	case e, ok := <-closed:
		if ok && e != nil {
			return e
		}
	case <-time.After(200 * time.Millisecond):
	}
	return nil
}

// prepareAMQP prepares deliveries amqp091-go read, in order (the sequence
// numbers are their positions), until the deliveries end or the run
// closes, and hands them over in parts (at most preparePart) of what had
// arrived.
func (r *redriveRun) prepareAMQP(deliveries <-chan amqp.Delivery) {
	defer close(r.prepared)
	var seq int64
	var x wire.Identifier
	one := func(d amqp.Delivery) sources.StreamDelivery {
		id, err := x.Delivery(d)
		sd := r.prepareDecoded(d, d, seq, id, err)
		seq++
		return sd
	}
	for {
		var batch []sources.StreamDelivery
		select {
		case d, ok := <-deliveries:
			if !ok {
				return
			}
			batch = append(batch, one(d))
		case <-r.stop:
			return
		}
	gather:
		for len(batch) < preparePart {
			select {
			case d, ok := <-deliveries:
				if !ok {
					break gather // handed over first; the next receive ends it
				}
				batch = append(batch, one(d))
			default:
				break gather
			}
		}
		batch[len(batch)-1].Last = true
		select {
		case r.prepared <- batch:
		case <-r.stop:
			return
		}
	}
}

// amqpCopy is a copy to publish with amqp091-go.
type amqpCopy struct {
	target sources.Target
	pub    amqp.Publishing
}

// prepareDecoded prepares a decoded delivery: converted, decided, made into
// a publishing when a copy goes somewhere; Unfit says why it cannot be, if
// it cannot (its identity could not be taken, or its properties would not
// fit a frame).
func (r *redriveRun) prepareDecoded(d amqp.Delivery, src sources.DeliveryAcker, seq int64, id wire.Identity, bad error) sources.StreamDelivery {
	m := r.c.convert(d, r.o.Source, seq)
	sd := sources.StreamDelivery{Acker: src, Size: len(d.Body), CorrelationID: d.CorrelationId, Identity: id.String(), Unfit: bad}
	dec := r.o.Decide(m)
	sd.Message, sd.Plan = m, dec.Plan
	if dec.Write {
		cp := &amqpCopy{target: dec.Target, pub: publishing(d, dec, r.o.KeepHeader)}
		sd.Outgoing = cp
		if r.maxProps > 0 && sd.Unfit == nil {
			sd.Unfit = fitsFrame(cp.pub, r.maxProps)
		}
	}
	return sd
}

// fitsFrame says why a publishing's properties cannot be sent in one frame
// of max bytes, if they cannot.
func fitsFrame(pub amqp.Publishing, max int) error {
	n, err := wire.PropertiesSize(pub)
	switch {
	case err != nil:
		return fmt.Errorf("its headers cannot be encoded: %w", err)
	case n > max:
		return fmt.Errorf("its properties with the redrive's headers are %d bytes, more than one frame of this broker holds (%d)", n, max)
	}
	return nil
}

// BrokerHeader says whether k is a header the broker writes when it
// dead-letters or redelivers a message (x-death, x-first-death-*,
// x-last-death-*, x-delivery-count): AMQP tables, arrays and numbers,
// which a publish of string headers cannot copy.
func BrokerHeader(k string) bool { return deathHeader(k) }

// deathHeader is a header the broker writes when it dead-letters or
// redelivers a message.
func deathHeader(k string) bool {
	return k == "x-death" || strings.HasPrefix(k, "x-first-death-") || strings.HasPrefix(k, "x-last-death-") || k == "x-delivery-count"
}

// publishing copies a delivery into a publishing with the decision's
// headers: an unedited copy keeps the message's own headers (those keep
// keeps, earlier provenance left out) and adds the provenance; an edited
// one has the edit's headers and body, and the broker's death headers as
// the broker wrote them.
func publishing(d amqp.Delivery, dec sources.StreamDecision, keep func(string) bool) amqp.Publishing {
	headers := amqp.Table{}
	body := d.Body
	if dec.Edit != nil {
		for k, v := range d.Headers { // the broker's own, as it wrote them
			if deathHeader(k) && k != "x-delivery-count" && keep(k) {
				headers[k] = v
			}
		}
		for _, h := range dec.Edit.Headers {
			if !deathHeader(h.Key) {
				headers[h.Key] = tableValue(h.Value)
			}
		}
		body = dec.Edit.Value
	} else {
		for k, v := range d.Headers {
			if !strings.HasPrefix(k, dlq.RedrivePrefix) && keep(k) {
				headers[k] = v
			}
		}
		for _, h := range dec.Provenance {
			headers[h.Key] = string(h.Value)
		}
	}
	return amqp.Publishing{
		Headers: headers, ContentType: d.ContentType, ContentEncoding: d.ContentEncoding,
		DeliveryMode: d.DeliveryMode, Priority: d.Priority, CorrelationId: d.CorrelationId, ReplyTo: d.ReplyTo,
		Expiration: d.Expiration, MessageId: d.MessageId, Timestamp: d.Timestamp, Type: d.Type,
		UserId: d.UserId, AppId: d.AppId, Body: body,
	}
}

// tableValue is a header value for an AMQP table: text as a string, other
// bytes as a byte array.
func tableValue(b []byte) any {
	if utf8.Valid(b) {
		return string(b)
	}
	return b
}

// drainReturns takes the returned (unroutable) messages waiting in
// returns; returned says a return's position and why.
func drainReturns[R any](returns <-chan R, returned func(R) sources.PublishReturn) []sources.PublishReturn {
	var out []sources.PublishReturn
	for {
		select {
		case ret, open := <-returns:
			if !open { // the connection ended: no more returns
				return out
			}
			out = append(out, returned(ret))
		default:
			return out
		}
	}
}

// amqpReturned is the position and reason of a message amqp091-go got
// back.
func amqpReturned(ret amqp.Return) sources.PublishReturn {
	pos, _ := ret.Headers[dlq.HeaderRedrivePosition].(string)
	return sources.PublishReturn{Position: pos, Code: int(ret.ReplyCode), Text: ret.ReplyText}
}

// publisher publishes a prepared copy (mandatory, in confirm mode); flush
// sends what was gathered.
type publisher interface {
	publish(ctx context.Context, d *sources.StreamDelivery) error
	flush() error
}

// amqpPublisher publishes with amqp091-go; before is called first (the
// caller's journal).
type amqpPublisher struct {
	ch     *amqp.Channel
	before func() error
}

func (a amqpPublisher) publish(ctx context.Context, d *sources.StreamDelivery) error {
	cp, ok := d.Outgoing.(*amqpCopy)
	if !ok {
		return fmt.Errorf("position %d: no copy to publish", d.Message.Offset)
	}
	if err := a.before(); err != nil {
		return err
	}
	return a.ch.PublishWithContext(ctx, cp.target.Stream, cp.target.RoutingKey, true, false, cp.pub)
}

func (amqpPublisher) flush() error { return nil }
