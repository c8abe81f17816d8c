package kafka

import (
	"context"
	"fmt"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/sources"
)

var _ sources.SinkOpener = (*Conn)(nil)

// OpenSink writes to the topic t names with an idempotent producer
// (acks=all), placing records by key as the Java client does (see
// sources.SinkOpener). A topic that does not exist is refused.
func (c *Conn) OpenSink(_ context.Context, t sources.Target) (sources.MessageSink, error) {
	if _, err := c.Partitions(t.Stream); err != nil {
		return nil, fmt.Errorf("replay target: %w", err)
	}
	p, err := c.Producer()
	if err != nil {
		return nil, err
	}
	return &sink{p: p, topic: t.Stream}, nil
}

// sink writes batches to one topic.
type sink struct {
	p     sarama.SyncProducer
	topic string
}

// Write produces msgs (keys, values and headers as they are) and returns
// once every one is acknowledged.
func (s *sink) Write(ctx context.Context, msgs []sources.Message) error {
	_, err := s.WritePlaced(ctx, msgs)
	return err
}

// WritePlaced is Write that says where each message went. The producer has
// the whole batch and is waited for to its last message: when one fails,
// the placements cover every message (those written with their partition
// and offset, those not with NotDelivered), for the caller to count and
// not to write again.
func (s *sink) WritePlaced(_ context.Context, msgs []sources.Message) ([]sources.Placement, error) {
	pms := make([]*sarama.ProducerMessage, len(msgs))
	for i, m := range msgs {
		pms[i] = producerMessage(sources.Record{Stream: s.topic, Partition: -1, Key: m.Key, Value: m.Value, Headers: m.Headers})
		pms[i].Metadata = i
	}
	if err := s.p.SendMessages(pms); err != nil {
		return placedAll(pms, err), fmt.Errorf("produce to %s: %w", s.topic, deliveryError(err))
	}
	out := make([]sources.Placement, len(pms))
	for i, pm := range pms {
		out[i] = sources.Placement{Stream: s.topic, Partition: pm.Partition, Offset: pm.Offset, Routed: -1}
	}
	return out, nil
}

var _ sources.PlacingSink = (*sink)(nil)

// Target says the topic.
func (s *sink) Target() string { return "topic " + s.topic }

// Close closes the producer.
func (s *sink) Close() error { return s.p.Close() }
