package sqs

import "github.com/mqscope/mqscope/sources"

// PublisherID is a FIFO message's MessageDeduplicationId ("" on a standard
// queue: SQS's MessageId differs for every copy).
func (c *Conn) PublisherID(m *sources.Message) string {
	for _, p := range m.Properties {
		if p.Name == "MessageDeduplicationId" {
			return p.Value
		}
	}
	return ""
}

// OrderKey is a FIFO message's group (its key); a standard queue keeps no order.
func (c *Conn) OrderKey(m *sources.Message) ([]byte, bool) {
	if m.Key == nil {
		return nil, false
	}
	return m.Key, true
}

var _ sources.Identities = (*Conn)(nil)
