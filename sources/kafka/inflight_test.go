package kafka_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/kafka"
)

// compressedTopic starts kfake with a three-partition topic holding n
// records of about 200 bytes in snappy-compressed batches of about
// batch records, and dials it.
func compressedTopic(t *testing.T, topic string, n, batch int) *kafka.Conn {
	t.Helper()
	_, addr := cluster(t, topic)
	value := func(i int) []byte {
		return fmt.Appendf(nil, `{"type":"Event","seq":%d,"status":"OK","tenant":"acme","payload":"%0120d"}`, i, i%7)
	}
	if err := testbroker.FillKafkaCompressed(addr, topic, n, value, sarama.CompressionSnappy, batch); err != nil {
		t.Fatal(err)
	}
	c, err := kafka.Dial(context.Background(), kafka.Options{Brokers: []string{addr}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// inFlight is what a read's feed tells of the bytes it held.
type inFlight interface {
	Budget() int64
	ChunkBytes() int64
	HighWater() int64
}

// TestBoundedReadHoldsNoMoreThanItsBudget: a reader much slower than the
// topic (compressed batches, each fetch decoding to many times its size)
// never has more than the read's in-flight budget, plus one chunk, held
// for it, and still gets every record, in order.
func TestBoundedReadHoldsNoMoreThanItsBudget(t *testing.T) {
	const n = 60000
	c := compressedTopic(t, "z", n, 3000)
	ctx := context.Background()
	const budget = 1 << 20
	sub, err := c.Read(ctx, "z", sources.ReadOptions{InFlight: budget})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	feed, ok := sub.(inFlight)
	if !ok {
		t.Fatalf("a Kafka read is a %T: it does not say what it holds", sub)
	}
	if feed.Budget() != budget {
		t.Fatalf("budget %d, want the read's %d", feed.Budget(), budget)
	}
	next := map[int32]int64{}
	got := 0
	for {
		batch, err := sub.Next(ctx, 100)
		for _, m := range batch {
			if m.Offset != next[m.Partition] {
				t.Fatalf("partition %d: offset %d, want %d", m.Partition, m.Offset, next[m.Partition])
			}
			next[m.Partition]++
		}
		got += len(batch)
		if err == sources.ErrEndOfStream {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond) // a slow writer: about 60 MB/s of Messages
	}
	if got != n {
		t.Fatalf("read %d records, want %d", got, n)
	}
	high, limit := feed.HighWater(), feed.Budget()+feed.ChunkBytes()
	t.Logf("held at most %d bytes (budget %d, chunk %d)", high, feed.Budget(), feed.ChunkBytes())
	if high > limit {
		t.Fatalf("the feed held %d bytes, past its budget %d plus one chunk %d", high, feed.Budget(), feed.ChunkBytes())
	}
	if high < budget/2 {
		t.Fatalf("the feed held at most %d bytes: the reader was never behind, so the bound was not tried", high)
	}
}

// TestFetchDecodesInPiecesSizedToTheBudget: over compressed batches, a
// bounded read's fetches are sized so that each decodes to about its
// target, not to the whole topic, and a fetch is handed on in pieces of
// about the chunk size, not whole.
func TestFetchDecodesInPiecesSizedToTheBudget(t *testing.T) {
	const n, batch = 60000, 300
	c := compressedTopic(t, "z", n, batch)
	const chunk, target = 64 << 10, 512 << 10
	pieces, rounds, err := kafka.FetchRounds(context.Background(), c, "z", chunk, target)
	if err != nil {
		t.Fatal(err)
	}
	// A record here is about 600 bytes decoded; a batch of 300 over three
	// partitions holds about 100 of them: up to 128 is room enough.
	const message, batchBytes = 600, 128 * 600
	var total, most int64
	for i, p := range pieces {
		total += p
		if p > chunk+message {
			t.Fatalf("piece %d holds %d bytes, past the chunk of %d", i, p, chunk)
		}
	}
	if total < n*400 {
		t.Fatalf("the pieces hold %d bytes in all: not the %d records", total, n)
	}
	// A fetch is sized from the one before; batches do not all compress
	// alike (the producer also flushes on time), so a fetch may decode to
	// up to twice its target, and a partition's response may hold one
	// batch past its share.
	for i, r := range rounds {
		most = max(most, r)
		if r > 2*target+3*batchBytes {
			t.Fatalf("fetch %d of %d decoded to %d bytes, past twice its target of %d and a batch a partition", i, len(rounds), r, target)
		}
	}
	t.Logf("%d fetches, %d pieces, %d bytes decoded, at most %d in one fetch", len(rounds), len(pieces), total, most)
}

// BenchmarkBoundedReadCompressed reads 100k records of about 200 bytes in
// snappy-compressed batches of 5,000 (over three partitions) with the
// default in-flight budget, as fast as the reader takes them; it reports
// records/s and the most the read's feed held (held-MiB).
func BenchmarkBoundedReadCompressed(b *testing.B) {
	const n = 100000
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "z"))
	if err != nil {
		b.Fatal(err)
	}
	defer kf.Close()
	addr := kf.ListenAddrs()[0]
	value := func(i int) []byte {
		return fmt.Appendf(nil, `{"type":"Event","seq":%d,"status":"OK","tenant":"acme","payload":"%0120d"}`, i, i%7)
	}
	if err := testbroker.FillKafkaCompressed(addr, "z", n, value, sarama.CompressionSnappy, 5000); err != nil {
		b.Fatal(err)
	}
	c, err := kafka.Dial(context.Background(), kafka.Options{Brokers: []string{addr}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	var high int64
	b.ResetTimer()
	for range b.N {
		sub, err := c.Read(ctx, "z", sources.ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		got := 0
		for {
			batch, err := sub.Next(ctx, 5000)
			got += len(batch)
			if err == sources.ErrEndOfStream {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		high = max(high, sub.(inFlight).HighWater())
		sub.Close()
		if got != n {
			b.Fatalf("read %d records, want %d", got, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(high)/(1<<20), "held-MiB")
}
