package sqs_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/mqscope/mqscope/sources"
)

func TestListQueueCounts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.send(t, 5, func(i int) string { return fmt.Sprintf(`{"order":%d}`, i) })
	out, err := e.c.Client().ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(e.workURL), MaxNumberOfMessages: 2, VisibilityTimeout: 300})
	if err != nil || len(out.Messages) != 2 {
		t.Fatalf("received %d: %v", len(out.Messages), err)
	}
	streams, err := e.c.ListStreams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var work *sources.StreamInfo
	for i := range streams {
		if streams[i].Name == e.work {
			work = &streams[i]
		}
	}
	if work == nil {
		t.Fatalf("%s not listed", e.work)
	}
	q := work.Counts
	if !q.Visible.Known || q.Visible.N != work.Messages || q.InFlight != sources.KnownCount(2) {
		t.Fatalf("counts %+v (messages %d), want 2 in flight", q, work.Messages)
	}
	if q.Delayed.Known { // goaws does not count delayed messages: the column says -
		t.Fatalf("a delayed count the server did not give: %+v", q.Delayed)
	}
	if q.Ready.Known || q.Unacked.Known || q.State != "" {
		t.Fatalf("an SQS queue with RabbitMQ counts: %+v", q)
	}
}
