// Package sources holds the broker-neutral message model and the small
// capability interfaces every connector implements. It never imports the UI.
package sources

import (
	"strconv"
	"time"
)

// NoPartition is the Partition value of a message from a stream without partitions.
const NoPartition int32 = -1

// Header is one message header. Values are raw bytes; duplicates are allowed
// and order is kept as the broker delivered it.
type Header struct {
	Key   string
	Value []byte
}

// Property is one broker property of a message (AMQP content-type,
// delivery-mode, correlation-id...), already rendered as text.
type Property struct {
	Name  string
	Value string
}

// Message is one message from any broker.
type Message struct {
	// Conn is the name of the connection the message was read from.
	Conn string
	// Stream is the topic or queue name.
	Stream string
	// Partition is the partition, or NoPartition where the stream has none.
	Partition int32
	// IDPosition says ID is the message's position as people name it (a
	// Redis stream entry id): Offset is then only the connector's packing
	// of it, which orders messages and starts reads, and is never shown.
	IDPosition bool
	// Offset is the offset or sequence number within the partition.
	Offset int64
	// ID is the broker's message id where it has one.
	ID string
	// Key is the message key; nil means a null key.
	Key []byte
	// Value is the raw payload; nil means a null value (a Kafka tombstone).
	Value []byte
	// ValueSize is the payload's size on the broker; it is larger than
	// len(Value) when the value was truncated while buffering.
	ValueSize int
	// Headers are the message headers in broker order.
	Headers []Header
	// Timestamp is the broker or producer timestamp.
	Timestamp time.Time
	// NoTimestamp is set when the broker gave the message no time (a
	// RabbitMQ message without a timestamp property): Timestamp is then
	// when mqscope read it, and an export writes none.
	NoTimestamp bool
	// Properties are broker properties beyond headers.
	Properties []Property
	// Redelivered is set when the broker flags the delivery as a redelivery.
	Redelivered bool
	// DeadLetter is the decoded provenance when the message is a dead letter.
	DeadLetter *DeadLetter
	// Redriven is set on a copy mqscope's redrive wrote (it carries the
	// x-mqscope-redrive-* headers and is not back in a dead-letter stream):
	// such a copy is not a dead letter, whatever other provenance it kept.
	Redriven *RedriveCopy
	// Flaw says what of the message could not be read as the broker holds
	// it, or what in it breaks other clients; nil when nothing.
	Flaw *Flaw
}

// Flaw is what is wrong with a message as the broker holds it (a poison
// message): headers too large or nested too deep for common clients.
type Flaw struct {
	// HeaderBytes is the size of the message's properties as sent.
	HeaderBytes int
	// Reason says what is wrong and what the read did about it.
	Reason string
	// Lost says nothing of the message itself is left (only the notice
	// of its death, e.g. an advisory whose original the stream no longer
	// holds): there is nothing to redrive.
	Lost bool
}

// FlawLine describes a message's flaw in one line, the message named by
// its position as tail, export and redrive name it (stream@position, or
// stream[partition]@offset): "dlq@2 (1.0 MiB of headers): ..." (the
// size where the flaw is in the headers).
func (m *Message) FlawLine() string {
	if m.Flaw == nil {
		return ""
	}
	if m.Flaw.HeaderBytes == 0 {
		return m.At() + ": " + m.Flaw.Reason
	}
	return m.At() + " (" + SizeText(m.Flaw.HeaderBytes) + " of headers): " + m.Flaw.Reason
}

// At names the message as tail prints it: stream@position, or
// stream[partition]@offset.
func (m *Message) At() string {
	s := m.Stream
	if m.Partition != NoPartition {
		s += "[" + strconv.Itoa(int(m.Partition)) + "]"
	}
	return s + "@" + m.Position()
}

// Position is the message's position in its partition as people name it:
// its ID where that is its position (IDPosition), else the offset.
func (m *Message) Position() string {
	if m.IDPosition && m.ID != "" {
		return m.ID
	}
	return strconv.FormatInt(m.Offset, 10)
}

