// Package demo runs an embedded Kafka (kfake, the real protocol over TCP)
// seeded with a realistic order flow, its failures and dead letters, and keeps
// a live trickle of new events flowing.
package demo

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
)

// DefaultPort is the port the demo broker tries first.
const DefaultPort = 9092

// Options configure the demo cluster.
type Options struct {
	// Port to listen on (127.0.0.1). When taken, a free port is used instead.
	// Zero means DefaultPort; -1 means any free port.
	Port int
	// DataDir keeps the broker's data between runs; empty keeps it in memory.
	DataDir string
	// SchemaRegistryPort is the port of the embedded Schema Registry on
	// 127.0.0.1; zero means a free port.
	SchemaRegistryPort int
	// Seed makes the generated flow reproducible.
	Seed uint64
	// History is how many orders to seed, spread over the last two hours.
	// Zero means 400; negative seeds nothing.
	History int
	// Big, when positive, adds TopicBig with that many records of about
	// 200 bytes (3 partitions), for trying mqscope at scale.
	Big int
	// Topics, when positive, adds that many topics (ManyTopicName), a few
	// records in each, for trying mqscope on a cluster of many topics.
	Topics int
	// TopicPartitions is the partition count of each of Topics's topics;
	// zero means ManyTopicPartitions.
	TopicPartitions int
	// TrickleEvery is the interval between live orders; zero means 600ms,
	// negative disables the live trickle.
	TrickleEvery time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives the demo's own log lines; nil discards them.
	Logger *slog.Logger
}

// Cluster is a running demo broker.
type Cluster struct {
	kf       *kfake.Cluster
	addr     string
	producer sarama.SyncProducer
	reg      *registry
	typed    *typedFlow
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	log      *slog.Logger
	// PortFallback is set when the requested port was taken.
	PortFallback bool
	// Reused is set when DataDir already held a seeded demo.
	Reused bool
	// Orders are the last orders of the seeded history, oldest first (none
	// when the data was reused), for the RabbitMQ demo to carry on.
	Orders []OrderRef
}

// recentOrders is how many seeded orders Cluster.Orders keeps.
const recentOrders = 100

// Start starts the demo broker and its Schema Registry, seeds them (unless
// DataDir already holds the demo) and starts the live trickle. Close stops
// everything.
func Start(ctx context.Context, o Options) (*Cluster, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	kf, fallback, err := listen(o)
	if err != nil {
		return nil, err
	}
	c := &Cluster{kf: kf, addr: kf.ListenAddrs()[0], PortFallback: fallback, log: o.Logger}
	if c.reg, err = startRegistry(o.SchemaRegistryPort); err != nil {
		kf.Close()
		return nil, err
	}
	cfg := sarama.NewConfig()
	cfg.ClientID = "mqscope-demo"
	cfg.Version = sarama.V3_6_0_0
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Partitioner = newDemoPartitioner
	cfg.Metadata.AllowAutoTopicCreation = false
	c.producer, err = sarama.NewSyncProducer([]string{c.addr}, cfg)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("demo: producer: %w", err)
	}
	f := newFlow(o.Seed)
	c.typed = newTypedFlow(o.Seed, c.reg)
	orders, err := c.ordersWritten()
	if err != nil {
		c.Close()
		return nil, err
	}
	seeded := orders > 0
	c.Reused = seeded
	f.seq = int(orders) // a reused demo goes on numbering its orders
	if !seeded && o.History >= 0 {
		n := o.History
		if n == 0 {
			n = 400
		}
		if err := c.seed(f, o.Now(), n); err != nil {
			c.Close()
			return nil, err
		}
	}
	if err := c.commitGroups(f); err != nil {
		c.Close()
		return nil, err
	}
	if o.Big > 0 && !seeded {
		if err := c.fillBig(o.Big); err != nil {
			c.Close()
			return nil, err
		}
	}
	if o.Topics > 0 && !seeded {
		if err := c.fillMany(manyTopicNames(o.Topics), o.manyPartitions()); err != nil {
			c.Close()
			return nil, err
		}
	}
	if o.TrickleEvery >= 0 {
		every := o.TrickleEvery
		if every == 0 {
			every = 600 * time.Millisecond
		}
		tctx, cancel := context.WithCancel(context.Background())
		c.cancel = cancel
		c.wg.Add(1)
		go c.trickle(tctx, f, every, o.Now)
	}
	return c, nil
}

