// Command redrive benchmarks mqscope's redrive against the RabbitMQ Shovel
// plugin's move (ack-mode on-confirm) on the same server, and a Kafka DLT
// redrive on an in-process kfake, and prints the figures. Run it with
// bench/redrive.sh (which enables the Shovel plugin).
package main

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/IBM/sarama"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/replay"
	"github.com/mqscope/mqscope/sources/kafka"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

func main() {
	n := flag.Int("n", 100000, "messages per run")
	size := flag.Int("size", 200, "message body size in bytes")
	amqpURL := flag.String("amqp", "amqp://guest:guest@127.0.0.1:5672/", "RabbitMQ server")
	api := flag.String("api", "http://guest:guest@127.0.0.1:15672", "management API")
	batch := flag.Int("batch", 2000, "mqscope batch (transaction / confirm window)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the mqscope runs here")
	skipKafka := flag.Bool("skip-kafka", false, "only the RabbitMQ comparison")
	skipRabbit := flag.Bool("skip-rabbitmq", false, "only the Kafka redrive")
	flag.Parse()
	startProfile := func() func() {
		if *cpuprofile == "" {
			return func() {}
		}
		f, err := os.Create(*cpuprofile)
		check(err)
		check(pprof.StartCPUProfile(f))
		return pprof.StopCPUProfile
	}
	ctx := context.Background()
	fmt.Printf("machine: %d cores, %s; %d messages of %d B\n", runtime.NumCPU(), runtime.Version(), *n, *size)

	if *skipRabbit {
		kafkaBench(ctx, *n, *size, *batch, startProfile)
		return
	}
	m, err := rabbitmq.NewManagement(*api, "", "")
	check(err)
	mq := rabbitDLQ(ctx, m, *amqpURL, "mqscope-bench-mqscope", *n, *size)
	conn, err := rabbitmq.Dial(ctx, rabbitmq.Options{URL: mq, ManagementURL: *api})
	check(err)
	plan, err := replay.NewPlan("dlq", nil, replay.Options{})
	check(err)
	brokerBefore, selfBefore := brokerCPU(), selfCPU()
	stopProfile := startProfile()
	start := time.Now()
	res, err := replay.RedriveRabbit(ctx, conn, plan, true, replay.RunOptions{Batch: *batch})
	check(err)
	stopProfile()
	mqTime := time.Since(start)
	brokerMq, selfMq := brokerCPU()-brokerBefore, selfCPU()-selfBefore
	waitDepth(mq, "target", *n)
	conn.Close()
	fmt.Printf("rabbitmq mqscope redrive: %d moved in %s = %.0f msg/s (confirms + mandatory, ack after confirm); broker CPU %.1fs, mqscope CPU %.1fs\n",
		res.Done, mqTime.Round(time.Millisecond), float64(res.Done)/mqTime.Seconds(), brokerMq.Seconds(), selfMq.Seconds())

	sh := rabbitDLQ(ctx, m, *amqpURL, "mqscope-bench-shovel", *n, *size)
	brokerBefore = brokerCPU()
	start = time.Now()
	shovel(ctx, m, "mqscope-bench-shovel")
	waitDepth(sh, "target", *n)
	shTime := time.Since(start)
	fmt.Printf("rabbitmq shovel move:     %d moved in %s = %.0f msg/s (ack-mode on-confirm); broker CPU %.1fs (the shovel runs inside it)\n",
		*n, shTime.Round(time.Millisecond), float64(*n)/shTime.Seconds(), (brokerCPU() - brokerBefore).Seconds())
	fmt.Printf("rabbitmq ratio mqscope/shovel: %.2fx\n", shTime.Seconds()/mqTime.Seconds())
	for _, v := range []string{"mqscope-bench-mqscope", "mqscope-bench-shovel"} {
		_ = m.DeleteVhost(ctx, v)
	}

	if !*skipKafka {
		kafkaBench(ctx, *n, *size, *batch, startProfile)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// rabbitDLQ makes a vhost whose queue "dlq" holds n real dead letters of
// exchange "bench" (key "job"), and a queue "target" bound where they go back.
func rabbitDLQ(ctx context.Context, m *rabbitmq.Management, base, vhost string, n, size int) string {
	_ = m.DeleteVhost(ctx, vhost)
	check(m.CreateVhost(ctx, vhost, "guest"))
	u, _ := url.Parse(base)
	u.Path = "/" + vhost
	c, err := amqp.Dial(u.String())
	check(err)
	defer c.Close()
	ch, err := c.Channel()
	check(err)
	check(ch.ExchangeDeclare("bench", "direct", true, false, false, false, nil))
	_, err = ch.QueueDeclare("work", true, false, false, false, amqp.Table{"x-message-ttl": int32(0), "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "dlq"})
	check(err)
	_, err = ch.QueueDeclare("dlq", true, false, false, false, nil)
	check(err)
	_, err = ch.QueueDeclare("target", true, false, false, false, nil)
	check(err)
	check(ch.QueueBind("work", "job", "bench", false, nil))
	check(ch.Confirm(false))
	confirms := ch.NotifyPublish(make(chan amqp.Confirmation, 1000))
	body := make([]byte, size)
	for i := 0; i < n; i += 1000 {
		k := min(1000, n-i)
		for j := 0; j < k; j++ {
			binary.BigEndian.PutUint64(body, uint64(i+j))
			check(ch.PublishWithContext(ctx, "bench", "job", false, false, amqp.Publishing{Body: body, DeliveryMode: amqp.Persistent, MessageId: fmt.Sprint(i + j)}))
		}
		for j := 0; j < k; j++ {
			<-confirms
		}
	}
	waitDepth(u.String(), "dlq", n)
	check(ch.QueueUnbind("work", "job", "bench", nil))
	check(ch.QueueBind("target", "job", "bench", false, nil))
	return u.String()
}

func waitDepth(url, queue string, n int) {
	c, err := amqp.Dial(url)
	check(err)
	defer c.Close()
	ch, err := c.Channel()
	check(err)
	for i := 0; ; i++ {
		q, err := ch.QueueDeclarePassive(queue, true, false, false, false, nil)
		check(err)
		if q.Messages >= n {
			return
		}
		if i > 20*600 {
			check(fmt.Errorf("%s has %d of %d after 10 minutes", queue, q.Messages, n))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// shovel starts a dynamic shovel moving dlq to exchange bench (key job),
// acknowledging each source message after the destination confirmed it.
func shovel(ctx context.Context, m *rabbitmq.Management, vhost string) {
	uri := "amqp:///" + url.PathEscape(vhost)
	check(m.PutParameter(ctx, "shovel", vhost, "bench-move", map[string]any{
		"src-protocol": "amqp091", "src-uri": uri, "src-queue": "dlq", "src-delete-after": "queue-length",
		"dest-protocol": "amqp091", "dest-uri": uri, "dest-exchange": "bench", "dest-exchange-key": "job",
		"ack-mode": "on-confirm",
	}))
}

// kafkaBench redrives n Spring-style dead letters on an in-process kfake.
func kafkaBench(ctx context.Context, n, size, batch int, profile func() func()) {
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "orders", "orders.DLT"))
	check(err)
	defer kf.Close()
	addr := kf.ListenAddrs()[0]
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Producer.Return.Successes = true
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	p, err := sarama.NewSyncProducer([]string{addr}, cfg)
	check(err)
	body := make([]byte, size)
	var msgs []*sarama.ProducerMessage
	for i := 0; i < n; i++ {
		part := int32(i % 3)
		var pb [4]byte
		var ob [8]byte
		binary.BigEndian.PutUint32(pb[:], uint32(part))
		binary.BigEndian.PutUint64(ob[:], uint64(i/3))
		msgs = append(msgs, &sarama.ProducerMessage{Topic: "orders.DLT", Partition: part, Key: sarama.StringEncoder(fmt.Sprintf("k%d", i)), Value: sarama.ByteEncoder(body),
			Headers: []sarama.RecordHeader{{Key: []byte("kafka_dlt-original-topic"), Value: []byte("orders")},
				{Key: []byte("kafka_dlt-original-partition"), Value: pb[:]}, {Key: []byte("kafka_dlt-original-offset"), Value: ob[:]},
				{Key: []byte("kafka_dlt-exception-fqcn"), Value: []byte("com.acme.Boom")}}})
		if len(msgs) == 5000 || i == n-1 {
			check(p.SendMessages(msgs))
			msgs = msgs[:0]
		}
	}
	p.Close()
	conn, err := kafka.Dial(ctx, kafka.Options{Brokers: []string{addr}})
	check(err)
	defer conn.Close()
	start := time.Now()
	sub, err := conn.Read(ctx, "orders.DLT", sourcesReadAll())
	check(err)
	dead := drain(ctx, sub)
	readTime := time.Since(start)
	plan, err := replay.NewPlan("orders.DLT", dead, replay.Options{})
	check(err)
	start = time.Now()
	stop := profile()
	res, err := replay.RedriveKafka(ctx, conn, plan, replay.RunOptions{Batch: batch})
	stop()
	check(err)
	d := time.Since(start)
	fmt.Printf("kafka read of the DLT: %d in %s = %.0f records/s\n", len(dead), readTime.Round(time.Millisecond), float64(len(dead))/readTime.Seconds())
	fmt.Printf("kafka mqscope redrive (exactly once, %d per transaction): %d in %s = %.0f records/s\n", batch, res.Done, d.Round(time.Millisecond), float64(res.Done)/d.Seconds())
}
