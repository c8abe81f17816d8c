package kafka_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/kafka"
)

func TestListNamesThenCount(t *testing.T) {
	_, addr := cluster(t, "orders", "orders.DLT", "payments")
	seedTen(t, addr, "orders", time.Now().Add(-time.Hour))
	c := dial(t, addr)
	names, err := c.ListNames(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 3 || names[0].Name != "orders" || names[1].Name != "orders.DLT" || names[2].Name != "payments" {
		t.Fatalf("names %+v", names)
	}
	for _, s := range names {
		if s.Messages != -1 || s.High != -1 || len(s.Partitions) != 3 || s.Partitions[2].ID != 2 || s.Kind != "topic" {
			t.Fatalf("%s before counting: %+v", s.Name, s)
		}
	}
	if !names[1].DeadLetter || names[1].DeadLetterFor != "orders" {
		t.Fatalf("orders.DLT %+v", names[1])
	}
	counted, err := c.CountStreams(context.Background(), []string{"payments", "no.such.topic", "orders"})
	if err != nil {
		t.Fatal(err)
	}
	if len(counted) != 2 || counted[0].Name != "payments" || counted[1].Name != "orders" {
		t.Fatalf("counted %+v", counted)
	}
	if o := counted[1]; o.Messages != 30 || o.High != 30 || len(o.Partitions) != 3 || o.Partitions[1] != (sources.PartitionInfo{ID: 1, Low: 0, High: 10}) {
		t.Fatalf("orders %+v", o)
	}
	if p := counted[0]; p.Messages != 0 || p.High != 0 {
		t.Fatalf("payments %+v", p)
	}
	all, err := c.ListStreams(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range all {
		want := names[i]
		want.Partitions, want.Messages, want.High = s.Partitions, s.Messages, s.High
		if !reflect.DeepEqual(s, want) {
			t.Fatalf("ListStreams %+v, ListNames %+v", s, names[i])
		}
	}
	if all[0].Messages != 30 || all[1].Messages != 0 {
		t.Fatalf("ListStreams %+v", all)
	}
}

// A topic deleted after the names were listed is left out of the counts.
func TestCountStreamsTopicDeleted(t *testing.T) {
	_, addr := cluster(t, "stays", "goes")
	seedTen(t, addr, "stays", time.Now())
	c := dial(t, addr)
	if _, err := c.ListNames(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	admin, err := sarama.NewClusterAdmin([]string{addr}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := admin.DeleteTopic("goes"); err != nil {
		t.Fatal(err)
	}
	counted, err := c.CountStreams(context.Background(), []string{"goes", "stays"})
	if err != nil {
		t.Fatal(err)
	}
	if len(counted) != 1 || counted[0].Name != "stays" || counted[0].Messages != 30 {
		t.Fatalf("counted %+v", counted)
	}
}

// bigCluster is kfake with topics topics of parts partitions each.
func bigCluster(b *testing.B, topics, parts int) (*kafka.Conn, []string) {
	names := make([]string, topics)
	for i := range names {
		names[i] = fmt.Sprintf("team%02d.events.%05d", i%40, i)
	}
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(int32(parts), names...))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(kf.Close)
	c, err := kafka.Dial(context.Background(), kafka.Options{Brokers: kf.ListenAddrs()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c, names
}

// BenchmarkListBig lists a cluster of 10,000 topics of 10 partitions:
// the names (one metadata request), the counts of 500 topics (the UI's
// batch), and everything (ListStreams).
func BenchmarkListBig(b *testing.B) {
	c, names := bigCluster(b, 10_000, 10)
	ctx := context.Background()
	b.Run("names", func(b *testing.B) {
		for range b.N {
			if s, err := c.ListNames(ctx); err != nil || len(s) != len(names) {
				b.Fatalf("%d names, %v", len(s), err)
			}
		}
	})
	b.Run("count500", func(b *testing.B) {
		for i := range b.N {
			from := i * 500 % len(names)
			if s, err := c.CountStreams(ctx, names[from:from+500]); err != nil || len(s) != 500 {
				b.Fatalf("%d counted, %v", len(s), err)
			}
		}
	})
	b.Run("all", func(b *testing.B) {
		for range b.N {
			if s, err := c.ListStreams(ctx); err != nil || len(s) != len(names) {
				b.Fatalf("%d streams, %v", len(s), err)
			}
		}
	})
}

// Only the first listing may take the metadata the dial fetched: a topic
// created later is in the next.
func TestListNamesAfterDial(t *testing.T) {
	_, addr := cluster(t, "before")
	c := dial(t, addr)
	first, err := c.ListNames(context.Background())
	if err != nil || len(first) != 1 || first[0].Name != "before" {
		t.Fatalf("first listing %+v, %v", first, err)
	}
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	admin, err := sarama.NewClusterAdmin([]string{addr}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := admin.CreateTopic("after", &sarama.TopicDetail{NumPartitions: 2, ReplicationFactor: 1}, false); err != nil {
		t.Fatal(err)
	}
	next, err := c.ListNames(context.Background())
	if err != nil || len(next) != 2 || next[0].Name != "after" || len(next[0].Partitions) != 2 {
		t.Fatalf("next listing %+v, %v", next, err)
	}
}

// CountOne counts one topic of a Counter without listing the others.
func TestCountOne(t *testing.T) {
	_, addr := cluster(t, "orders", "payments")
	seedTen(t, addr, "orders", time.Now())
	c := dial(t, addr)
	st, found, err := sources.CountOne(context.Background(), c, "orders")
	if err != nil || !found || st.Messages != 30 || len(st.Partitions) != 3 {
		t.Fatalf("orders: %+v, found %v, %v", st, found, err)
	}
	if _, found, err := sources.CountOne(context.Background(), c, "nope"); err != nil || found {
		t.Fatalf("a missing topic: found %v, %v", found, err)
	}
}