// SizeText renders a byte count: 512 B, 1.5 KiB, 1.0 MiB.
func SizeText(n int) string {
	switch {
	case n < 1<<10:
		return strconv.Itoa(n) + " B"
	case n < 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KiB"
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
}

// RedriveCopy is the provenance mqscope's redrive gives each copy it writes:
// which run wrote it, from where, and how often the message was redriven.
type RedriveCopy struct {
	// ID is the redrive id of the run that wrote the copy.
	ID string
	// Source is the stream the dead letter was redriven from.
	Source string
	// Partition and Offset are the dead letter's position in Source
	// (Partition is NoPartition for a queue's sequence).
	Partition int32
	Offset    int64
	// At is the dead letter's position as the header wrote it where that
	// is not a number (a Redis stream entry id, "1700000000000-0"): the
	// stream's own name for it, which only the stream reads back into an
	// offset (Reading.Positions). Offset is then -1.
	At string
	// Hops is how many times the message was redriven, this copy included.
	Hops int
	// Edited marks a copy whose content was edited before it was written.
	Edited bool
	// Before is the dead-letter provenance the copy kept: the failure
	// before the redrive (nil when it kept none).
	Before *DeadLetter
}

// Size is the approximate number of bytes the copy's provenance holds in memory.
func (c *RedriveCopy) Size() int {
	n := 64 + len(c.ID) + len(c.Source) + len(c.At)
	if c.Before != nil {
		n += c.Before.Size()
	}
	return n
}

// Position renders where the dead letter was: partition/offset, the
// sequence of a queue read, or the stream's own position (At), as the
// x-mqscope-redrive-position header has it.
func (c *RedriveCopy) Position() string {
	if c.At != "" {
		return c.At
	}
	if c.Partition == NoPartition {
		return strconv.FormatInt(c.Offset, 10)
	}
	return strconv.Itoa(int(c.Partition)) + "/" + strconv.FormatInt(c.Offset, 10)
}

// Summary is one line for people: "Redriven copy of orders.DLT@0/17 by rd-… (hop 1)".
func (c *RedriveCopy) Summary() string {
	s := "Redriven copy of " + c.Source + "@" + c.Position() + " by " + c.ID + " (hop " + strconv.Itoa(c.Hops) + ")"
	if c.Edited {
		s += ", edited"
	}
	return s
}

// Where is the message's place in its stream as people read it:
// p<partition>@<offset>, or #<sequence> where there are no partitions.
func (m *Message) Where() string {
	if m.Partition == NoPartition {
		return "#" + m.Position()
	}
	return "p" + strconv.Itoa(int(m.Partition)) + "@" + m.Position()
}

// Truncated reports whether Value holds less than the broker's payload.
func (m *Message) Truncated() bool { return m.ValueSize > len(m.Value) }

// Size is the approximate number of bytes the message holds in memory.
func (m *Message) Size() int {
	n := 160 + len(m.Stream) + len(m.ID) + len(m.Key) + len(m.Value)
	for _, h := range m.Headers {
		n += 40 + len(h.Key) + len(h.Value)
	}
	for _, p := range m.Properties {
		n += 32 + len(p.Name) + len(p.Value)
	}
	if m.DeadLetter != nil {
		n += m.DeadLetter.Size()
	}
	if m.Redriven != nil {
		n += m.Redriven.Size()
	}
	return n
}

// Header returns the value of the last header named key and whether it exists.
func (m *Message) Header(key string) ([]byte, bool) {
	for i := len(m.Headers) - 1; i >= 0; i-- {
		if m.Headers[i].Key == key {
			return m.Headers[i].Value, true
		}
	}
	return nil, false
}

// DeadLetter is the provenance of a dead-lettered message: where it came from
// and why it failed.
type DeadLetter struct {
	// Scheme names the header convention it was decoded from ("spring",
	// "connect", "streams", "smallrye", "rabbitmq", "generic").
	Scheme string
	// OriginStream is the topic or queue the message originally came from.
	OriginStream string
	// OriginPartition is the original partition, or NoPartition when unknown.
	OriginPartition int32
	// OriginOffset is the original offset, or -1 when unknown.
	OriginOffset int64
	// OriginPosition is the original position as people name it when
	// that is not the offset (a Redis entry id); "" when it is.
	OriginPosition string
	// OriginTime is the original message's timestamp when known.
	OriginTime time.Time
	// ReturnTo is where a redrive writes the message back when that is
	// not OriginStream itself: a NATS message's original subject (which
	// its stream stores); "" for OriginStream.
	ReturnTo string
	// Exchange is the exchange the message was published to (RabbitMQ).
	Exchange string
	// ByExchange says the origin is reached through an exchange (RabbitMQ):
	// a redrive publishes to Exchange with the first of RoutingKeys, or,
	// when Exchange is "", to the default exchange with OriginStream.
	ByExchange bool
	// RoutingKeys are the routing keys it was published with (RabbitMQ),
	// or its subject when BySubject.
	RoutingKeys []string
	// BySubject says the broker stores by subject, with no exchange
	// (JetStream): the origin's position is a sequence, RoutingKeys hold
	// the subject and Deaths are the broker's advisories.
	BySubject bool
	// ConsumerGroup is the consumer group or application that failed it.
	ConsumerGroup string
	// Reason is a short failure reason (RabbitMQ: rejected, expired...).
	Reason string
	// ExceptionClass is the exception's class or type name.
	ExceptionClass string
	// CauseClass is the root cause's class name when given.
	CauseClass string
	// ExceptionMessage is the exception's message.
	ExceptionMessage string
	// StackTrace is the stack trace when the producer attached one.
	StackTrace string
	// Count is how many times it was dead-lettered (0 when unknown).
	Count int64
	// FirstDeath and LastDeath are the first and last dead-letter times when known.
	FirstDeath, LastDeath time.Time
	// Extra holds scheme-specific details (connector name, task id, stage...)
	// in a stable order.
	Extra []Property
	// Deaths is the dead-letter history, newest first (RabbitMQ x-death).
	Deaths []Death
	// Doubt, when set, says why the origin (Exchange, RoutingKeys,
	// OriginStream) may not be the broker's: RabbitMQ's x-first-death-*
	// and x-death disagree in a way the broker does not write, as when a
	// publisher sent its own x-death. A redrive leaves such a message in
	// place unless told to trust the first death.
	Doubt string
}

// Death is one entry of a dead-letter history: the message died in Queue
// for Reason, Count times, the last at Time.
type Death struct {
	Queue, Reason, Exchange string
	RoutingKeys             []string
	Count                   int64
	Time                    time.Time
}

// OriginAt is the original position as people name it: OriginPosition,
// else the offset; "" when unknown.
func (d *DeadLetter) OriginAt() string {
	switch {
	case d.OriginPosition != "":
		return d.OriginPosition
	case d.OriginOffset >= 0:
		return strconv.FormatInt(d.OriginOffset, 10)
	}
	return ""
}

// Size is the approximate number of bytes the dead letter holds in memory.
func (d *DeadLetter) Size() int {
	n := 200 + len(d.OriginStream) + len(d.OriginPosition) + len(d.ReturnTo) + len(d.Exchange) + len(d.ConsumerGroup) + len(d.Reason) + len(d.Doubt) +
		len(d.ExceptionClass) + len(d.CauseClass) + len(d.ExceptionMessage) + len(d.StackTrace)
	for _, k := range d.RoutingKeys {
		n += 16 + len(k)
	}
	for _, p := range d.Extra {
		n += 32 + len(p.Name) + len(p.Value)
	}
	for _, x := range d.Deaths {
		n += 96 + len(x.Queue) + len(x.Reason) + len(x.Exchange)
		for _, k := range x.RoutingKeys {
			n += 16 + len(k)
		}
	}
	return n
}

// Summary is a one-line description: the exception (or reason) in short.
func (d *DeadLetter) Summary() string {
	switch {
	case d.ExceptionClass != "" && d.ExceptionMessage != "":
		return shortClass(d.ExceptionClass) + ": " + d.ExceptionMessage
	case d.ExceptionMessage != "":
		return d.ExceptionMessage
	case d.ExceptionClass != "":
		return shortClass(d.ExceptionClass)
	default:
		return d.Reason
	}
}

// shortClass drops a Java-style package prefix: "a.b.FooException" -> "FooException".
func shortClass(fqcn string) string {
	for i := len(fqcn) - 1; i >= 0; i-- {
		if fqcn[i] == '.' {
			return fqcn[i+1:]
		}
	}
	return fqcn
}
