package kafka_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/goleak"

	"github.com/mqscope/mqscope/internal/testbroker"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/kafka"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, testbroker.ProcessWide()...)
}

// cluster starts kfake with the given topics (3 partitions each) and returns
// its address.
func cluster(t *testing.T, topics ...string) (*kfake.Cluster, string) {
	t.Helper()
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, topics...))
	if err != nil {
		t.Fatalf("kfake: %v", err)
	}
	t.Cleanup(kf.Close)
	return kf, kf.ListenAddrs()[0]
}

// produce writes msgs with a manual partitioner and returns them with their
// offsets filled in.
func produce(t *testing.T, addr string, msgs ...*sarama.ProducerMessage) {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Producer.Return.Successes = true
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	p, err := sarama.NewSyncProducer([]string{addr}, cfg)
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	defer p.Close()
	if err := p.SendMessages(msgs); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

func dial(t *testing.T, addr string) *kafka.Conn {
	t.Helper()
	c, err := kafka.Dial(context.Background(), kafka.Options{Brokers: []string{addr}, Name: "test"})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readAll reads a bounded subscription to its end.
func readAll(t *testing.T, c *kafka.Conn, topic string, opts sources.ReadOptions) []sources.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sub, err := c.Read(ctx, topic, opts)
	if err != nil {
		t.Fatalf("read %s: %v", topic, err)
	}
	defer sub.Close()
	var out []sources.Message
	for {
		batch, err := sub.Next(ctx, 100)
		if errors.Is(err, sources.ErrEndOfStream) {
			return out
		}
		if err != nil {
			t.Fatalf("next: %v", err)
		}
		out = append(out, batch...)
	}
}

// seedTen writes ten messages to each of partitions 0..2 with timestamps one
// minute apart (base + i minutes), values "p<partition>-<i>".
func seedTen(t *testing.T, addr, topic string, base time.Time) {
	var msgs []*sarama.ProducerMessage
	for p := int32(0); p < 3; p++ {
		for i := 0; i < 10; i++ {
			msgs = append(msgs, &sarama.ProducerMessage{
				Topic: topic, Partition: p, Timestamp: base.Add(time.Duration(i) * time.Minute),
				Key:   sarama.StringEncoder(fmt.Sprintf("k%d", i)),
				Value: sarama.StringEncoder(fmt.Sprintf("p%d-%d", p, i)),
			})
		}
	}
	produce(t, addr, msgs...)
}

func countPerPartition(ms []sources.Message) map[int32][]int64 {
	out := map[int32][]int64{}
	for _, m := range ms {
		out[m.Partition] = append(out[m.Partition], m.Offset)
	}
	return out
}

func TestListStreams(t *testing.T) {
	_, addr := cluster(t, "orders", "orders.DLT")
	seedTen(t, addr, "orders", time.Now().Add(-time.Hour))
	c := dial(t, addr)
	streams, err := c.ListStreams(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(streams) != 2 || streams[0].Name != "orders" || streams[1].Name != "orders.DLT" {
		t.Fatalf("streams = %+v", streams)
	}
	o := streams[0]
	if o.Messages != 30 || len(o.Partitions) != 3 || o.DeadLetter {
		t.Fatalf("orders = %+v", o)
	}
	for _, p := range o.Partitions {
		if p.Low != 0 || p.High != 10 {
			t.Fatalf("partition %+v", p)
		}
	}
	if !streams[1].DeadLetter || streams[1].DeadLetterFor != "orders" || streams[1].Messages != 0 {
		t.Fatalf("orders.DLT = %+v", streams[1])
	}
}

func TestReadStartPositions(t *testing.T) {
	_, addr := cluster(t, "events")
	base := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	seedTen(t, addr, "events", base)
	c := dial(t, addr)

	cases := []struct {
		name  string
		start sources.Start
		parts []int32
		want  map[int32][]int64 // first and last offset per partition
		total int
	}{
		{"oldest", sources.Start{Kind: sources.StartOldest}, nil, map[int32][]int64{0: {0, 9}, 1: {0, 9}, 2: {0, 9}}, 30},
		{"newest", sources.Start{Kind: sources.StartNewest}, nil, map[int32][]int64{}, 0},
		{"last3", sources.Start{Kind: sources.StartLastN, N: 3}, nil, map[int32][]int64{0: {7, 9}, 1: {7, 9}, 2: {7, 9}}, 9},
		{"last100", sources.Start{Kind: sources.StartLastN, N: 100}, nil, map[int32][]int64{0: {0, 9}, 1: {0, 9}, 2: {0, 9}}, 30},
		{"offset5", sources.Start{Kind: sources.StartOffset, Offset: 5}, nil, map[int32][]int64{0: {5, 9}, 1: {5, 9}, 2: {5, 9}}, 15},
		{"offset-per-partition", sources.Start{Kind: sources.StartOffset, Offsets: map[int32]int64{1: 8}}, nil, map[int32][]int64{1: {8, 9}}, 2},
		{"offset-beyond-end", sources.Start{Kind: sources.StartOffset, Offset: 50}, nil, map[int32][]int64{}, 0},
		{"time", sources.Start{Kind: sources.StartTime, Time: base.Add(6*time.Minute + time.Second)}, nil, map[int32][]int64{0: {7, 9}, 1: {7, 9}, 2: {7, 9}}, 9},
		{"time-after-all", sources.Start{Kind: sources.StartTime, Time: base.Add(time.Hour)}, nil, map[int32][]int64{}, 0},
		{"one-partition", sources.Start{Kind: sources.StartOldest}, []int32{2}, map[int32][]int64{2: {0, 9}}, 10},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ms := readAll(t, c, "events", sources.ReadOptions{Start: tc.start, Partitions: tc.parts})
			if len(ms) != tc.total {
				t.Fatalf("read %d messages, want %d", len(ms), tc.total)
			}
			got := countPerPartition(ms)
			if len(got) != len(tc.want) {
				t.Fatalf("partitions %v, want %v", got, tc.want)
			}
			for p, w := range tc.want {
				offs := got[p]
				if offs[0] != w[0] || offs[len(offs)-1] != w[1] {
					t.Fatalf("partition %d offsets %v, want %d..%d", p, offs, w[0], w[1])
				}
				for i := 1; i < len(offs); i++ {
					if offs[i] != offs[i-1]+1 {
						t.Fatalf("partition %d out of order: %v", p, offs)
					}
				}
			}
			for _, m := range ms {
				if want := fmt.Sprintf("p%d-%d", m.Partition, m.Offset); string(m.Value) != want {
					t.Fatalf("value %q at %d/%d, want %q", m.Value, m.Partition, m.Offset, want)
				}
				if m.Conn != "test" || m.Stream != "events" {
					t.Fatalf("message origin %q %q", m.Conn, m.Stream)
				}
				if !m.Timestamp.Equal(base.Add(time.Duration(m.Offset) * time.Minute)) {
					t.Fatalf("timestamp %v", m.Timestamp)
				}
			}
		})
	}
}

