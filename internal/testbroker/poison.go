package testbroker

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mqscope/mqscope/internal/poison"
	"github.com/mqscope/mqscope/sources/demo"
	"github.com/mqscope/mqscope/sources/sqs"
)

// PoisonCopyTopic is an empty topic PoisonKafka also creates, to replay into.
const PoisonCopyTopic = "orders.copy"

// PoisonGroup is the consumer group PoisonKafka commits an offset for.
const PoisonGroup = "order-service" + poison.Text

// PoisonKafka starts a kfake whose topic orders.DLT holds one Spring Kafka
// dead letter with poison.Text in its key, value, header names and every
// provenance header (poison.KafkaDeadLetter, sent through the Kafka
// protocol), and where the group PoisonGroup has committed offset 1 on it.
// It returns the bootstrap address; the broker ends with the test.
func PoisonKafka(t testing.TB) (addr, topic string) {
	t.Helper()
	topic = "orders.DLT"
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic, PoisonCopyTopic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kf.Close)
	m := poison.KafkaDeadLetter()
	rec := &sarama.ProducerMessage{Topic: topic, Key: sarama.ByteEncoder(m.Key), Value: sarama.ByteEncoder(m.Value), Timestamp: m.Timestamp}
	for _, h := range m.Headers {
		rec.Headers = append(rec.Headers, sarama.RecordHeader{Key: []byte(h.Key), Value: h.Value})
	}
	addr = kf.ListenAddrs()[0]
	if err := demo.Fill(addr, 1, func(int) *sarama.ProducerMessage { return rec }); err != nil {
		t.Fatalf("produce the poison dead letter: %v", err)
	}
	if err := CommitOffset(addr, PoisonGroup, topic, 1); err != nil {
		t.Fatalf("commit for %q: %v", PoisonGroup, err)
	}
	return addr, topic
}

// CommitOffset commits offset for group on partition 0 of topic.
func CommitOffset(addr, group, topic string, offset int64) error {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.Consumer.Offsets.AutoCommit.Enable = false
	client, err := sarama.NewClient([]string{addr}, cfg)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	defer client.Close()
	coord, err := client.Coordinator(group)
	if err != nil {
		return fmt.Errorf("coordinator: %w", err)
	}
	req := &sarama.OffsetCommitRequest{Version: 2, ConsumerGroup: group, ConsumerGroupGeneration: -1, RetentionTime: -1}
	req.AddBlock(topic, 0, offset, 0, "")
	resp, err := coord.CommitOffset(req)
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if kerr := resp.Errors[topic][0]; kerr != sarama.ErrNoError {
		return fmt.Errorf("commit: %w", kerr)
	}
	return nil
}

// PoisonRabbit creates a vhost of the test's own whose queue
// orders.parking<poison> holds one message with poison.RabbitPublishing's x-death,
// x-first-death-*, headers and properties. It returns the vhost's AMQP URL
// and the queue.
func PoisonRabbit(t testing.TB) (amqpURL, queue string) {
	t.Helper()
	amqpURL, _, _ = RabbitVhost(t)
	// the queue's name is poisoned too, but for a carriage return: the
	// management API lists names without it
	queue = "orders.parking" + strings.ReplaceAll(poison.Text, "\r", "")
	conn, ch := AMQPChannel(t, amqpURL)
	defer conn.Close()
	if _, err := ch.QueueDeclare(queue, true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conf, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", queue, true, false, poison.RabbitPublishing())
	if err != nil {
		t.Fatalf("publish the poison dead letter: %v", err)
	}
	if ok, err := conf.WaitContext(ctx); !ok || err != nil {
		t.Fatalf("the broker did not confirm the poison dead letter: %v", err)
	}
	return amqpURL, queue
}

// PoisonSQS creates, in goaws, a work queue and its DLQ (names of the
// test's own) and sends the DLQ one message with poison.Text in its body,
// its message group and its attributes' names and values. It returns the
// endpoint and the DLQ's name.
func PoisonSQS(t testing.TB) (endpoint, dlqName string) {
	t.Helper()
	endpoint = SQS(t)
	ctx := context.Background()
	c, err := sqs.Dial(ctx, sqs.Options{Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	id := rand.IntN(1e6)
	work, dlqName := fmt.Sprintf("poison-%d", id), fmt.Sprintf("poison-%d-dlq", id)
	cl := c.Client()
	d, err := cl.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String(dlqName)})
	if err != nil {
		t.Fatal(err)
	}
	arn, err := c.QueueARN(ctx, dlqName)
	if err != nil {
		t.Fatal(err)
	}
	w, err := cl.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String(work), Attributes: map[string]string{
		"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":"%s","maxReceiveCount":"2"}`, arn)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = cl.DeleteQueue(context.Background(), &awssqs.DeleteQueueInput{QueueUrl: w.QueueUrl})
		_, _ = cl.DeleteQueue(context.Background(), &awssqs.DeleteQueueInput{QueueUrl: d.QueueUrl})
	})
	_, err = cl.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: d.QueueUrl, MessageBody: aws.String("body " + poison.Text),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"correlation-id":      {DataType: aws.String("String"), StringValue: aws.String("corr-1" + poison.Text)},
			"x-exception-message": {DataType: aws.String("String" + poison.Text), StringValue: aws.String("failed: " + poison.Text)},
			"name" + poison.Text:  {DataType: aws.String("Binary"), BinaryValue: []byte(poison.Bytes)},
		}})
	if err != nil {
		t.Fatalf("send the poison message: %v", err)
	}
	return endpoint, dlqName
}
