package sqs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/mqscope/mqscope/sources"
)

const (
	// DefaultPeek is how many messages a peek receives by default.
	DefaultPeek = 100
	// MaxPeek bounds a peek ("oldest" peeks this many).
	MaxPeek = 5000
	// peekVisibility is how long peeked messages stay hidden at most; the
	// peek releases them (visibility 0) as soon as it has them all.
	peekVisibility = 30
	// receiveTimeout bounds one receive of a peek (it waits up to 1 s).
	receiveTimeout = 20 * time.Second
	// releaseTimeout bounds releasing one batch of ten.
	releaseTimeout = 10 * time.Second
)

// Read peeks a queue: SQS has no offsets, so every read receives messages
// and makes them visible again at once (ChangeMessageVisibility 0). Each
// receive raises a message's ApproximateReceiveCount, which on a queue
// with a RedrivePolicy can send it to the DLQ: the UI asks first.
func (c *Conn) Read(ctx context.Context, name string, opts sources.ReadOptions) (sources.Subscription, error) {
	n, err := sources.PeekCount(name, opts.Start, DefaultPeek, MaxPeek)
	if err != nil {
		return nil, err
	}
	return c.Peek(ctx, name, n)
}

// Peek receives up to n distinct messages of a queue, hands them over as
// they come, and releases every message it received when it has them, or
// is closed, or fails: a receive under way when the reader stops (Ctrl-C,
// --limit, a write error) is let finish, so what the server handed out is
// known and given back. A release that fails is reported by Next.
func (c *Conn) Peek(ctx context.Context, name string, n int) (sources.Subscription, error) {
	u, err := c.QueueURL(ctx, name)
	if err != nil {
		return nil, err
	}
	origin := c.originOf(ctx, name)
	feed := sources.NewFeed(ctx, 0, nil)
	feed.Go(func(ctx context.Context) {
		var held []types.Message
		defer func() {
			if err := c.release(u, held); err != nil {
				feed.Fail(fmt.Errorf("peek %s: %w", name, err))
			}
		}()
		seen := map[string]bool{}
		empty := 0
		for len(seen) < n && empty < 2 && ctx.Err() == nil {
			got, err := c.receive(ctx, u, min(10, n-len(seen)))
			held = append(held, got...) // before anything else: whatever came is given back
			if err != nil {
				if ctx.Err() == nil {
					feed.Fail(c.explain(err))
				}
				return
			}
			if len(got) == 0 {
				empty++
				continue
			}
			empty = 0
			var batch []sources.Message
			for _, m := range got {
				id := aws.ToString(m.MessageId)
				if seen[id] {
					continue
				}
				seen[id] = true
				batch = append(batch, Convert(c.name, name, int64(len(seen)-1), m, origin))
			}
			if !feed.SendBatch(batch) {
				return
			}
		}
	})
	feed.EndWhenDone()
	return feed, nil
}

// receive is one ReceiveMessage of a peek. It is not cancelled with ctx:
// a receive cut off after the server answered would leave messages in
// flight that nobody knows the receipt handles of, hidden until their
// visibility timeout. It is bounded by its own deadline instead.
func (c *Conn) receive(ctx context.Context, queueURL string, n int) ([]types.Message, error) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), receiveTimeout)
	defer cancel()
	out, err := c.client.ReceiveMessage(rctx, &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(queueURL), MaxNumberOfMessages: int32(n), VisibilityTimeout: peekVisibility, WaitTimeSeconds: 1,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"},
	})
	if err != nil {
		return nil, err
	}
	return out.Messages, nil
}

// Release makes received messages visible again, in batches of ten (a
// peek's, and what a redrive did not move). It runs on its own deadlines: a
// cancelled peek must still give them back.
func (c *Conn) Release(queueURL string, ms []types.Message) { _ = c.release(queueURL, ms) }

// release is Release that says how many messages it could not release.
func (c *Conn) release(queueURL string, ms []types.Message) error {
	var lost int
	var last error
	for chunk := range slices.Chunk(ms, 10) {
		ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
		entries := make([]types.ChangeMessageVisibilityBatchRequestEntry, len(chunk))
		for i, m := range chunk {
			entries[i] = types.ChangeMessageVisibilityBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0}
		}
		out, err := c.client.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(queueURL), Entries: entries})
		for i, m := range chunk { // one by one what the batch did not do (some servers have no batch call)
			if err == nil && !failed(out.Failed, i) {
				continue
			}
			if _, err := c.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(queueURL), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0}); err != nil && !notInFlight(err) {
				lost++
				last = err
			}
		}
		cancel()
	}
	if lost > 0 {
		return fmt.Errorf("%d of %d received messages could not be made visible again (they reappear when their visibility timeout of %d s ends): %w",
			lost, len(ms), peekVisibility, c.explain(last))
	}
	return nil
}

// notInFlight reports the error of a release of a message that is no
// longer in flight: visible again already (its timeout ran out) or deleted.
func notInFlight(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && strings.Contains(strings.ToLower(ae.ErrorCode()), "notinflight")
}

// originOf is the queue a DLQ serves when it serves exactly one (for
// messages without DeadLetterQueueSourceArn).
func (c *Conn) originOf(ctx context.Context, name string) string {
	srcs, err := c.DeadLetterSources(ctx, name)
	if err != nil || len(srcs) != 1 {
		return ""
	}
	return srcs[0]
}

// DeleteMessages deletes received messages (in batches of ten; one by one
// where the server has no batch call).
func (c *Conn) DeleteMessages(ctx context.Context, queueURL string, ms []types.Message) error {
	for chunk := range slices.Chunk(ms, 10) {
		entries := make([]types.DeleteMessageBatchRequestEntry, len(chunk))
		for i, m := range chunk {
			entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
		}
		out, err := c.client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(queueURL), Entries: entries})
		for i, m := range chunk { // one by one what the batch did not do (some servers have no batch call)
			if err == nil && !failed(out.Failed, i) {
				continue
			}
			if _, err := c.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				return c.explain(err)
			}
		}
	}
	return nil
}

// failed reports whether entry i is among a batch's failures.
func failed(fs []types.BatchResultErrorEntry, i int) bool {
	id := strconv.Itoa(i)
	for _, f := range fs {
		if aws.ToString(f.Id) == id {
			return true
		}
	}
	return false
}
