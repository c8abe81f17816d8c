package kafka

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/IBM/sarama"

	"github.com/mqscope/mqscope/sources"
)

// TransactionalProducer returns a sarama producer with transactional id
// txnID (idempotent, acks=all) on this connection's brokers. A message with
// Partition >= 0 goes to that partition; one with Partition -1 is placed by
// its key like the Java client (murmur2), or at random without a key.
// It is asynchronous: the caller reads Successes and Errors for every message.
func (c *Conn) TransactionalProducer(txnID string) (sarama.AsyncProducer, error) {
	cfg := c.producerConfig()
	cfg.Producer.Transaction.ID = txnID
	cfg.Producer.Transaction.Timeout = time.Minute
	p, err := sarama.NewAsyncProducer(c.addrs, cfg)
	if err != nil {
		return nil, fmt.Errorf("transactional producer on %s: %w", c.name, err)
	}
	return p, nil
}

// producerConfig is the connection's configuration for an idempotent
// producer (acks=all, one request in flight) that places messages like the
// Java client.
func (c *Conn) producerConfig() *sarama.Config {
	cfg := *c.config
	cfg.Producer.Idempotent = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Return.Successes = true
	cfg.Producer.Return.Errors = true
	cfg.Producer.Retry.Max = 10
	cfg.Producer.Flush.Messages = 1000 // fill produce requests; the frequency bounds the wait
	cfg.Producer.Flush.Frequency = time.Millisecond
	cfg.Producer.Partitioner = NewJavaCompatiblePartitioner
	cfg.Net.MaxOpenRequests = 1
	return &cfg
}

// Producer returns an idempotent producer (acks=all) on this connection's
// brokers, placing messages like TransactionalProducer.
func (c *Conn) Producer() (sarama.SyncProducer, error) {
	p, err := sarama.NewSyncProducer(c.addrs, c.producerConfig())
	if err != nil {
		return nil, fmt.Errorf("producer on %s: %w", c.name, err)
	}
	return p, nil
}

// GroupOffsets returns a consumer group's committed offsets on a topic
// (partitions without a commit are absent).
func (c *Conn) GroupOffsets(group, topic string) (map[int32]int64, error) {
	parts, err := c.partitionsOf(topic)
	if err != nil {
		return nil, err
	}
	coord, err := c.client.Coordinator(group)
	if err != nil {
		return nil, fmt.Errorf("offsets of group %s: coordinator: %w", group, err)
	}
	req := &sarama.OffsetFetchRequest{Version: 5, ConsumerGroup: group}
	for _, p := range parts {
		req.AddPartition(topic, p)
	}
	resp, err := coord.FetchOffset(req)
	if err != nil {
		return nil, fmt.Errorf("offsets of group %s: %w", group, err)
	}
	out := map[int32]int64{}
	if errors.Is(resp.Err, sarama.ErrGroupIDNotFound) {
		return out, nil // the group never committed (some brokers say so, others answer -1)
	}
	if resp.Err != sarama.ErrNoError {
		return nil, fmt.Errorf("offsets of group %s: %w", group, resp.Err)
	}
	for _, p := range parts {
		blk := resp.GetBlock(topic, p)
		if blk == nil {
			continue
		}
		if blk.Err != sarama.ErrNoError && !errors.Is(blk.Err, sarama.ErrGroupIDNotFound) {
			return nil, fmt.Errorf("offsets of group %s on %s/%d: %w", group, topic, p, blk.Err)
		}
		if blk.Offset >= 0 {
			out[p] = blk.Offset
		}
	}
	return out, nil
}

// Partitions returns a topic's partition count.
func (c *Conn) Partitions(topic string) (int, error) {
	ps, err := c.partitionsOf(topic)
	return len(ps), err
}

// javaPartitioner places messages like Kafka's Java client: an explicit
// partition, else murmur2 of the key, else random.
type javaPartitioner struct{ rnd *rand.Rand }

// NewJavaCompatiblePartitioner is a sarama.PartitionerConstructor: the same
// key lands on the same partition as from a Java (or librdkafka murmur2) producer.
func NewJavaCompatiblePartitioner(string) sarama.Partitioner {
	return &javaPartitioner{rnd: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))}
}

func (p *javaPartitioner) Partition(m *sarama.ProducerMessage, n int32) (int32, error) {
	if m.Partition >= 0 {
		if m.Partition >= n {
			return 0, fmt.Errorf("partition %d does not exist (topic has %d)", m.Partition, n)
		}
		return m.Partition, nil
	}
	if m.Key == nil {
		return p.rnd.Int32N(n), nil
	}
	key, err := m.Key.Encode()
	if err != nil {
		return 0, err
	}
	return int32(Murmur2(key)&0x7fffffff) % n, nil
}

func (p *javaPartitioner) RequiresConsistency() bool { return true }

// Murmur2 is Kafka's murmur2 hash (org.apache.kafka.common.utils.Utils.murmur2).
func Murmur2(data []byte) uint32 {
	const (
		seed uint32 = 0x9747b28c
		m    uint32 = 0x5bd1e995
		r           = 24
	)
	length := len(data)
	h := seed ^ uint32(length)
	for i := 0; i+4 <= length; i += 4 {
		k := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	rest := length % 4
	tail := length - rest
	switch rest {
	case 3:
		h ^= uint32(data[tail+2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[tail+1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[tail])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}

// CheckTarget refuses a topic name Kafka does not allow (1 to 249 of
// a-z A-Z 0-9 . _ -, not . or ..) and a topic the cluster does not have.
func (c *Conn) CheckTarget(ctx context.Context, t sources.Target) error {
	if err := (sources.PublishRequest{Target: t}).Unrouted("Kafka", true); err != nil {
		return err
	}
	if err := LegalTopic(t.Stream); err != nil {
		return err
	}
	if _, err := c.partitionsOf(t.Stream); err != nil {
		if errors.Is(err, sources.ErrUnknownStream) {
			return fmt.Errorf("topic %q does not exist on %s (create it first): %w", t.Stream, c.Address(), sources.ErrBadTarget)
		}
		return fmt.Errorf("target %q: %w", t.Stream, err)
	}
	return nil
}

// LegalTopic says why a name cannot be a Kafka topic's (nil when it can).
func LegalTopic(name string) error {
	bad := len(name) == 0 || len(name) > 249 || name == "." || name == ".."
	for i := 0; i < len(name) && !bad; i++ {
		switch ch := name[i]; {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9', ch == '.', ch == '_', ch == '-':
		default:
			bad = true
		}
	}
	if bad {
		return fmt.Errorf("%q is not a legal Kafka topic name (1 to 249 of a-z A-Z 0-9 . _ -): %w", name, sources.ErrBadTarget)
	}
	return nil
}