func TestReadBadPartition(t *testing.T) {
	_, addr := cluster(t, "events")
	c := dial(t, addr)
	_, err := c.Read(context.Background(), "events", sources.ReadOptions{Partitions: []int32{7}})
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("no partition 7")) {
		t.Fatalf("err = %v", err)
	}
}

func TestTailDeliversNewMessages(t *testing.T) {
	_, addr := cluster(t, "live")
	seedTen(t, addr, "live", time.Now())
	c := dial(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sub, err := c.Read(ctx, "live", sources.ReadOptions{Start: sources.Start{Kind: sources.StartNewest}, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	go func() {
		time.Sleep(300 * time.Millisecond)
		produce(t, addr,
			&sarama.ProducerMessage{Topic: "live", Partition: 1, Value: sarama.StringEncoder("new-1")},
			&sarama.ProducerMessage{Topic: "live", Partition: 2, Value: sarama.StringEncoder("new-2")})
	}()
	var got []sources.Message
	for len(got) < 2 {
		b, err := sub.Next(ctx, 10)
		if err != nil {
			t.Fatalf("next: %v", err)
		}
		got = append(got, b...)
	}
	for _, m := range got {
		if m.Offset != 10 || !bytes.HasPrefix(m.Value, []byte("new-")) {
			t.Fatalf("tail got %d/%d %q", m.Partition, m.Offset, m.Value)
		}
	}
}

func TestBinaryEmptyAndNullValues(t *testing.T) {
	_, addr := cluster(t, "odd")
	bin := []byte{0x00, 0xff, 0xfe, 0x80, 'a'}
	produce(t, addr,
		&sarama.ProducerMessage{Topic: "odd", Partition: 0, Key: sarama.ByteEncoder(bin), Value: sarama.ByteEncoder(bin),
			Headers: []sarama.RecordHeader{{Key: []byte("h"), Value: bin}, {Key: []byte("h"), Value: []byte("dup")}}},
		&sarama.ProducerMessage{Topic: "odd", Partition: 0, Key: sarama.StringEncoder("empty"), Value: sarama.ByteEncoder([]byte{})},
		&sarama.ProducerMessage{Topic: "odd", Partition: 0, Key: sarama.StringEncoder("tombstone")},
	)
	c := dial(t, addr)
	ms := readAll(t, c, "odd", sources.ReadOptions{})
	if len(ms) != 3 {
		t.Fatalf("got %d", len(ms))
	}
	if !bytes.Equal(ms[0].Key, bin) || !bytes.Equal(ms[0].Value, bin) {
		t.Fatalf("binary not byte-exact: %x %x", ms[0].Key, ms[0].Value)
	}
	if len(ms[0].Headers) != 2 || !bytes.Equal(ms[0].Headers[0].Value, bin) || string(ms[0].Headers[1].Value) != "dup" {
		t.Fatalf("headers %+v", ms[0].Headers)
	}
	if ms[1].Value == nil || len(ms[1].Value) != 0 {
		t.Fatalf("empty value read as %#v", ms[1].Value)
	}
	if ms[2].Value != nil {
		t.Fatalf("null value read as %#v", ms[2].Value)
	}
}

func TestDeadLetterDecodedOnRead(t *testing.T) {
	_, addr := cluster(t, "orders.DLT")
	produce(t, addr, &sarama.ProducerMessage{Topic: "orders.DLT", Partition: 0, Value: sarama.StringEncoder("{}"),
		Headers: []sarama.RecordHeader{
			{Key: []byte("kafka_dlt-original-topic"), Value: []byte("orders")},
			{Key: []byte("kafka_dlt-original-partition"), Value: []byte{0, 0, 0, 2}},
			{Key: []byte("kafka_dlt-original-offset"), Value: []byte{0, 0, 0, 0, 0, 0, 1, 0}},
			{Key: []byte("kafka_dlt-exception-fqcn"), Value: []byte("com.acme.Boom")},
			{Key: []byte("kafka_dlt-exception-message"), Value: []byte("bad total")},
		}})
	ms := readAll(t, dial(t, addr), "orders.DLT", sources.ReadOptions{})
	d := ms[0].DeadLetter
	if d == nil || d.OriginStream != "orders" || d.OriginPartition != 2 || d.OriginOffset != 256 || d.Summary() != "Boom: bad total" {
		t.Fatalf("dead letter %+v", d)
	}
}

func TestUnknownTopic(t *testing.T) {
	_, addr := cluster(t, "events")
	c := dial(t, addr)
	_, err := c.Read(context.Background(), "nope", sources.ReadOptions{})
	if !errors.Is(err, sources.ErrUnknownStream) {
		t.Fatalf("err = %v, want ErrUnknownStream", err)
	}
}

func TestBrokerDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	start := time.Now()
	_, err = kafka.Dial(context.Background(), kafka.Options{Brokers: []string{addr}, DialTimeout: time.Second})
	if err == nil {
		t.Fatal("dial to a closed port succeeded")
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Fatalf("took %v to fail", d)
	}
	if !bytes.Contains([]byte(err.Error()), []byte("unreachable")) || !bytes.Contains([]byte(err.Error()), []byte(addr)) {
		t.Fatalf("unclear error: %v", err)
	}
}

func TestNotKafka(t *testing.T) {
	// A server that accepts and closes: the error must say it is not Kafka.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	_, err = kafka.Dial(context.Background(), kafka.Options{Brokers: []string{ln.Addr().String()}, DialTimeout: time.Second})
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("did not answer as Kafka")) {
		t.Fatalf("err = %v", err)
	}
}

func TestParseBrokers(t *testing.T) {
	got, err := kafka.ParseBrokers("a:1, b:2,")
	if err != nil || len(got) != 2 || got[1] != "b:2" {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"", "host", ":9092", "a:1,b"} {
		if _, err := kafka.ParseBrokers(bad); err == nil {
			t.Fatalf("ParseBrokers(%q) accepted", bad)
		}
	}
}

func TestHugeMessage(t *testing.T) {
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "big"),
		kfake.BrokerConfigs(map[string]string{"message.max.bytes": "16777216"}))
	if err != nil {
		t.Fatal(err)
	}
	defer kf.Close()
	addr := kf.ListenAddrs()[0]
	huge := bytes.Repeat([]byte("0123456789abcdef"), 6<<20/16) // 6 MiB, over the 4 MiB fetch size
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Producer.Return.Successes = true
	cfg.Producer.MaxMessageBytes = 16 << 20
	p, err := sarama.NewSyncProducer([]string{addr}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: "big", Value: sarama.ByteEncoder(huge)}); err != nil {
		t.Fatal(err)
	}
	p.Close()
	ms := readAll(t, dial(t, addr), "big", sources.ReadOptions{})
	if len(ms) != 1 || !bytes.Equal(ms[0].Value, huge) || ms[0].ValueSize != len(huge) {
		t.Fatalf("huge message not read whole: %d messages", len(ms))
	}
}

