package rabbitmq

import "github.com/mqscope/mqscope/sources"

// PublisherID is the AMQP message-id the publisher set ("" when none).
func (c *Conn) PublisherID(m *sources.Message) string { return m.ID }

// OrderKey is the whole queue: RabbitMQ keeps a queue's messages in the
// order they were published (the routing key is no entity).
func (c *Conn) OrderKey(*sources.Message) ([]byte, bool) { return []byte{}, true }

var _ sources.Identities = (*Conn)(nil)
