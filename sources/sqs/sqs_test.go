package sqs_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/mqscope/mqscope/internal/testbroker"
	"github.com/mqscope/mqscope/sources"
	"github.com/mqscope/mqscope/sources/sqs"
)

// env is goaws with a work queue dead-lettering into its DLQ after two
// receives, under names of the test's own.
type env struct {
	c         *sqs.Conn
	work, dlq string
	workURL   string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	endpoint := testbroker.SQS(t)
	ctx := context.Background()
	c, err := sqs.Dial(ctx, sqs.Options{Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	id := rand.IntN(1e6)
	e := &env{c: c, work: fmt.Sprintf("work-%d", id), dlq: fmt.Sprintf("work-%d-dlq", id)}
	cl := c.Client()
	// VisibilityTimeout 0: goaws hides a message released with
	// ChangeMessageVisibility(0) for the queue's visibility timeout (AWS
	// shows it at once); a queue timeout of 0 makes goaws do as AWS does.
	d, err := cl.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String(e.dlq), Attributes: map[string]string{"VisibilityTimeout": "0"}})
	if err != nil {
		t.Fatal(err)
	}
	arn, err := c.QueueARN(ctx, e.dlq)
	if err != nil {
		t.Fatal(err)
	}
	w, err := cl.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String(e.work), Attributes: map[string]string{
		"VisibilityTimeout": "0", "RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":"%s","maxReceiveCount":"2"}`, arn)}})
	if err != nil {
		t.Fatal(err)
	}
	e.workURL = aws.ToString(w.QueueUrl)
	t.Cleanup(func() {
		_, _ = cl.DeleteQueue(context.Background(), &awssqs.DeleteQueueInput{QueueUrl: w.QueueUrl})
		_, _ = cl.DeleteQueue(context.Background(), &awssqs.DeleteQueueInput{QueueUrl: d.QueueUrl})
	})
	return e
}

func (e *env) send(t *testing.T, n int, body func(i int) string) {
	t.Helper()
	for i := 0; i < n; i++ {
		_, err := e.c.Client().SendMessage(context.Background(), &awssqs.SendMessageInput{QueueUrl: aws.String(e.workURL), MessageBody: aws.String(body(i)),
			MessageAttributes: map[string]types.MessageAttributeValue{
				"tenant": {DataType: aws.String("String"), StringValue: aws.String("acme")},
				"n":      {DataType: aws.String("Number"), StringValue: aws.String(fmt.Sprint(i))},
				"sig":    {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, byte(i)}},
			}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// fail receives every message of the work queue and releases it, until
// the queue's RedrivePolicy has moved them all to the DLQ.
func (e *env) fail(t *testing.T, n int) {
	t.Helper()
	ctx := context.Background()
	for round := 0; round < 20; round++ {
		out, err := e.c.Client().ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(e.workURL), MaxNumberOfMessages: 10, VisibilityTimeout: 30})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			_, _ = e.c.Client().ChangeMessageVisibility(ctx, &awssqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(e.workURL), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0})
		}
		if d, _ := e.c.Depth(ctx, e.dlq); d == n {
			return
		}
	}
	d, _ := e.c.Depth(ctx, e.dlq)
	t.Fatalf("the DLQ holds %d of %d", d, n)
}

func drain(t *testing.T, sub sources.Subscription) []sources.Message {
	t.Helper()
	ms, err := sources.Drain(context.Background(), sub, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func TestListPeekAndDeadLetters(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.send(t, 12, func(i int) string { return fmt.Sprintf(`{"order":%d}`, i) })
	streams, err := e.c.ListStreams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var work, dlq *sources.StreamInfo
	for i := range streams {
		switch streams[i].Name {
		case e.work:
			work = &streams[i]
		case e.dlq:
			dlq = &streams[i]
		}
	}
	if work == nil || dlq == nil || work.Messages != 12 || work.Kind != sqs.KindStandard || !dlq.DeadLetter || dlq.DeadLetterFor != e.work {
		t.Fatalf("listing: %+v %+v", work, dlq)
	}
	if !strings.Contains(fmt.Sprint(work.Info), "maxReceiveCount 2") {
		t.Fatalf("work info: %v", work.Info)
	}
	// a peek: every message, its attributes, and all of them receivable afterwards
	got := drain(t, mustRead(t, e.c, e.work, 50))
	if len(got) != 12 {
		t.Fatalf("peeked %d", len(got))
	}
	m := got[0]
	if v, _ := m.Header("tenant"); string(v) != "acme" || sqs.AttributeType(&m, "n") != "Number" || sqs.AttributeType(&m, "sig") != "Binary" {
		t.Fatalf("attributes: %+v %+v", m.Headers, m.Properties)
	}
	if v, _ := m.Header("sig"); len(v) != 3 || v[0] != 0 {
		t.Fatalf("binary attribute: %v", v)
	}
	if m.ID == "" || m.Timestamp.IsZero() || m.DeadLetter != nil {
		t.Fatalf("message: %+v", m)
	}
	if again := drain(t, mustRead(t, e.c, e.work, 50)); len(again) != 12 {
		t.Fatalf("after the peek %d are receivable", len(again))
	}
	// two receives each: the broker moves them to the DLQ
	e.fail(t, 12)
	dead := drain(t, mustRead(t, e.c, e.dlq, 50))
	if len(dead) != 12 || dead[0].DeadLetter == nil || dead[0].DeadLetter.OriginStream != e.work {
		t.Fatalf("dead letters: %d %+v", len(dead), dead[0].DeadLetter)
	}
	srcs, err := e.c.DeadLetterSources(ctx, e.dlq)
	if err != nil || len(srcs) != 1 || srcs[0] != e.work {
		t.Fatalf("sources of the DLQ: %v %v", srcs, err)
	}
}

func mustRead(t *testing.T, c *sqs.Conn, q string, n int64) sources.Subscription {
	t.Helper()
	sub, err := c.Read(context.Background(), q, sources.ReadOptions{Start: sources.Start{Kind: sources.StartLastN, N: n}})
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

func TestErrors(t *testing.T) {
	endpoint := testbroker.SQS(t)
	ctx := context.Background()
	c, err := sqs.Dial(ctx, sqs.Options{Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(ctx, "no-such-queue-mqscope", sources.ReadOptions{}); err == nil || !strings.Contains(err.Error(), "no-such-queue-mqscope") {
		t.Fatalf("unknown queue: %v", err)
	}
	// a queue deleted after it was listed: a clear error, no hang
	gone := fmt.Sprintf("gone-%d", rand.IntN(1e6))
	q, err := c.Client().CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String(gone)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListStreams(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Client().DeleteQueue(ctx, &awssqs.DeleteQueueInput{QueueUrl: q.QueueUrl}); err != nil {
		t.Fatal(err)
	}
	if sub, err := c.Read(ctx, gone, sources.ReadOptions{}); err == nil {
		if _, err := sources.Drain(ctx, sub, 0); err == nil {
			t.Fatal("reading a deleted queue gave no error")
		}
	}
	start := time.Now()
	if _, err := sqs.Dial(ctx, sqs.Options{Endpoint: "http://127.0.0.1:1", Timeout: 3 * time.Second}); err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("bad endpoint: %v", err)
	}
	if _, err := sqs.Dial(ctx, sqs.Options{Endpoint: "not a url"}); err == nil || !strings.Contains(err.Error(), "endpoint") {
		t.Fatalf("malformed endpoint: %v", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("errors took %v", time.Since(start))
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	if _, err := sqs.Dial(ctx, sqs.Options{Endpoint: endpoint, Timeout: 3 * time.Second}); err == nil || !strings.Contains(err.Error(), "credentials") {
		t.Fatalf("no credentials: %v", err)
	}
}

// TestPeekCancelledReleasesAll: a peek whose reader is cancelled (Ctrl-C)
// after its first batch gives back every message it received, the one
// receive under way included, by the time Close returns.
func TestPeekCancelledReleasesAll(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	u, err := e.c.QueueURL(ctx, e.dlq)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 60; i++ {
		if _, err := e.c.Client().SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(u), MessageBody: aws.String(fmt.Sprint(i))}); err != nil {
			t.Fatal(err)
		}
	}
	for round := 0; round < 5; round++ {
		ctx, cancel = context.WithCancel(context.Background())
		sub, err := e.c.Read(ctx, e.dlq, sources.ReadOptions{Start: sources.Start{Kind: sources.StartOldest}})
		if err != nil {
			t.Fatal(err)
		}
		if b, err := sub.Next(ctx, 3); err != nil || len(b) == 0 {
			t.Fatalf("first batch: %d %v", len(b), err)
		}
		cancel()
		sub.Close()
		out, err := e.c.Client().GetQueueAttributes(context.Background(), &awssqs.GetQueueAttributesInput{QueueUrl: aws.String(u),
			AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
		if err != nil {
			t.Fatal(err)
		}
		if n := out.Attributes["ApproximateNumberOfMessagesNotVisible"]; n != "0" {
			t.Fatalf("round %d: %s messages left in flight after a cancelled peek", round, n)
		}
	}
}

// TestInFlightListed: a message received and not yet released counts in
// flight (goaws counts it among the visible ones too; AWS does not); the
// consumers are not known.
func TestInFlightListed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.send(t, 3, func(i int) string { return fmt.Sprintf(`{"n":%d}`, i) })
	out, err := e.c.Client().ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(e.workURL), MaxNumberOfMessages: 1, VisibilityTimeout: 60})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("receive: %v, %d messages", err, len(out.Messages))
	}
	list, err := e.c.ListStreams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, st := range list {
		if st.Name == e.work {
			found = true
			if st.Counts.Held() != 1 || st.Consumers != -1 {
				t.Fatalf("%s: %d in flight, want 1; %d consumers, want -1: SQS does not count them", st.Name, st.Counts.Held(), st.Consumers)
			}
		}
	}
	if !found {
		t.Fatalf("%s not listed", e.work)
	}
}
