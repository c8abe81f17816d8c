package kafka

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
// offset. Records go in chunks, each waited for to the last record: when
// one fails, the placements cover its whole chunk (those written, and
// those not, NotDelivered) and no later chunk is sent.
func (c *Conn) Publish(ctx context.Context, req sources.PublishRequest) ([]sources.Placement, error) {
	if err := refuseForeign(req); err != nil {
		return nil, err
	}
	topic := req.Target.Stream
	parts, err := c.partitionsOf(topic)
	if err != nil {
		return nil, err
	}
	for i := range req.Messages {
		if part := partitionOf(req, i); part != sources.NoPartition && (part < 0 || int(part) >= len(parts)) {
			return nil, fmt.Errorf("partition %d does not exist (the topic has %d): %w", part, len(parts), sources.ErrBadTarget)
		}
	}
	p, err := c.Producer()
	if err != nil {
		return nil, err
	}
	defer p.Close()
	out := make([]sources.Placement, 0, len(req.Messages))
	for start := 0; start < len(req.Messages); start += publishChunk {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		chunk := req.Messages[start:min(start+publishChunk, len(req.Messages))]
		pms := make([]*sarama.ProducerMessage, len(chunk))
		for i := range chunk {
			part := partitionOf(req, start+i)
			if part == sources.NoPartition {
				part = -1 // placed by key
			}
			pms[i] = producerMessage(sources.Record{Stream: topic, Partition: part, Key: chunk[i].Key, Value: chunk[i].Value, Headers: chunk[i].Headers})
			pms[i].Metadata = start + i
		}
		if err := p.SendMessages(pms); err != nil {
			return append(out, placedAll(pms, err)...), deliveryError(err)
		}
		for _, pm := range pms {
			out = append(out, sources.Placement{Stream: topic, Partition: pm.Partition, Offset: pm.Offset, Routed: -1})
		}
	}
	return out, nil
}

// partitionOf is the partition message i of req goes to (NoPartition: by key).
func partitionOf(req sources.PublishRequest, i int) int32 {
	if req.Partition != sources.NoPartition || !req.MessagePartitions {
		return req.Partition
	}
	return req.Messages[i].Partition
}

// refuseForeign refuses what a Kafka record cannot carry, rather than
// dropping it: an exchange, a routing key, broker properties.
func refuseForeign(req sources.PublishRequest) error {
	if err := req.Unrouted("Kafka", false); err != nil {
		return err
	}
	for i, m := range req.Messages {
		if len(m.Properties) > 0 {
			return fmt.Errorf("message %d: Kafka records have no properties (%s): put it in a header instead: %w", i+1, m.Properties[0].Name, sources.ErrBadTarget)
		}
	}
	return nil
}

// placedAll are the placements of every record of a chunk SendMessages
// failed for: the producer had them all and waited for each, so the ones
// it did not name in err were written (their partition and offset) and
// the ones it named were not (NotDelivered, with the reason). None when
// err does not say which failed: then none is known written.
func placedAll(pms []*sarama.ProducerMessage, err error) []sources.Placement {
	var perrs sarama.ProducerErrors
	if !errors.As(err, &perrs) {
		return nil
	}
	failed := map[*sarama.ProducerMessage]error{}
	for _, pe := range perrs {
		failed[pe.Msg] = pe.Err
	}
	out := make([]sources.Placement, len(pms))
	for i, pm := range pms {
		out[i] = sources.Placement{Stream: pm.Topic, Partition: pm.Partition, Offset: pm.Offset, Routed: -1}
		if ferr, ok := failed[pm]; ok {
			out[i] = sources.Placement{Stream: pm.Topic, Partition: sources.NoPartition, Offset: -1, Routed: -1, NotDelivered: ferr}
		}
	}
	return out
}

// deliveryError is sarama's error with the broker's reason for each
// record it failed to deliver, not only their count.
func deliveryError(err error) error {
	var perrs sarama.ProducerErrors
	if !errors.As(err, &perrs) || len(perrs) == 0 {
		return err
	}
	first, _ := perrs[0].Msg.Metadata.(int)
	reasons := []string{}
	seen := map[string]bool{}
	for _, pe := range perrs {
		if r := pe.Err.Error(); !seen[r] {
			seen[r] = true
			reasons = append(reasons, r)
		}
	}
	what := fmt.Sprintf("message %d", first+1)
	if len(perrs) > 1 {
		what = fmt.Sprintf("%d messages from message %d on", len(perrs), first+1)
	}
	if len(reasons) > 1 {
		return fmt.Errorf("%s not delivered: %w (and: %s)", what, perrs[0].Err, strings.Join(reasons[1:], "; "))
	}
	return fmt.Errorf("%s not delivered: %w", what, perrs[0].Err)
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