// listen starts kfake on the wanted port, or on a free one when it is taken.
func listen(o Options) (*kfake.Cluster, bool, error) {
	port := o.Port
	if port == 0 {
		port = DefaultPort
	}
	if port < 0 {
		port = 0
	}
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.ClusterID("mqscope-demo")}
	for _, t := range topicPartitions {
		opts = append(opts, kfake.SeedTopics(t.partitions, t.name))
	}
	if o.Big > 0 {
		opts = append(opts, kfake.SeedTopics(3, TopicBig))
	}
	if o.Topics > 0 {
		opts = append(opts, kfake.SeedTopics(int32(o.manyPartitions()), manyTopicNames(o.Topics)...))
	}
	if o.DataDir != "" {
		opts = append(opts, kfake.DataDir(o.DataDir))
	}
	kf, err := kfake.NewCluster(append(opts, kfake.Ports(port))...)
	if err == nil || port == 0 {
		if err != nil {
			return nil, false, fmt.Errorf("demo: start broker: %w", err)
		}
		return kf, false, nil
	}
	kf, err2 := kfake.NewCluster(append(opts, kfake.Ports(0))...)
	if err2 != nil {
		return nil, false, fmt.Errorf("demo: start broker on port %d (%v) or a free port: %w", port, err, err2)
	}
	return kf, true, nil
}

// Addr is the bootstrap address (127.0.0.1:port).
func (c *Cluster) Addr() string { return c.addr }

// SchemaRegistryURL is the base URL of the demo's Schema Registry
// (http://127.0.0.1:port), which holds the schemas of TopicPaymentsAvro,
// TopicPaymentsAvroDLT and TopicShipmentsProto.
func (c *Cluster) SchemaRegistryURL() string { return c.reg.url }

// ordersWritten counts the orders already written (a DataDir from an
// earlier run holds some).
func (c *Cluster) ordersWritten() (int64, error) {
	client, err := sarama.NewClient([]string{c.addr}, sarama.NewConfig())
	if err != nil {
		return 0, fmt.Errorf("demo: check data: %w", err)
	}
	defer client.Close()
	parts, err := client.Partitions(TopicOrders)
	if err != nil {
		return 0, nil
	}
	var n int64
	for _, p := range parts {
		if off, err := client.GetOffset(TopicOrders, p, sarama.OffsetNewest); err == nil {
			n += off
		}
	}
	return n, nil
}

// seed writes n orders spread over the two hours before now, and their
// typed records (encoded and written alongside).
func (c *Cluster) seed(f *flow, now time.Time, n int) (err error) {
	start := now.Add(-2 * time.Hour)
	gap := 2 * time.Hour / time.Duration(n)
	typed := make(chan orderFacts, n)
	typedErr := make(chan error, 1)
	var flaws []*sarama.ProducerMessage
	go func() { typedErr <- c.seedTyped(typed) }()
	defer func() {
		close(typed)
		if terr := <-typedErr; err == nil {
			err = terr
		}
	}()
	for i := 0; i < n; i++ {
		if err := c.produce(f.next(start.Add(time.Duration(i)*gap)), false); err != nil {
			return fmt.Errorf("demo: seed: %w", err)
		}
		typed <- f.facts()
		if i >= n-recentOrders {
			c.Orders = append(c.Orders, f.last)
		}
		if i == n/2 {
			if err := c.producer.SendMessages([]*sarama.ProducerMessage{f.inventoryReport(start.Add(time.Duration(i) * gap))}); err != nil {
				return fmt.Errorf("demo: seed report: %w", err)
			}
		}
		if i == n/3 {
			if flaws, err = c.produceFlaws(healthFlaws(start.Add(time.Duration(i) * gap))); err != nil {
				return err
			}
		}
		if i == 2*n/3 && flaws != nil {
			if _, err := c.produceFlaws(healthLate(start.Add(time.Duration(i)*gap), flaws)); err != nil {
				return err
			}
		}
	}
	return nil
}

