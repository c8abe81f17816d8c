package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/IBM/sarama"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/mqscope/mqscope/replay/capture"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/schema"
)

// Sink writes batches of messages to one target and returns once the
// broker acknowledged all of them.
type Sink interface {
	Write(ctx context.Context, msgs []sources.Message) error
	Close() error
}

// KafkaProducer is what a Kafka sink needs (sources/kafka.Conn has it).
type KafkaProducer interface {
	Producer() (sarama.SyncProducer, error)
	Partitions(topic string) (int, error)
}

// NewKafkaSink writes to a topic with an idempotent producer (acks=all),
// placing records by key as the Java client does.
func NewKafkaSink(k KafkaProducer, topic string) (Sink, error) {
	if _, err := k.Partitions(topic); err != nil {
		return nil, fmt.Errorf("replay target: %w", err)
	}
	p, err := k.Producer()
	if err != nil {
		return nil, err
	}
	return &kafkaSink{p: p, topic: topic}, nil
}

type kafkaSink struct {
	p     sarama.SyncProducer
	topic string
}

func (s *kafkaSink) Write(_ context.Context, msgs []sources.Message) error {
	out := make([]*sarama.ProducerMessage, len(msgs))
	for i, m := range msgs {
		out[i] = producerMessage(Item{Msg: m, Target: Target{Stream: s.topic}, Headers: m.Headers}, -1)
	}
	if err := s.p.SendMessages(out); err != nil {
		return fmt.Errorf("produce to %s: %w", s.topic, err)
	}
	return nil
}

func (s *kafkaSink) Close() error { return s.p.Close() }

// NewRabbitSink publishes to an exchange ("" is the default exchange) with
// publisher confirms and mandatory: an unroutable message is an error. The
// routing key is routingKey, or each message's key when empty.
func NewRabbitSink(ctx context.Context, c RabbitConn, exchange, routingKey string) (Sink, error) {
	ch, err := c.Channel(ctx)
	if err != nil {
		return nil, err
	}
	if exchange != "" {
		if err := ch.ExchangeDeclarePassive(exchange, "topic", false, false, false, false, nil); err != nil {
			return nil, fmt.Errorf("replay target: exchange %q: %w", exchange, err)
		}
	}
	if err := ch.Confirm(false); err != nil {
		ch.Close()
		return nil, fmt.Errorf("confirms: %w", err)
	}
	return &rabbitSink{ch: ch, exchange: exchange, key: routingKey,
		confirms: ch.NotifyPublish(make(chan amqp.Confirmation, 4096)),
		returns:  ch.NotifyReturn(make(chan amqp.Return, 4096))}, nil
}

type rabbitSink struct {
	ch            *amqp.Channel
	exchange, key string
	confirms      chan amqp.Confirmation
	returns       chan amqp.Return
}

func (s *rabbitSink) Write(ctx context.Context, msgs []sources.Message) error {
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
		case <-time.After(30 * time.Second):
			return errors.New("no publisher confirm within 30s")
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

func (s *rabbitSink) Close() error { return s.ch.Close() }

// publishingOf is the AMQP properties to publish a captured message with:
// a message read from RabbitMQ (it names its exchange, or carries AMQP
// properties) is published with exactly those it has; one that does not (read from Kafka or SQS) is
// persistent, with its timestamp and id.
func publishingOf(m sources.Message) amqp.Publishing {
	amqpRead := false
	for _, p := range m.Properties {
		if p.Name == "exchange" || capture.IsAMQPProperty(p.Name) {
			amqpRead = true
			break
		}
	}
	if !amqpRead {
		return amqp.Publishing{Timestamp: m.Timestamp, MessageId: m.ID, DeliveryMode: amqp.Persistent}
	}
	var pub amqp.Publishing
	for _, p := range m.Properties {
		n, isNum := capture.PropertyNumber(p.Name, p.Value)
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

// ReplayOptions pace a replay.
type ReplayOptions struct {
	// Speed replays with the original gaps between timestamps divided by
	// Speed; 0 replays as fast as allowed.
	Speed float64
	// File, Connection and Target name the replay in the audit log.
	File, Connection, Target string
	// Decoder encodes the decoded values of lines that carry one
	// (value_decoded with value_schema) with that schema, when the raw value
	// is absent or, with Reencode, when the document was edited (nil: such
	// lines without a raw value are refused).
	Decoder  *schema.Decoder
	Reencode bool
	// AcceptReencoding writes lines whose encoding changes bytes beyond
	// the edit (Reencoding.Surprising); without it the replay stops at
	// the first such line, before writing it (BeyondEditError).
	AcceptReencoding bool
	// OnNote hears of the lines a person should (LineOutcome.Noteworthy),
	// as they are written.
	OnNote func(LineNote)
	RunOptions
}

// ReplayFile writes every message of a capture (mqscope export or kcat -J)
// to a sink, in file order, in batches, each acknowledged by the broker
// before the next.
func ReplayFile(ctx context.Context, r io.Reader, sink Sink, o ReplayOptions) (Result, error) {
	start := time.Now()
	res := Result{PerTarget: map[string]int{}}
	dec := capture.NewDecoder(r)
	lim := newLimiter(o.Rate)
	var batch []sources.Message
	var first time.Time
	line := 0 // the capture's message number, the position in the audit log
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := sink.Write(ctx, batch); err != nil {
			res.Failed += len(batch)
			return err
		}
		now := time.Now()
		audit := make([]AuditRecord, len(batch))
		for i, m := range batch {
			audit[i] = AuditRecord{Time: now, Action: "replay", Connection: o.Connection, Source: o.File,
				Position: strconv.Itoa(line - len(batch) + i + 1), Target: o.Target, MessageID: m.ID, Result: "acknowledged"}
		}
		if err := o.Audit.Write(audit...); err != nil {
			return err
		}
		res.Done += len(batch)
		res.Total = res.Done
		res.Elapsed = time.Since(start)
		batch = batch[:0]
		if o.OnProgress != nil {
			o.OnProgress(res.Progress)
		}
		return nil
	}
	for {
		if ctx.Err() != nil {
			res.stopped(Cancelled, "")
			break
		}
		m, dv, err := dec.NextDecoded()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			_ = flush()
			return res, err
		}
		out, err := EncodeLine(ctx, o.Decoder, &m, dv, o.Reencode)
		if err == nil {
			err = out.refusal(o.AcceptReencoding)
		}
		if err != nil {
			_ = flush() // what was read before it goes; this line and the rest do not
			return res, fmt.Errorf("capture line %d: %w", dec.Line(), err)
		}
		if out.Noteworthy() && o.OnNote != nil {
			o.OnNote(LineNote{Line: dec.Line(), LineOutcome: out})
		}
		if o.Speed > 0 && !m.Timestamp.IsZero() {
			if first.IsZero() {
				first = m.Timestamp
			}
			due := start.Add(time.Duration(float64(m.Timestamp.Sub(first)) / o.Speed))
			if wait := time.Until(due); wait > 0 {
				if err := flush(); err != nil {
					return res, err
				}
				select {
				case <-time.After(wait):
				case <-ctx.Done():
				}
			}
		}
		if err := lim.wait(ctx); err != nil {
			break
		}
		batch = append(batch, m)
		line++
		if len(batch) >= o.batch() {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	err := flush()
	res.Elapsed = time.Since(start)
	if werr := o.Audit.Write(summary("replay", "", o.Connection, o.File, o.Target, res, err)); err == nil {
		err = werr
	}
	return res, err
}
