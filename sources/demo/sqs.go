package demo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mqscope/mqscope/internal/sqsemu"
	"github.com/mqscope/mqscope/sources/sqs"
)

// SQS demo queues.
const (
	SQSQueue = "notifications-queue"
	SQSDLQ   = "notifications-dlq"
)

// SQSCredentials are the demo emulator's (it checks none).
const SQSCredentials = "mqscope-demo"

// StartSQS starts an embedded SQS (goaws, in-process; one per process, as
// goaws keeps global state) with a queue and its DLQ (RedrivePolicy, two
// receives), notifications for the given orders, and some of them failed
// into the DLQ by two receives each. It returns the endpoint.
func StartSQS(ctx context.Context, orders []OrderRef) (string, error) {
	sqsURL, err := sqsemu.Start()
	if err != nil {
		return "", fmt.Errorf("sqs demo: %w", err)
	}
	c, err := sqs.Dial(ctx, sqs.Options{Endpoint: sqsURL, Region: "us-east-1", AccessKey: SQSCredentials, SecretKey: SQSCredentials})
	if err != nil {
		return "", err
	}
	cl := c.Client()
	// VisibilityTimeout 0: goaws then shows a released message at once, as SQS does.
	if _, err := cl.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String(SQSDLQ), Attributes: map[string]string{"VisibilityTimeout": "0"}}); err != nil {
		return "", fmt.Errorf("sqs demo: %w", err)
	}
	arn, err := c.QueueARN(ctx, SQSDLQ)
	if err != nil {
		return "", err
	}
	q, err := cl.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String(SQSQueue), Attributes: map[string]string{
		"VisibilityTimeout": "0", "RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":"%s","maxReceiveCount":2}`, arn)}})
	if err != nil {
		return "", fmt.Errorf("sqs demo: %w", err)
	}
	send := func(i int, bad bool) error {
		o := OrderRef{ID: fmt.Sprintf("ord-%06d", 30000+i), Correlation: fmt.Sprintf("sqs-%06d", i)}
		if i < len(orders) {
			o = orders[len(orders)-1-i]
		}
		body := fmt.Sprintf(`{"type":"EmailRequested","orderId":%q,"template":"order-confirmation","to":"customer%d@example.com"}`, o.ID, i)
		if bad {
			body = fmt.Sprintf(`{"type":"EmailRequested","orderId":%q,"template":"order-confirmaton","to":null}`, o.ID)
		}
		_, err := cl.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String(body), MessageAttributes: map[string]types.MessageAttributeValue{
			"correlation-id": {DataType: aws.String("String"), StringValue: aws.String(o.Correlation)},
			"tenant":         {DataType: aws.String("String"), StringValue: aws.String(customers[i%len(customers)])},
			"schema-version": {DataType: aws.String("Number"), StringValue: aws.String("2")},
			"signature":      {DataType: aws.String("Binary"), BinaryValue: []byte{0x5f, byte(i), 0xa0}},
		}})
		return err
	}
	const bad, good = 8, 24
	for i := 0; i < bad; i++ { // the failing ones first: a consumer receives them and gives up, twice
		if err := send(i, true); err != nil {
			return "", fmt.Errorf("sqs demo: %w", err)
		}
	}
	for round := 0; round < 10; round++ {
		out, err := cl.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30})
		if err != nil {
			return "", fmt.Errorf("sqs demo: %w", err)
		}
		c.Release(aws.ToString(q.QueueUrl), out.Messages)
		if d, _ := c.Depth(ctx, SQSDLQ); d == bad {
			break
		}
	}
	for i := bad; i < bad+good; i++ {
		if err := send(i, false); err != nil {
			return "", fmt.Errorf("sqs demo: %w", err)
		}
	}
	return sqsURL, nil
}
