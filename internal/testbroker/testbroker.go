// Package testbroker holds what the tests and benchmarks of several
// packages share to reach the real brokers: the RabbitMQ addresses, a vhost
// of one's own, reading a stream to its end, filling a topic.
package testbroker

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/rabbitmq"
)

// RabbitURLs are the RabbitMQ server and management API the tests use
// (MQSCOPE_TEST_RABBITMQ, MQSCOPE_TEST_RABBITMQ_API; scripts/test sets and
// starts them).
func RabbitURLs() (amqpURL, apiURL string) {
	amqpURL, apiURL = os.Getenv("MQSCOPE_TEST_RABBITMQ"), os.Getenv("MQSCOPE_TEST_RABBITMQ_API")
	if amqpURL == "" {
		amqpURL = "amqp://guest:guest@127.0.0.1:5672/"
	}
	if apiURL == "" {
		apiURL = "http://guest:guest@127.0.0.1:15672"
	}
	return amqpURL, apiURL
}

// RabbitVhost creates a vhost of the test's own through the management API
// and deletes it when the test ends. It returns the vhost's AMQP URL, its
// name and the management client. It fails the test with a clear message
// when RabbitMQ cannot be reached.
func RabbitVhost(t testing.TB) (string, string, *rabbitmq.Management) {
	t.Helper()
	base, api := RabbitURLs()
	mgmt, err := rabbitmq.NewManagement(api, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := mgmt.Overview(ctx); err != nil {
		t.Fatalf("RabbitMQ's management API is not reachable at %s (scripts/test starts RabbitMQ and enables rabbitmq_management): %v", mgmt.URL(), err)
	}
	name := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	vhost := fmt.Sprintf("mqscope-test-%s-%d", name, rand.IntN(1e6))
	if err := mgmt.CreateVhost(ctx, vhost, "guest"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := mgmt.DeleteVhost(ctx, vhost); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		mgmt.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + vhost
	return u.String(), vhost, mgmt
}

// ReadAll reads a stream from its start to its end (a bounded read).
func ReadAll(t testing.TB, r sources.Reader, stream string) []sources.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sub, err := r.Read(ctx, stream, sources.ReadOptions{})
	if err != nil {
		t.Fatalf("read %s: %v", stream, err)
	}
	out, err := sources.Drain(ctx, sub, 0)
	if err != nil {
		t.Fatalf("read %s: %v", stream, err)
	}
	return out
}

// FillKafka writes n records (keys k0000000…, the same value) to a topic as
// fast as the broker takes them: the data of benchmarks.
func FillKafka(addr, topic string, n int, value []byte) error {
	err := demo.Fill(addr, n, func(i int) *sarama.ProducerMessage {
		return &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(fmt.Sprintf("k%07d", i)), Value: sarama.ByteEncoder(value)}
	})
	if err != nil {
		return fmt.Errorf("%s: %w", topic, err)
	}
	return nil
}

// FillKafkaCompressed writes n records to topic (keys k0000000, k0000001...,
// the value of record i from value(i)), spread over its partitions, in
// record batches of about batch records compressed with codec, as
// producers with compression on write them: a fetch of such batches
// decodes to many times its size on the wire.
func FillKafkaCompressed(addr, topic string, n int, value func(i int) []byte, codec sarama.CompressionCodec, batch int) error {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForLocal
	cfg.Producer.Compression = codec
	cfg.Producer.Flush.Messages = batch
	cfg.Producer.Flush.MaxMessages = batch
	cfg.Producer.Flush.Frequency = 100 * time.Millisecond
	cfg.Producer.Partitioner = sarama.NewRoundRobinPartitioner
	p, err := sarama.NewAsyncProducer([]string{addr}, cfg)
	if err != nil {
		return fmt.Errorf("fill %s: %w", topic, err)
	}
	go func() {
		for i := 0; i < n; i++ {
			p.Input() <- &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(fmt.Sprintf("k%07d", i)), Value: sarama.ByteEncoder(value(i))}
		}
	}()
	var first error
	for i := 0; i < n; i++ {
		select {
		case <-p.Successes():
		case e := <-p.Errors():
			if first == nil {
				first = e.Err
			}
		}
	}
	if err := p.Close(); err != nil && first == nil {
		first = err
	}
	if first != nil {
		return fmt.Errorf("fill %s: %w", topic, first)
	}
	return nil
}

// RestartableKafka is a kfake on a fixed port with its data on disk, so a
// test can stop it and start it again with its data (a broker restart).
// start seeds topic with one partition.
func RestartableKafka(t testing.TB, topic string) (addr string, start func() *kfake.Cluster) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir := t.TempDir()
	return fmt.Sprintf("127.0.0.1:%d", port), func() *kfake.Cluster {
		kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(port), kfake.DataDir(dir), kfake.SeedTopics(1, topic))
		if err != nil {
			t.Fatal(err)
		}
		return kf
	}
}

// SuspendRabbitQueue stops the process of a queue of the local RabbitMQ
// for d, then lets it go on (through `rabbitmqctl eval`; the node resumes
// it even if the test dies first): the queue neither takes nor confirms
// messages meanwhile, as on a broker that is busy.
func SuspendRabbitQueue(t testing.TB, vhost, queue string, d time.Duration) {
	t.Helper()
	expr := fmt.Sprintf(`{ok, Q} = rabbit_amqqueue:lookup(rabbit_misc:r(<<%q/utf8>>, queue, <<%q/utf8>>)),
P = amqqueue:get_pid(Q), ok = sys:suspend(P),
spawn(fun() -> timer:sleep(%d), sys:resume(P) end), ok.`, vhost, queue, d.Milliseconds())
	out, err := exec.Command("rabbitmqctl", "eval", expr).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("suspending queue %s of vhost %s with rabbitmqctl eval (the local RabbitMQ's CLI, installed with it): %v: %s", queue, vhost, err, out)
	}
}