func TestMurmur2MatchesKafka(t *testing.T) {
	// Vectors from Kafka's UtilsTest.testMurmur2.
	cases := map[string]int32{
		"21": -973932308, "foobar": -790332482, "a-little-bit-long-string": -985981536,
		"a-little-bit-longer-string": -1486304829, "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971, "abc": 479470107,
	}
	for in, want := range cases {
		if got := int32(kafka.Murmur2([]byte(in))); got != want {
			t.Errorf("Murmur2(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestReadEndBounds(t *testing.T) {
	_, addr := cluster(t, "events")
	base := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	seedTen(t, addr, "events", base)
	c := dial(t, addr)
	byOffset := readAll(t, c, "events", sources.ReadOptions{End: &sources.Start{Kind: sources.StartOffset, Offset: 5}})
	if len(byOffset) != 18 {
		t.Fatalf("offset end: %d messages, want 18", len(byOffset))
	}
	byTime := readAll(t, c, "events", sources.ReadOptions{Start: sources.Start{Kind: sources.StartOffset, Offset: 2},
		End: &sources.Start{Kind: sources.StartTime, Time: base.Add(3 * time.Minute)}})
	for _, m := range byTime {
		if m.Offset < 2 || m.Offset > 3 {
			t.Fatalf("time end let through offset %d", m.Offset)
		}
	}
	if len(byTime) != 6 {
		t.Fatalf("time end: %d messages, want 6", len(byTime))
	}
	// a follow read ends too once every partition is past its end
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub, err := c.Read(ctx, "events", sources.ReadOptions{Follow: true, End: &sources.Start{Kind: sources.StartOffset, Offset: 1}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := sources.Drain(ctx, sub, 0)
	if err != nil || len(got) != 6 {
		t.Fatalf("follow with an end: %d, %v", len(got), err)
	}
}
