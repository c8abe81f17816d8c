package sources

// Identities is a connection that knows, of its broker's messages, the id
// a publisher gives a message to tell its copies apart (an AMQP
// message-id, an SQS MessageDeduplicationId) and what the broker keeps in
// order (an SQS FIFO queue's message group; a RabbitMQ queue as a whole).
// A connection without it: no such id, and order is kept per key.
type Identities interface {
	// PublisherID is the id m's publisher gave it ("" when none). A broker's
	// own per-delivery id (an SQS MessageId) is no such id: each copy has its own.
	PublisherID(m *Message) string
	// OrderKey is the entity the broker keeps m in order with (ok false:
	// none, as in an SQS standard queue). An empty key is the whole stream.
	OrderKey(m *Message) (key []byte, ok bool)
}

// Orderer is a connection that knows what its broker keeps in order but
// has no publisher's id (a Redis stream as a whole): Identities' OrderKey
// alone.
type Orderer interface {
	OrderKey(m *Message) (key []byte, ok bool)
}
