package kafka

import (
	"context"
	"fmt"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/sources"
)

var _ sources.Publisher = (*Conn)(nil)

// publishChunk is how many records one acknowledged send carries.
const publishChunk = 1000

// Publish writes records with an idempotent producer (acks=all), each on
// req.Partition or, without one, placed by its key as the Java client
// does (murmur2; a record without a key at random). It returns once the
// brokers acknowledged every record, with each record's partition and
// offset.
func (c *Conn) Publish(ctx context.Context, req sources.PublishRequest) ([]sources.Placement, error) {
	topic := req.Target.Stream
	parts, err := c.partitionsOf(topic)
	if err != nil {
		return nil, fmt.Errorf("publish to %s: %w", topic, err)
	}
	if req.Partition != sources.NoPartition && (req.Partition < 0 || int(req.Partition) >= len(parts)) {
		return nil, fmt.Errorf("publish to %s: partition %d does not exist (the topic has %d): %w", topic, req.Partition, len(parts), sources.ErrBadTarget)
	}
	p, err := c.Producer()
	if err != nil {
		return nil, err
	}
	defer p.Close()
	out := make([]sources.Placement, 0, len(req.Messages))
	part := req.Partition
	if part == sources.NoPartition {
		part = -1 // placed by key
	}
	for start := 0; start < len(req.Messages); start += publishChunk {
		if err := ctx.Err(); err != nil {
			return out, fmt.Errorf("publish to %s: %w", topic, err)
		}
		chunk := req.Messages[start:min(start+publishChunk, len(req.Messages))]
		pms := make([]*sarama.ProducerMessage, len(chunk))
		for i := range chunk {
			pms[i] = producerMessage(sources.Record{Stream: topic, Partition: part, Key: chunk[i].Key, Value: chunk[i].Value, Headers: chunk[i].Headers})
		}
		if err := p.SendMessages(pms); err != nil {
			return out, fmt.Errorf("publish to %s: %w", topic, err)
		}
		for _, pm := range pms {
			out = append(out, sources.Placement{Stream: topic, Partition: pm.Partition, Offset: pm.Offset, Routed: -1})
		}
	}
	return out, nil
}

var _ sources.KeyPartitioner = (*Conn)(nil)

// PartitionFor is the partition Publish places a record with key on: murmur2
// of the key as the Java client does (a record without a key goes to one at
// random).
func (c *Conn) PartitionFor(key []byte, partitions int) (int32, bool) {
	if key == nil || partitions <= 0 {
		return 0, false
	}
	return int32(Murmur2(key)&0x7fffffff) % int32(partitions), true
}