// produceFlaws writes the flawed payments one by one, in order (a
// pinned one to the partition after its key's).
func (c *Cluster) produceFlaws(ms []*sarama.ProducerMessage) ([]*sarama.ProducerMessage, error) {
	for _, m := range ms {
		if _, ok := m.Metadata.(pinned); ok {
			m.Partition = splitPartition(m, 3)
		}
		if _, _, err := c.producer.SendMessage(m); err != nil {
			return nil, fmt.Errorf("demo: seed flawed payments: %w", err)
		}
	}
	return ms, nil
}

// produce writes the steps of one order; dead letters are written after the
// message they are about, so they can name its partition and offset.
// Live steps are stamped with the time they are written.
func (c *Cluster) produce(steps []step, live bool) error {
	for _, s := range steps {
		if live {
			for _, m := range s.msgs {
				m.Timestamp = time.Now()
			}
		}
		if err := c.producer.SendMessages(s.msgs); err != nil {
			return err
		}
		if s.fail != nil {
			dead := s.fail(s.msgs)
			if live {
				for _, m := range dead {
					m.Timestamp = time.Now()
				}
			}
			if err := c.producer.SendMessages(dead); err != nil {
				return err
			}
		}
	}
	return nil
}

// demoGroups are the consumer groups the demo's services commit for: each
// consumes a topic and stays some messages behind its end.
var demoGroups = []struct {
	group, topic string
	behind       int
}{{"order-service", TopicOrders, 12}, {"payment-service", TopicPayments, 3}, {"fulfilment-service", TopicShipments, 0}}

// commitGroups commits each demo group's offsets a few messages behind
// the end of its topic, so consumer groups with lag can be browsed.
func (c *Cluster) commitGroups(f *flow) error {
	client, err := sarama.NewClient([]string{c.addr}, c.clientConfig())
	if err != nil {
		return fmt.Errorf("demo: groups: %w", err)
	}
	defer client.Close()
	for _, g := range demoGroups {
		coord, err := client.Coordinator(g.group)
		if err != nil {
			return fmt.Errorf("demo: group %s: %w", g.group, err)
		}
		parts, err := client.Partitions(g.topic)
		if err != nil {
			return fmt.Errorf("demo: group %s: %w", g.group, err)
		}
		// A commit as a consumer outside a group generation makes (what
		// Kafka calls) a simple consumer group.
		req := &sarama.OffsetCommitRequest{Version: 2, ConsumerGroup: g.group, ConsumerGroupGeneration: -1, RetentionTime: -1}
		for _, p := range parts {
			high, err := client.GetOffset(g.topic, p, sarama.OffsetNewest)
			if err != nil {
				continue
			}
			behind := 0
			if g.behind > 0 {
				behind = f.rng.IntN(g.behind + 1)
			}
			req.AddBlock(g.topic, p, max(high-int64(behind), 0), 0, "")
		}
		resp, err := coord.CommitOffset(req)
		if err != nil {
			return fmt.Errorf("demo: commit for group %s: %w", g.group, err)
		}
		for _, ps := range resp.Errors {
			for _, kerr := range ps {
				if kerr != sarama.ErrNoError {
					return fmt.Errorf("demo: commit for group %s: %w", g.group, kerr)
				}
			}
		}
	}
	return nil
}

func (c *Cluster) clientConfig() *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.ClientID = "mqscope-demo"
	cfg.Version = sarama.V3_6_0_0
	cfg.Consumer.Offsets.AutoCommit.Enable = false
	return cfg
}

// trickle keeps producing live orders until ctx is done.
func (c *Cluster) trickle(ctx context.Context, f *flow, every time.Duration, now func() time.Time) {
	defer c.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.produce(f.next(now()), true); err != nil {
				c.log.Warn("demo trickle", "err", err)
			}
			recs, err := c.typed.next(f.facts())
			if err == nil {
				err = c.produceTyped(recs, true)
			}
			if err != nil {
				c.log.Warn("demo trickle", "err", err)
			}
			if f.seq%8 == 0 {
				if err := c.commitGroups(f); err != nil {
					c.log.Warn("demo groups", "err", err)
				}
			}
		}
	}
}

// Close stops the trickle and the broker.
func (c *Cluster) Close() {
	if c.cancel != nil {
		c.cancel()
	}
	c.wg.Wait()
	if c.producer != nil {
		c.producer.Close()
	}
	c.kf.Close()
	if c.reg != nil {
		c.reg.close()
	}
}
