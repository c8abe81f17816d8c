package kafka_test

import (
	"context"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/sources"
)

// consumer is a real consumer group member that consumes everything and
// commits up to offset 6 of each partition.
type consumer struct{ ready chan struct{} }

func (c *consumer) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (c *consumer) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (c *consumer) ConsumeClaim(s sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for m := range claim.Messages() {
		if m.Offset < 6 {
			s.MarkMessage(m, "")
		}
		if m.Offset == 5 {
			s.Commit()
			select {
			case c.ready <- struct{}{}:
			default:
			}
		}
	}
	return nil
}

func TestGroupsWithLag(t *testing.T) {
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "events"), kfake.GroupMinSessionTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer kf.Close()
	addr := kf.ListenAddrs()[0]
	seedTen(t, addr, "events", time.Now())
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Offsets.AutoCommit.Enable = false
	cfg.Consumer.Group.Session.Timeout = 6 * time.Second
	cfg.Consumer.Group.Rebalance.Timeout = 2 * time.Second
	cfg.ClientID = "billing-worker"
	g, err := sarama.NewConsumerGroup([]string{addr}, "billing", cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &consumer{ready: make(chan struct{}, 3)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			if err := g.Consume(ctx, []string{"events"}, h); err != nil {
				return
			}
		}
	}()
	defer func() { cancel(); <-done; g.Close() }()
	for i := 0; i < 3; i++ {
		select {
		case <-h.ready:
		case <-time.After(20 * time.Second):
			t.Fatal("the consumer group never committed")
		}
	}
	c := dial(t, addr)
	var d sources.GroupDetail
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if d, err = c.DescribeGroup(context.Background(), "billing"); err == nil && d.Lag == 12 && d.Members == 1 {
			break
		}
	}
	if err != nil || d.Lag != 12 || d.Members != 1 || d.State != "Stable" || len(d.Offsets) != 3 {
		t.Fatalf("group %+v %v", d, err)
	}
	for _, o := range d.Offsets {
		if o.Committed != 6 || o.High != 10 || o.Lag != 4 || o.Member == "" {
			t.Fatalf("offset %+v", o)
		}
	}
	list, err := c.ListGroups(context.Background())
	if err != nil || len(list) != 1 || list[0].Name != "billing" || list[0].Lag != 12 || list[0].Topics[0] != "events" {
		t.Fatalf("list %+v %v", list, err)
	}
}
