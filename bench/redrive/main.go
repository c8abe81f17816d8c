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
	rounds := flag.Int("rounds", 3, "RabbitMQ rounds (mqscope then the shovel each); the medians are quoted")
	queueType := flag.String("queue-type", "classic", "RabbitMQ queue type of the DLQ and the target: classic or quorum")
	bare := flag.Bool("bare", false, "also run a bare amqp091-go mover (no journal, audit, fingerprints or plan) as a reference")
	ceiling := flag.Bool("ceiling", false, "also run a hand-framed AMQP mover doing no work a message: the ceiling of any AMQP client here")
	prefix := flag.String("vhost-prefix", "mqscope-bench-"+runID(), "prefix of the vhosts this run makes (default: unique to this run); they are deleted on exit, INT and TERM")
	kafkaRuns := flag.Int("kafka-runs", 1, "Kafka redrives, each on a fresh kfake")
	outPath := flag.String("out", "", "also append the figures to this file as lines of key<TAB>value")
	flag.Parse()
	openOut(*outPath)
	defer closeOut()
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

	kafkaAll := func() {
		for i := 0; i < *kafkaRuns; i++ {
			kafkaBench(ctx, *n, *size, *batch, startProfile)
		}
	}
	if *skipRabbit {
		kafkaAll()
		return
	}
	m, err := rabbitmq.NewManagement(*api, "", "")
	check(err)
	vhosts.m = m
	go deleteVhostsOnSignal()
	rb := rabbitBench{m: m, amqpURL: *amqpURL, api: *api, n: *n, size: *size, batch: *batch, queueType: *queueType, profile: startProfile, prefix: *prefix}
	var mqRates, shRates, bareRates, ceilingRates []float64
	key := "rabbitmq/" + *queueType + "/"
	for round := 1; round <= *rounds; round++ {
		fmt.Printf("round %d (%s queues)\n", round, *queueType)
		rb.round = round
		mqRates = append(mqRates, record(key+"mqscope", rb.mqscope(ctx)))
		shRates = append(shRates, record(key+"shovel", rb.shovel(ctx)))
		if *bare {
			bareRates = append(bareRates, record(key+"bare", rb.bareMover(ctx)))
		}
		if *ceiling {
			ceilingRates = append(ceilingRates, record(key+"ceiling", rb.ceilingMover(ctx)))
		}
	}
	fmt.Printf("rabbitmq median of %d rounds: mqscope %.0f msg/s, shovel %.0f msg/s, ratio %.2fx\n", *rounds, median(mqRates), median(shRates), median(mqRates)/median(shRates))
	if *bare {
		fmt.Printf("rabbitmq median bare amqp091-go mover: %.0f msg/s, %.2fx the shovel\n", median(bareRates), median(bareRates)/median(shRates))
	}
	if *ceiling {
		fmt.Printf("rabbitmq median ceiling mover: %.0f msg/s, %.2fx the shovel\n", median(ceilingRates), median(ceilingRates)/median(shRates))
	}

	if !*skipKafka {
		kafkaAll()
	}
}

func check(err error) {
	if err != nil {
		if stopping.Load() {
			select {} // the signal handler deletes the vhosts and exits
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		deleteVhosts()
		os.Exit(1)
	}
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

// kafkaBench redrives n Spring-style dead letters on an in-process kfake.
func kafkaBench(ctx context.Context, n, size, batch int, profile func() func()) {
	origin := "orders-" + runID() // topics of this run's own (kfake listens on a port the OS picks)
	dlt := origin + ".DLT"
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, origin, dlt))
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
		msgs = append(msgs, &sarama.ProducerMessage{Topic: dlt, Partition: part, Key: sarama.StringEncoder(fmt.Sprintf("k%d", i)), Value: sarama.ByteEncoder(body),
			Headers: []sarama.RecordHeader{{Key: []byte("kafka_dlt-original-topic"), Value: []byte(origin)},
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
	sub, err := conn.Read(ctx, dlt, sourcesReadAll())
	check(err)
	dead := drain(ctx, sub)
	readTime := time.Since(start)
	plan, err := replay.NewPlan(dlt, dead, replay.Options{})
	check(err)
	start = time.Now()
	stop := profile()
	journal, audit, closeState := openState(plan.ID)
	defer closeState()
	res, err := replay.RedriveKafka(ctx, conn, plan, replay.RunOptions{Batch: batch, Journal: journal, Audit: audit})
	stop()
	check(err)
	d := time.Since(start)
	if res.Done != n {
		check(fmt.Errorf("kafka redrive moved %d of %d (stopped: %s)", res.Done, n, res.Stop))
	}
	fmt.Printf("kafka read of the DLT: %d in %s = %.0f records/s\n", len(dead), readTime.Round(time.Millisecond), record("kafka/read", float64(len(dead))/readTime.Seconds()))
	fmt.Printf("kafka mqscope redrive (exactly once, %d per transaction, journal and audit line each): %d in %s = %.0f records/s\n", batch, res.Done, d.Round(time.Millisecond), record("kafka/redrive", float64(res.Done)/d.Seconds()))
}
